/**
 * Pod faults the Kubernetes way: annotations, unknown images, node capacity.
 */
import { startSandbox, Sandbox } from '../sandbox';
import { api, httpGet, waitFor } from '../testing/helpers';

jest.setTimeout(60000);

function deployment(
  name: string,
  annotations: Record<string, string> = {},
  extra: any = {},
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, color: 'green' }, annotations },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'my-app:1.0.0',
              ports: [{ containerPort: 8080 }],
              ...extra,
            },
          ],
        },
      },
    },
  };
}

describe('kubelet simulation', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: 'empty',
      podReadyDelayMs: 150,
      traffic: false,
      nodeCapacity: { cpu: '2' },
    });
  });
  afterAll(() => sandbox.stop());

  const pod = async (app: string) =>
    (
      await api(
        sandbox,
        'GET',
        `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`,
      )
    ).json.items[0];
  const events = async (name: string) =>
    (
      await api(
        sandbox,
        'GET',
        `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D${name}`,
      )
    ).json.items.map((e: any) => `${e.type} ${e.reason}: ${e.message}`);

  it('makes pods Running and Ready, with Scheduled/Pulled/Created/Started events and a real listener', async () => {
    await api(
      sandbox,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('ok'),
    );
    const p = await waitFor(async () => {
      const x = await pod('ok');
      return x?.status?.conditions?.some(
        (c: any) => c.type === 'Ready' && c.status === 'True',
      )
        ? x
        : undefined;
    });
    expect(p.status.phase).toBe('Running');
    expect(p.status.podIP).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(p.status.containerStatuses[0]).toMatchObject({
      name: 'app',
      ready: true,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: expect.any(String) } },
    });
    const ev = await events(p.metadata.name);
    expect(ev).toEqual(
      expect.arrayContaining([
        `Normal Scheduled: Successfully assigned default/${p.metadata.name} to sandbox-node`,
        'Normal Pulled: Container image "my-app:1.0.0" already present on machine',
        'Normal Created: Created container: app',
        'Normal Started: Started container app',
      ]),
    );
    expect((await httpGet(`http://${p.status.podIP}:8080/`)).text).toBe(
      'Hello from my-app v1.0.0\n',
    );
    const proxied = await api(
      sandbox,
      'GET',
      `/api/v1/namespaces/default/pods/${p.metadata.name}/proxy/health`,
    );
    expect(proxied.text).toBe('ok\n');
  });

  it('readiness-fail: Running but never Ready, Unhealthy events', async () => {
    await api(
      sandbox,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('unready', { 'sandbox.bluegreen.dev/readiness-fail': 'true' }),
    );
    const p = await waitFor(async () => {
      const x = await pod('unready');
      return x?.status?.phase === 'Running' ? x : undefined;
    });
    await waitFor(
      async () =>
        (
          await events(p.metadata.name)
        ).some(
          (e: string) =>
            e ===
            'Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503',
        ),
      10000,
      'Unhealthy',
    );
    expect(
      (await pod('unready')).status.conditions.find(
        (c: any) => c.type === 'Ready',
      ).status,
    ).toBe('False');
  });

  it('crash-loop: restarts with CrashLoopBackOff and kube-state-metrics restarts', async () => {
    await api(
      sandbox,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('crash', { 'sandbox.bluegreen.dev/crash-loop': 'true' }),
    );
    const p = await waitFor(
      async () => {
        const x = await pod('crash');
        return x?.status?.containerStatuses?.[0]?.state?.waiting?.reason ===
          'CrashLoopBackOff'
          ? x
          : undefined;
      },
      15000,
      'CrashLoopBackOff',
    );
    expect(p.status.containerStatuses[0].restartCount).toBeGreaterThanOrEqual(
      1,
    );
    expect(p.status.containerStatuses[0].lastState.terminated).toMatchObject({
      reason: 'Error',
      exitCode: 1,
    });
    const ksm = await fetch(
      `${sandbox.url}/sandbox/metrics/kube-state-metrics`,
    ).then(r => r.text());
    expect(ksm).toMatch(
      new RegExp(
        `kube_pod_container_status_restarts_total\\{namespace="default",pod="${p.metadata.name}",container="app"\\} [1-9]`,
      ),
    );
  });

  it('oom-after-seconds: OOMKilled with exit code 137', async () => {
    await api(
      sandbox,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment(
        'oom',
        { 'sandbox.bluegreen.dev/oom-after-seconds': '0.3' },
        { resources: { limits: { memory: '64Mi' } } },
      ),
    );
    const p = await waitFor(
      async () => {
        const x = await pod('oom');
        return x?.status?.containerStatuses?.[0]?.lastState?.terminated
          ?.reason === 'OOMKilled'
          ? x
          : undefined;
      },
      15000,
      'OOMKilled',
    );
    expect(p.status.containerStatuses[0].lastState.terminated.exitCode).toBe(
      137,
    );
    const ksm = await fetch(
      `${sandbox.url}/sandbox/metrics/kube-state-metrics`,
    ).then(r => r.text());
    expect(ksm).toContain(
      `kube_pod_container_status_last_terminated_reason{namespace="default",pod="${p.metadata.name}",container="app",reason="OOMKilled"} 1`,
    );
  });

  it('slow-start-seconds and latency-ms', async () => {
    await api(
      sandbox,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('slow', {
        'sandbox.bluegreen.dev/slow-start-seconds': '1',
        'sandbox.bluegreen.dev/latency-ms': '150',
      }),
    );
    const running = await waitFor(async () => {
      const x = await pod('slow');
      return x?.status?.phase === 'Running' ? x : undefined;
    });
    const t0 = Date.now();
    expect(
      running.status.conditions.find((c: any) => c.type === 'Ready').status,
    ).toBe('False');
    await waitFor(
      async () =>
        (
          await pod('slow')
        ).status.conditions.find((c: any) => c.type === 'Ready').status ===
        'True',
      10000,
      'ready after slow start',
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    const s = Date.now();
    await httpGet(`http://${running.status.podIP}:8080/`);
    expect(Date.now() - s).toBeGreaterThanOrEqual(140);
  });

  it('requests above the node capacity stay Pending with FailedScheduling', async () => {
    await api(
      sandbox,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('big', {}, { resources: { requests: { cpu: '3' } } }),
    );
    const p = await waitFor(
      async () => {
        const x = await pod('big');
        return x?.status?.conditions?.[0]?.reason === 'Unschedulable'
          ? x
          : undefined;
      },
      10000,
      'Unschedulable',
    );
    expect(p.status.phase).toBe('Pending');
    const ev = await events(p.metadata.name);
    expect(ev).toContain(
      'Warning FailedScheduling: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
  });

  it('serves the log of a pod as the kubelet does: a faulted request writes an error and its stack line', async () => {
    await api(
      sandbox,
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('noisy', { 'sandbox.bluegreen.dev/error-rate': '1' }),
    );
    const p = await waitFor(async () => {
      const x = await pod('noisy');
      return x?.status?.podIP && x.status.phase === 'Running' ? x : undefined;
    });
    for (let i = 0; i < 3; i++) {
      expect((await httpGet(`http://${p.status.podIP}:8080/`)).status).toBe(
        500,
      );
    }
    const log = (query: string) =>
      api(
        sandbox,
        'GET',
        `/api/v1/namespaces/default/pods/${p.metadata.name}/log${query}`,
      );
    const all = await log('');
    expect(all.status).toBe(200);
    const lines = all.text.trimEnd().split('\n');
    expect(
      lines.filter(l => l.startsWith('ERROR "GET / HTTP/1.1" 500')),
    ).toHaveLength(3);
    expect(lines.filter(l => /^\s+at /.test(l))).toHaveLength(3);

    // The last 2 lines, each with its RFC 3339 time first.
    const tail = (await log('?tailLines=2&timestamps=true')).text;
    const tailLines = tail.trimEnd().split('\n');
    expect(tailLines).toHaveLength(2);
    for (const line of tailLines) {
      expect(Date.parse(line.split(' ')[0])).toBeGreaterThan(
        Date.now() - 60_000,
      );
    }
    expect((await log('?limitBytes=10')).text).toBe(all.text.slice(0, 10));
    // Nothing was written in the last second after a pause.
    await new Promise(r => setTimeout(r, 1100));
    expect((await log('?sinceSeconds=1')).text).toBe('');
    expect((await log('?sinceSeconds=0')).status).toBe(400);
  });
});
