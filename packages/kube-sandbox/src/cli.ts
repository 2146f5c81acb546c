/* eslint-disable no-console */
/**
 * kube-sandbox CLI: `yarn workspace @bluegreen-backstage/kube-sandbox start [--port 6550]
 * [--prometheus] [--prometheus-port 9090] [--no-traffic] [--ready-delay-ms N] [--scenario seeds|empty]`
 */
import { startSandbox } from './sandbox';
import { startPrometheus, RunningPrometheus } from './prometheus';

function parseArgs(argv: string[]) {
  const opts: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, inline] = a.slice(2).split('=');
    if (inline !== undefined) opts[k] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--'))
      opts[k] = argv[++i];
    else opts[k] = true;
  }
  return opts;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(
      'Usage: kube-sandbox [--port 6550] [--prometheus] [--prometheus-port 9090] [--no-traffic] [--ready-delay-ms N] [--scenario seeds|empty] [--data-dir DIR]',
    );
    return;
  }
  const noTraffic = args['no-traffic'] === true;
  const sandbox = await startSandbox({
    port: args.port !== undefined ? Number(args.port) : 6550,
    scenario: (args.scenario as 'seeds' | 'empty') ?? 'seeds',
    traffic: !noTraffic,
    listeners: !noTraffic,
    podReadyDelayMs:
      args['ready-delay-ms'] !== undefined
        ? Number(args['ready-delay-ms'])
        : undefined,
    dataDir:
      typeof args['data-dir'] === 'string' ? args['data-dir'] : undefined,
  });
  let prometheus: RunningPrometheus | undefined;
  if (args.prometheus) {
    prometheus = await startPrometheus({
      httpSdUrl: sandbox.httpSdUrl,
      port:
        args['prometheus-port'] !== undefined
          ? Number(args['prometheus-port'])
          : 9090,
      dataDir: `${sandbox.dataDir}/prometheus`,
    });
    sandbox.setPrometheusUrl(prometheus.url);
  }
  await sandbox.settled(60000).catch(() => undefined);
  console.log(
    `Kubernetes API:   ${sandbox.url}   (any bearer token; kubeconfig has ${sandbox.token})`,
  );
  console.log(`kubeconfig:       ${sandbox.kubeconfigPath}`);
  console.log(`                  export KUBECONFIG=${sandbox.kubeconfigPath}`);
  console.log(`Prometheus http_sd: ${sandbox.httpSdUrl}`);
  if (prometheus) console.log(`Prometheus:       ${prometheus.url}`);
  const services = sandbox.services();
  if (services.length) {
    console.log('Services (loopback):');
    for (const s of services)
      console.log(
        `  ${`${s.namespace}/${s.name}:${s.port}`.padEnd(36)} ${s.url}`,
      );
  }
  console.log('Press Ctrl+C to stop.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await prometheus?.stop();
    await sandbox.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
