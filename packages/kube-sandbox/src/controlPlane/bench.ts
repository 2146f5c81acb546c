/* eslint-disable no-console */
/**
 * What the real control plane costs, binaries already built:
 *   yarn workspace @bluegreen-backstage/kube-sandbox bench:control-plane [--runs 3]
 * prints the median time from `scripts/control-plane.sh start` to ready, the time to load the
 * seeds (the sandbox's `seeds` scenario) and the resident memory of every process of the control
 * plane with the seeds running.
 */
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
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
