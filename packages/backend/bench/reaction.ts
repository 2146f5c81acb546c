/* eslint-disable no-console */
/**
 * Release-cycle benchmark, each run a release of a new version on green: deploy → "promotable"
 * (the new version's pods ready and every required pre-deploy item passing, its manual items
 * signed off right after the deploy), then promote and fault (5 % of green's requests answer 500)
 * → the Service answering with blue only. Short windows: Prometheus scrapes every 1 s (the
 * harness' Prometheus), the criteria's rate window is 10 s, the watch evaluates every 2 s and the
 * 5xx criterion fires after 4 s. Beside it, what Argo Rollouts' analysis (a failed AnalysisRun
 * needs failureLimit + 1 failed measurements, one per interval) and Flagger's (threshold failed
 * checks, one per interval) would take at the same 2 s interval and with their documented example
 * settings. Median of RUNS (default 5). Also counts the Prometheus queries of one pre-deploy and
 * one post-deploy checklist evaluation and of one watch evaluation, at a counting proxy in front
 * of the real Prometheus. Run: yarn workspace backend bench:reaction
 */
import { createServer, request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  startWorld,
  users,
  waitFor,
  World,
} from '../src/__testUtils__/harness';

const RUNS = Number(process.env.RUNS ?? 5);
const SCRAPE_SECONDS = 1;
const RATE_WINDOW_SECONDS = 10;
const EVALUATION_SECONDS = 2;
/** How long the 5xx criterion must fail before it fires (two evaluations). */
const FOR_SECONDS = 2 * EVALUATION_SECONDS;
const MY_APP = '/entities/default/component/my-app';

/** An HTTP proxy that counts the queries it forwards to Prometheus. */
async function countingProxy(target: () => string) {
  let count = 0;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/query')) count++;
    const url = new URL(req.url ?? '/', target());
    const upstream = httpRequest(
      url,
      { method: req.method, headers: { ...req.headers, host: url.host } },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    close: () => new Promise(r => server.close(r)),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Which colors answer through the Service: green runs `greenVersion`. */
async function answering(
  world: World,
  greenVersion: string,
): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const body = await world.hit('default', 'my-app').catch(() => '');
    seen.add(body.includes(greenVersion) ? 'green' : 'blue');
  }
  return seen;
}

async function patchGreen(
  world: World,
  annotations: Record<string, string | null>,
) {
  await world.kube(
    '/apis/apps/v1/namespaces/default/deployments/my-app-green',
    {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { annotations } }),
    },
  );
}

async function main() {
  // The proxy learns Prometheus' address once the world has started it.
  let prometheusUrl = '';
  const proxy = await countingProxy(() => prometheusUrl);
  const world = await startWorld({
    database: 'sqlite',
    prometheus: true,
    blueGreen: {
      prometheus: { url: proxy.url },
      checks: { requiredForPromote: true, window: '30s', cacheTtl: '0s' },
      watch: {
        enabled: true,
        duration: '10m',
        evaluationInterval: { seconds: EVALUATION_SECONDS },
        rateWindow: `${RATE_WINDOW_SECONDS}s`,
        // Two evaluations, as the criteria's sustain.
        criteria: {
          'error-rate': { for: { seconds: FOR_SECONDS } },
        },
      },
    },
  });
  prometheusUrl = world.prometheus!.url;
  try {
    await runBench(world, proxy);
  } finally {
    await world.stop();
    await proxy.close();
  }
}

/** Signs off the manual items of green's current version. */
async function signOff(as: ReturnType<World['as']>) {
  for (const item of [
    'smoke-test',
    'critical-endpoints',
    'db-migration',
    'schema-compatible',
    'rollback-owner',
    'dependencies',
  ]) {
    await as.post(`${MY_APP}/checklist/${item}/sign-off`, { note: 'bench' });
  }
}

