import { expectStatus, users, waitFor, World } from './harness';

/** What the checklist and watch suites share: short windows, sign-offs, fault annotations. */

export const MY_APP = '/entities/default/component/my-app';

/** Short windows, as in the reaction-time benchmark. */
export const CHECKS = {
  checks: { requiredForPromote: true, window: '30s', cacheTtl: '0s' },
  watch: {
    enabled: true,
    duration: '2m',
    evaluationInterval: '2s',
    rateWindow: '10s',
    // Short sustains: two evaluations.
    criteria: {
      'error-rate': { for: '2s' },
      'core-function': { for: '2s' },
      'latency-p99': { for: '2s' },
      cpu: { for: '2s' },
    },
  },
};

export const REQUIRED_MANUAL = [
  'smoke-test',
  'critical-endpoints',
  'db-migration',
  'schema-compatible',
  'rollback-owner',
  'dependencies',
];

export async function annotate(
  world: World,
  deployment: string,
  annotations: Record<string, string | null>,
) {
  await world.kube(
    `/apis/apps/v1/namespaces/default/deployments/${deployment}`,
    {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { annotations } }),
    },
  );
}

/** Which colors answer through the Service, over a few requests. */
export async function colorsAnswering(world: World): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const body = await world.hit('default', 'my-app');
    seen.add(/v1\.1/.test(body) ? 'green' : 'blue');
  }
  return [...seen].sort();
}

export async function signOffAll(world: World, user: string) {
  for (const item of REQUIRED_MANUAL) {
    const res = await world
      .as(user)
      .post(`${MY_APP}/checklist/${item}/sign-off`, {
        note: `checked ${item}`,
      });
    expectStatus(res, 200);
  }
}

/** Waits until Prometheus has request metrics for both colors of my-app. */
export async function metricsReady(world: World) {
  await waitFor(
    'request metrics for my-app in Prometheus',
    async () => {
      const res = await world.as(users.alice).get(`${MY_APP}/checklist`);
      // Prometheus needs a few scrapes of every target before rates exist.
      const ready = ['metrics-available', 'cpu', 'memory'].map(
        id => res.body.items?.find((i: any) => i.id === id)?.status,
      );
      return ready.every(status => status === 'pass');
    },
    60_000,
  ).catch(async error => {
    const res = await world.as(users.alice).get(`${MY_APP}/checklist`);
    throw new Error(
      `${error.message}: ${JSON.stringify(res.body, null, 1).slice(0, 4000)}`,
    );
  });
}
