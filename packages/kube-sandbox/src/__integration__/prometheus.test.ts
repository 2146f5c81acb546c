/**
 * A real Prometheus (Debian's /usr/bin/prometheus) scraping the sandbox through http_sd.
 */
import { startSandbox, Sandbox } from '../sandbox';
import { startPrometheus, RunningPrometheus } from '../prometheus';
import { api, kubectl, waitFor } from '../testing/helpers';

jest.setTimeout(120000);

async function query(prom: RunningPrometheus, q: string) {
  const r = await fetch(
    `${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`,
  );
  const body: any = await r.json();
  return (body.data?.result ?? []) as Array<{
    metric: Record<string, string>;
    value: [number, string];
  }>;
}

describe('Prometheus scraping the sandbox', () => {
  let sandbox: Sandbox;
  let prom: RunningPrometheus;
  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: 'seeds',
      podReadyDelayMs: 300,
      traffic: { requestsPerSecond: 40 },
    });
    await sandbox.settled(30000);
    // Traffic to both colors of seed 001 §2: the Service selects blue, so point the load at green too.
    prom = await startPrometheus({
      httpSdUrl: sandbox.httpSdUrl,
      scrapeIntervalSeconds: 1,
    });
  });
  afterAll(async () => {
    await prom?.stop();
    await sandbox?.stop();
  });

  it('lists pod targets with their labels in http_sd', async () => {
    const groups: any[] = await fetch(sandbox.httpSdUrl).then(r => r.json());
    const pod = groups.find(
      g =>
        g.labels.namespace === 'default' &&
        g.labels.app === 'my-app' &&
        g.labels.color === 'green',
    );
    expect(pod.targets[0]).toMatch(/^127\.\d+\.\d+\.\d+:8080$/);
    expect(pod.labels).toMatchObject({
      version: 'v1.1.0',
      pod_template_hash: expect.any(String),
      __meta_kubernetes_pod_label_color: 'green',
    });
    const ro = groups.find(g => g.labels.namespace === 'rollouts-demo');
    expect(ro.labels.rollouts_pod_template_hash).toBeDefined();
  });

  it('answers sum by (color)(rate(http_requests_total[30s])) for both colors, then reads a 20 % error annotation', async () => {
    // istio-demo's Service selects both colors; the VirtualService sends everything to blue,
    // so send traffic to green in default by switching its selector.
    await kubectl(sandbox, [
      'patch',
      'svc',
      'test-service',
      '-p',
      '{"spec":{"selector":{"color":"green"}}}',
    ]);
    const both = await waitFor(
      async () => {
        const r = await query(
          prom,
          'sum by (color)(rate(http_requests_total[30s]))',
        );
        const colors = r
          .filter(x => Number(x.value[1]) > 0)
          .map(x => x.metric.color)
          .sort();
        return colors.includes('blue') && colors.includes('green')
          ? r
          : undefined;
      },
      30000,
      'both colors in Prometheus',
    );
    expect(both.length).toBeGreaterThanOrEqual(2);
    const scoped = await waitFor(
      async () => {
        const r = await query(
          prom,
          'sum by (color)(rate(http_requests_total{namespace="default",app="my-app"}[30s]))',
        );
        return r.length >= 2 ? r : undefined;
      },
      20000,
      'default/my-app series',
    );
    // Blue through the live Service my-app, green through its preview Service my-app-preview.
    expect(scoped.map(x => x.metric.color).sort()).toEqual(['blue', 'green']);

    const ann = await kubectl(sandbox, [
      'annotate',
      'deployment',
      'test-deployment-green',
      'sandbox.bluegreen.dev/error-rate=0.2',
    ]);
    expect(ann.stdout).toContain('annotated');
    const since = Date.now();
    // Count only requests after the annotation: increase over a window that starts after it.
    const sample = await waitFor(
      async () => {
        const secs = Math.floor((Date.now() - since) / 1000);
        if (secs < 12) return undefined;
        const w = Math.min(secs - 2, 30);
        const increase = (status: string) =>
          query(
            prom,
            `sum by (color)(increase(http_requests_total{namespace="default",app="test-pod"${status}}[${w}s]))`,
          );
        const [errors, all] = await Promise.all([
          increase(',status=~"5.."'),
          increase(''),
        ]);
        const green = (r: typeof all) =>
          r.find(x => x.metric.color === 'green')?.value[1];
        const e = green(errors);
        const n = green(all);
        return e && n
          ? { ratio: Number(e) / Number(n), n: Number(n) }
          : undefined;
      },
      40000,
      'green error ratio',
    );
    // Each request fails with probability 0.2: the observed share is within 4 standard errors.
    const tolerance = 4 * Math.sqrt((0.2 * 0.8) / sample.n) + 0.01;
    expect(Math.abs(sample.ratio - 0.2)).toBeLessThanOrEqual(tolerance);
    expect(sample.n).toBeGreaterThan(50);
  });

  it('exposes cAdvisor and kube-state-metrics series', async () => {
    const cpu = await waitFor(
      async () => {
        const r = await query(
          prom,
          'container_cpu_usage_seconds_total{namespace="default"}',
        );
        return r.length ? r : undefined;
      },
      20000,
      'cadvisor',
    );
    expect(cpu[0].metric).toMatchObject({
      namespace: 'default',
      pod: expect.any(String),
      container: expect.any(String),
    });
    const limits = await query(
      prom,
      'kube_pod_container_resource_limits{namespace="default",resource="memory"}',
    );
    expect(Number(limits[0].value[1])).toBe(512 * 1024 * 1024);
    const labels = await query(
      prom,
      'kube_pod_labels{namespace="default",label_color="green"}',
    );
    expect(labels.length).toBeGreaterThan(0);
  });

  it('runs a Rollout pre-promotion AnalysisRun against this Prometheus (success, then failure → abort)', async () => {
    sandbox.setPrometheusUrl(prom.url);
    const template = (name: string, condition: Record<string, string>) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name },
      spec: {
        args: [{ name: 'service-name' }],
        metrics: [
          {
            name: 'success-rate',
            interval: '1s',
            count: 2,
            ...condition,
            provider: {
              prometheus: {
                address: 'http://prometheus.monitoring:9090',
                query:
                  'sum(rate(http_requests_total{service="{{args.service-name}}",status=~"2.."}[30s])) / sum(rate(http_requests_total{service="{{args.service-name}}"}[30s]))',
              },
            },
          },
        ],
      },
    });
    const ns = '/apis/argoproj.io/v1alpha1/namespaces/rollouts-demo';
    await api(
      sandbox,
      'POST',
      `${ns}/analysistemplates`,
      template('healthy-rate', { successCondition: 'result[0] >= 0.95' }),
    );
    await api(
      sandbox,
      'POST',
      `${ns}/analysistemplates`,
      template('always-fails', { failureCondition: 'result[0] >= 0' }),
    );
    const rollout = (image: string, templateName: string) => ({
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'app', image, ports: [{ containerPort: 8080 }] },
            ],
          },
        },
        strategy: {
          blueGreen: {
            prePromotionAnalysis: {
              templates: [{ templateName }],
              args: [{ name: 'service-name', value: 'my-app-active' }],
            },
          },
        },
      },
    });
    const get = async () =>
      (await api(sandbox, 'GET', `${ns}/rollouts/my-app`)).json;
    await api(
      sandbox,
      'PATCH',
      `${ns}/rollouts/my-app`,
      rollout('my-app:1.2.0', 'healthy-rate'),
      'application/merge-patch+json',
    );
    const paused = await waitFor(
      async () => {
        const r = await get();
        return r.status.blueGreen.prePromotionAnalysisRunStatus?.status ===
          'Successful' && r.status.phase === 'Paused'
          ? r
          : undefined;
      },
      30000,
      'successful pre-promotion analysis',
    );
    const run = (
      await api(
        sandbox,
        'GET',
        `${ns}/analysisruns/${paused.status.blueGreen.prePromotionAnalysisRunStatus.name}`,
      )
    ).json;
    expect(run.status.phase).toBe('Successful');
    expect(run.status.metricResults[0]).toMatchObject({
      name: 'success-rate',
      count: 2,
      successful: 2,
    });
    expect(
      Number(run.status.metricResults[0].measurements[0].value.slice(1, -1)),
    ).toBeGreaterThan(0.95);

    await api(
      sandbox,
      'PATCH',
      `${ns}/rollouts/my-app`,
      rollout('my-app:1.3.0', 'always-fails'),
      'application/merge-patch+json',
    );
    const aborted = await waitFor(
      async () => {
        const r = await get();
        return r.status.phase === 'Degraded' ? r : undefined;
      },
      30000,
      'abort after failed analysis',
    );
    expect(aborted.status.blueGreen.prePromotionAnalysisRunStatus.status).toBe(
      'Failed',
    );
    expect(aborted.status.message).toMatch(
      /^RolloutAborted: Rollout aborted update to revision \d+$/,
    );
  });
});