async function runBench(world: World, proxy: { count: () => number }) {
  const as = world.as(users.alice);
  await waitFor(
    'green checks passing',
    async () => {
      const res = await as.get(`${MY_APP}/checklist`);
      return ['cpu', 'health-endpoint'].every(
        id => res.body.items?.find((i: any) => i.id === id)?.status === 'pass',
      );
    },
    90_000,
  );
  await signOff(as);

  let before = proxy.count();
  await as.get(`${MY_APP}/checklist?phase=pre`);
  const preQueries = proxy.count() - before;
  before = proxy.count();
  await as.get(`${MY_APP}/checklist?phase=post`);
  const postQueries = proxy.count() - before;

  const reactions: number[] = [];
  const promotable: number[] = [];
  let watchQueries = 0;
  for (let run = 1; run <= RUNS; run++) {
    // A new version on green (the last one was rolled back, so it could not be promoted again).
    const deployedAt = Date.now();
    const deployed = await as.post(`${MY_APP}/deploy`, {
      image: `my-app:1.2.${run}`,
      version: `v1.2.${run}`,
    });
    if (deployed.status !== 200) {
      throw new Error(
        `deploy: ${deployed.status} ${JSON.stringify(deployed.body)}`,
      );
    }
    await signOff(as);
    await waitFor(
      `v1.2.${run} promotable`,
      async () => {
        const res = await as.get(MY_APP);
        return (
          res.body.colors?.green?.version === `v1.2.${run}` &&
          res.body.promote?.allowed
        );
      },
      120_000,
    );
    const ready = (Date.now() - deployedAt) / 1000;
    promotable.push(ready);
    console.log(
      `run ${run}: promotable ${ready.toFixed(1)} s after the deploy`,
    );
    const promoted = await as.post(`${MY_APP}/promote`, {
      reason: `bench ${run}`,
    });
    if (promoted.status !== 200) {
      throw new Error(
        `promote: ${promoted.status} ${JSON.stringify(promoted.body)}`,
      );
    }
    // Let the watch settle (and measure the queries of one evaluation while it does).
    before = proxy.count();
    await new Promise(r => setTimeout(r, EVALUATION_SECONDS * 1000 * 2));
    watchQueries = (proxy.count() - before) / 2;

    const injected = Date.now();
    await patchGreen(world, { 'sandbox.bluegreen.dev/error-rate': '0.05' });
    await waitFor(
      'traffic back on blue',
      async () => {
        const seen = await answering(world, `v1.2.${run}`);
        return seen.size === 1 && seen.has('blue');
      },
      120_000,
    );
    const seconds = (Date.now() - injected) / 1000;
    reactions.push(seconds);
    console.log(
      `run ${run}: traffic back on blue ${seconds.toFixed(
        1,
      )} s after the fault`,
    );
    await patchGreen(world, { 'sandbox.bluegreen.dev/error-rate': null });
    // Green's window must empty of errors before the next promote.
    await new Promise(r => setTimeout(r, (RATE_WINDOW_SECONDS + 3) * 1000));
  }

  const target = RATE_WINDOW_SECONDS + 3 * SCRAPE_SECONDS;
  console.log('');
  console.log(
    `automatic rollback reaction, ${RUNS} runs (scrape ${SCRAPE_SECONDS} s, window ${RATE_WINDOW_SECONDS} s, evaluation every ${EVALUATION_SECONDS} s)`,
  );
  console.log(
    `  median ${median(reactions).toFixed(1)} s   min ${Math.min(
      ...reactions,
    ).toFixed(1)} s   max ${Math.max(...reactions).toFixed(
      1,
    )} s   (target <= ${target} s: ${
      median(reactions) <= target ? 'met' : 'NOT met'
    })`,
  );
  console.log(
    `deploy → promotable, ${RUNS} runs: median ${median(promotable).toFixed(
      1,
    )} s   min ${Math.min(...promotable).toFixed(1)} s   max ${Math.max(
      ...promotable,
    ).toFixed(1)} s`,
  );
  // The other tools' analysis at the same cadence, from the same first failing measurement: ours
  // fires once the criterion has failed for FOR_SECONDS; theirs after N failed measurements, one
  // per interval (Argo Rollouts: failureLimit + 1; Flagger: threshold).
  const firstFailing = median(reactions) - FOR_SECONDS;
  const beside = (what: string, failedNeeded: number) => {
    const seconds = firstFailing + (failedNeeded - 1) * EVALUATION_SECONDS;
    console.log(
      `  ${what}: ~${seconds.toFixed(1)} s (${(
        seconds / median(reactions)
      ).toFixed(2)}× ours)`,
    );
  };
  console.log(
    `fault → traffic back beside other tools' analysis at the same ${EVALUATION_SECONDS} s interval (ours measured: ${median(
      reactions,
    ).toFixed(1)} s):`,
  );
  beside(
    'Argo Rollouts, failureLimit 3 (docs example): 4 failed measurements',
    4,
  );
  beside('Argo Rollouts, failureLimit 0 (default): 1 failed measurement', 1);
  beside('Flagger, threshold 5 (docs example): 5 failed checks', 5);
  console.log(
    '  with their documented cadences: Argo Rollouts interval 5m × (failureLimit 3 + 1) = 20 min; Flagger interval 1m × threshold 5 = 5 min; ours by default: 5xx above 1 % for 5 min (rate over 1m, evaluated every 15 s) ≈ 5–6 min',
  );
  console.log(
    `Prometheus queries: pre-deploy checklist ${preQueries}, post-deploy checklist ${postQueries}, one watch evaluation ${watchQueries}`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
