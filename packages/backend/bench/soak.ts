/* eslint-disable no-console */
/**
 * Issue 8's long run: storms of concurrent promote/rollback requests on the service-selector and
 * Istio examples for SOAK_SECONDS (default 120), every other storm with random cluster faults (500s,
 * dropped connections, lost answers, 409s, slow and failing reads). After each storm the
 * invariants of `storm()` are checked: answers are 200/409 (503 only under faults, saying what
 * the cluster shows), one color live throughout, one finished history row per request, each
 * switch one real change in the cluster, no lost update. Prints the totals.
 * Run: yarn workspace backend soak   (DATABASE=postgres after `. scripts/postgres.sh`)
 */
import { FaultRule } from '@bluegreen-backstage/kube-sandbox';
import { startWorld } from '../src/__testUtils__/harness';
import { storm, STORM_TARGETS } from '../src/__testUtils__/storm';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const REQUESTS = Number(process.env.REQUESTS ?? 50);
const DATABASE = (process.env.DATABASE ?? 'sqlite') as 'sqlite' | 'postgres';

const FAULTS: FaultRule[] = [
  { kind: 'error', status: 500, verb: 'patch', probability: 0.15 },
  { kind: 'drop', verb: 'patch', probability: 0.1 },
  { kind: 'lost-answer', verb: 'patch', probability: 0.1 },
  { kind: 'conflict', verb: 'patch', probability: 0.1 },
  { kind: 'error', status: 503, verb: ['get', 'list'], probability: 0.05 },
  { kind: 'latency', delayMs: 50, verb: ['get', 'list'], probability: 0.2 },
];

async function main() {
  const world = await startWorld({
    database: DATABASE,
    blueGreen: {
      kubernetes: { requestTimeout: '2s' },
      switch: { verifyTimeout: '2s', stepInterval: '0s' },
    },
  });
  const totals = {
    storms: 0,
    faulted: 0,
    requests: 0,
    switches: 0,
    faultsHit: 0,
    statuses: {} as Record<number, number>,
    violations: [] as string[],
  };
  const deadline = Date.now() + SECONDS * 1000;
  try {
    for (let round = 0; Date.now() < deadline; round++) {
      const target = STORM_TARGETS[round % STORM_TARGETS.length];
      const faults = round % 4 >= 2;
      const result = await storm(world, target, {
        requests: REQUESTS,
        faults: faults ? FAULTS : undefined,
      });
      totals.storms++;
      totals.faulted += faults ? 1 : 0;
      totals.requests += result.requests;
      totals.switches += result.switches;
      for (const [status, n] of Object.entries(result.statuses)) {
        totals.statuses[Number(status)] =
          (totals.statuses[Number(status)] ?? 0) + n;
      }
      totals.violations.push(
        ...result.violations.map(
          v => `storm ${round} (${target.strategy}): ${v}`,
        ),
      );
      console.log(
        `storm ${round} ${target.strategy}${
          faults ? ' +faults' : ''
        }: ${JSON.stringify(result.statuses)}, ${result.switches} switches${
          faults ? `, faults hit: ${result.faultsHit}` : ''
        }${
          result.violations.length ? `, VIOLATIONS: ${result.violations}` : ''
        }`,
      );
      totals.faultsHit += result.faultsHit;
    }
  } finally {
    await world.stop();
  }
  console.log(
    `\nsoak on ${DATABASE}, ${SECONDS} s: ${totals.storms} storms (${totals.faulted} with faults) of ${REQUESTS} concurrent requests`,
  );
  console.log(
    `  requests ${totals.requests}, answers ${JSON.stringify(
      totals.statuses,
    )}, switches ${totals.switches}, API faults injected ${totals.faultsHit}`,
  );
  console.log(`  invariant violations: ${totals.violations.length}`);
  for (const v of totals.violations) console.log(`    ${v}`);
  process.exit(totals.violations.length ? 1 : 0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
