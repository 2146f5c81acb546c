/* eslint-disable no-console */
/**
 * The Node.js parts of scripts/control-plane.sh:
 *   cli.ts node --kubeconfig F --dir D --node-ip IP --pod-network 10.244 --apiserver HOST:PORT
 *     [--kubelet-cert F --kubelet-key F]
 *     (inside the control plane's network namespace) the node stand-in, the Service proxy and the
 *     tunnels; prints "ready" once they serve.
 *   cli.ts relay --dir D
 *     (outside) api.sock and proxy.sock on free loopback ports; prints them as one JSON line.
 * Both stop on SIGINT/SIGTERM.
 */
import { KubeApi } from './kubeApi';
import { NodeStandIn } from './nodeStandIn';
import { ServiceProxy } from './serviceProxy';
import { relay, serveTunnels } from './tunnel';

function flags(argv: string[]) {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined)
      throw new Error(`expected --flag value pairs, got "${argv[i]}"`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

function onStop(stop: () => Promise<unknown>) {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const f = flags(rest);
  if (command === 'node') {
    const api = await KubeApi.fromKubeconfig(f.kubeconfig);
    const [host, port] = f.apiserver.split(':');
    const closeTunnels = await serveTunnels(f.dir, {
      host,
      port: Number(port),
    });
    const node = new NodeStandIn(api, {
      nodeName: f['node-name'] ?? 'stand-in-node',
      nodeIp: f['node-ip'],
      podNetwork: f['pod-network'],
      readyDelayMs: Number(f['ready-delay-ms'] ?? 500),
      kubeletTls: f['kubelet-cert']
        ? { cert: f['kubelet-cert'], key: f['kubelet-key'] }
        : undefined,
    });
    const proxy = new ServiceProxy(api);
    onStop(async () => {
      await Promise.all([node.stop(), proxy.stop(), closeTunnels()]);
    });
    await node.start();
    await proxy.start();
    console.log('ready');
    return;
  }
  if (command === 'relay') {
    const r = await relay({
      api: `${f.dir}/api.sock`,
      proxy: `${f.dir}/proxy.sock`,
    });
    onStop(() => r.close());
    console.log(JSON.stringify(r.ports));
    return;
  }
  throw new Error(`unknown command "${command}": use node or relay`);
}

main().catch(e => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
