/* eslint-disable no-console */
/**
 * What the real control plane costs, binaries already built:
 *   yarn workspace @bluegreen-backstage/kube-sandbox bench:control-plane [--runs 3]
 * prints the median time from `scripts/control-plane.sh start` to ready, the time to load the
 * seeds (16 Deployment pods, the Rollout's 6, the Istio pair) and the resident memory of every
 * process of the control plane with the seeds running, against the sandbox's in the same run.
 */
import { startSandbox } from '../sandbox';
import { loadSeeds } from './seeds';
import { startControlPlane } from './startControlPlane';

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 3;
  const starts: number[] = [];
  const seeds: number[] = [];
  let memory: Record<string, number> = {};
  for (let run = 0; run < runs; run++) {
    let t = Date.now();
    const plane = await startControlPlane();
    starts.push((Date.now() - t) / 1000);
    t = Date.now();
    await loadSeeds(plane);
    seeds.push((Date.now() - t) / 1000);
    await new Promise(r => setTimeout(r, 5000));
    memory = plane.memory();
    await plane.stop();
  }
  const total = Object.values(memory).reduce((a, b) => a + b, 0);
  const before = process.memoryUsage().rss;
  const sandbox = await startSandbox({ traffic: false });
  await sandbox.settled();
  const sandboxMiB = (process.memoryUsage().rss - before) / 2 ** 20;
  await sandbox.stop();
  console.log(
    `control plane start to ready: median ${median(starts).toFixed(
      1,
    )} s of ${runs} (${starts.map(s => s.toFixed(1)).join(', ')})`,
  );
  console.log(`seeds loaded and settled: median ${median(seeds).toFixed(1)} s`);
  console.log(
    `memory with the seeds running (RSS, MiB): ${Object.entries(memory)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ')}; total ${total.toFixed(0)}`,
  );
  console.log(
    `sandbox with the same seeds, in-process (RSS growth, MiB): ${sandboxMiB.toFixed(
      0,
    )}; ratio ${(total / sandboxMiB).toFixed(1)}x`,
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
