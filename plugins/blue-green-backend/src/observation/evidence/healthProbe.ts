import {
  BlueGreenTarget,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubeClient,
  StrategySnapshot,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { Probe } from '../../decisions/checklist/evidence';

/** HTTP GET of the health path on up to three pods of the color, through the API server's proxy. */
export async function probeHealth(
  kube: KubeClient,
  target: BlueGreenTarget,
  snapshot: StrategySnapshot,
  color: Color,
): Promise<Probe> {
  const pods = snapshot.raw.pods[color].slice(0, 3);
  if (pods.length === 0) return { ok: false, detail: `${color} has no pods` };
  const path = target.healthPath;
  const results = await Promise.all(
    pods.map(async (pod: any) => {
      const port = pod.spec?.containers?.[0]?.ports?.[0]?.containerPort;
      const name = pod.metadata?.name;
      try {
        const response = await kube.proxyGet({
          kind: 'pods',
          namespace: target.namespace,
          name,
          port,
          path,
        });
        return {
          ok: response.status === 200,
          detail: `${name}: ${response.status}`,
        };
      } catch (error) {
        return { ok: false, detail: `${name}: ${(error as Error).message}` };
      }
    }),
  );
  const failing = results.filter(r => !r.ok);
  return {
    ok: failing.length === 0,
    detail: `GET ${path} via the pods proxy: ${(failing.length
      ? failing
      : results
    )
      .map(r => r.detail)
      .join(', ')}`,
  };
}
