import { resolveBlueGreenTarget } from '@bluegreen-backstage/plugin-blue-green-common';
import { parseAllDocuments } from 'yaml';
import { renderService, toYaml } from './render';
import { BlueGreenServiceSpec } from './spec';
import { versionOf } from './workload';

const spec = (
  over: Partial<BlueGreenServiceSpec> = {},
): BlueGreenServiceSpec => ({
  name: 'checkout',
  namespace: 'shop',
  strategy: 'service-selector',
  owner: 'team-checkout',
  lifecycle: 'experimental',
  image: 'my-app:1.0.0',
  port: 8080,
  servicePort: 80,
  replicas: 2,
  healthPath: '/health',
  resources: {
    requests: { cpu: '250m', memory: '256Mi' },
    limits: { cpu: '500m', memory: '512Mi' },
  },
  drain: { preStopSleepSeconds: 30, terminationGracePeriodSeconds: 60 },
  ...over,
});

const kindsAndNames = (objects: Array<{ kind?: string; metadata: any }>) =>
  objects.map(o => `${o.kind}/${o.metadata.name}`);

const podSpecs = (objects: any[]) =>
  objects
    .filter(o => o.kind === 'Deployment' || o.kind === 'Rollout')
    .map(o => o.spec.template.spec);

describe('renderService', () => {
  it('service-selector: blue and green Deployments, Service on blue, preview Service on green', () => {
    const { objects, entity, entityRef } = renderService(spec());
    expect(kindsAndNames(objects)).toEqual([
      'Service/checkout',
      'Service/checkout-preview',
      'Deployment/checkout-blue',
      'Deployment/checkout-green',
    ]);
    const [live, preview, blue, green] = objects;
    expect(live.spec.selector).toEqual({ app: 'checkout', color: 'blue' });
    expect(preview.spec.selector).toEqual({ app: 'checkout', color: 'green' });
    expect(live.spec.ports).toEqual([
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
    ]);
    expect(blue.spec.selector.matchLabels).toEqual({
      app: 'checkout',
      color: 'blue',
    });
    expect(green.spec.template.metadata.labels).toEqual({
      app: 'checkout',
      color: 'green',
      version: '1.0.0',
    });
    expect(objects.every(o => o.metadata.namespace === 'shop')).toBe(true);

    expect(entityRef).toBe('component:default/checkout');
    expect(entity.spec).toEqual({
      type: 'service',
      lifecycle: 'experimental',
      owner: 'group:default/team-checkout',
    });
    expect(entity.metadata.annotations).toEqual({
      'backstage.io/kubernetes-id': 'checkout',
      'backstage.io/kubernetes-namespace': 'shop',
      'backstage.io/kubernetes-label-selector': 'app=checkout',
      'blue-green.backstage.io/strategy': 'service-selector',
      'blue-green.backstage.io/health-path': '/health',
      'blue-green.backstage.io/preview-service': 'checkout-preview',
    });
    const target = resolveBlueGreenTarget(entity);
    expect(target).toEqual({
      ok: true,
      target: expect.objectContaining({
        service: 'checkout',
        previewService: 'checkout-preview',
        deployments: { blue: 'checkout-blue', green: 'checkout-green' },
      }),
    });
  });

  it('every color has probes, resources and connection draining', () => {
    for (const strategy of [
      'service-selector',
      'argo-rollouts',
      'istio',
    ] as const) {
      const pods = podSpecs(
        renderService(spec({ strategy, healthPath: '/ready' })).objects,
      );
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        expect(pod.terminationGracePeriodSeconds).toBe(60);
        const [container] = pod.containers;
        expect(container.readinessProbe.httpGet).toEqual({
          path: '/ready',
          port: 8080,
        });
        expect(container.livenessProbe.httpGet).toEqual({
          path: '/ready',
          port: 8080,
        });
        expect(container.resources.limits).toEqual({
          cpu: '500m',
          memory: '512Mi',
        });
        expect(container.lifecycle.preStop.exec.command).toEqual([
          '/bin/sh',
          '-c',
          'sleep 30',
        ]);
      }
    }
  });

  it('green may start on another image', () => {
    const { objects } = renderService(spec({ greenImage: 'my-app:1.1.0' }));
    const images = objects
      .filter(o => o.kind === 'Deployment')
      .map(o => o.spec.template.spec.containers[0].image);
    expect(images).toEqual(['my-app:1.0.0', 'my-app:1.1.0']);
  });

  it('argo-rollouts: Rollout with active and preview Services, manual promotion', () => {
    const { objects, entity } = renderService(
      spec({ strategy: 'argo-rollouts', cluster: 'sandbox' }),
    );
    expect(kindsAndNames(objects)).toEqual([
      'Service/checkout-active',
      'Service/checkout-preview',
      'Rollout/checkout',
    ]);
    const rollout = objects[2];
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.selector).toEqual({ matchLabels: { app: 'checkout' } });
    expect(rollout.spec.strategy.blueGreen).toEqual({
      activeService: 'checkout-active',
      previewService: 'checkout-preview',
      autoPromotionEnabled: false,
      scaleDownDelaySeconds: 30,
    });
    expect(entity.metadata.annotations).toMatchObject({
      'backstage.io/kubernetes-cluster': 'sandbox',
      'blue-green.backstage.io/strategy': 'argo-rollouts',
      'blue-green.backstage.io/rollout': 'checkout',
      'blue-green.backstage.io/service': 'checkout-active',
      'blue-green.backstage.io/preview-service': 'checkout-preview',
    });
  });

  it('argo-rollouts with analysis: the success-rate AnalysisTemplate before and after promotion', () => {
    const { objects } = renderService(
      spec({
        strategy: 'argo-rollouts',
        analysis: { prometheusAddress: 'http://prom:9090', successRate: 0.99 },
      }),
    );
    expect(kindsAndNames(objects)[0]).toBe(
      'AnalysisTemplate/checkout-success-rate',
    );
    const [template] = objects;
    expect(template.spec.args).toEqual([{ name: 'service-name' }]);
    const [metric] = template.spec.metrics;
    expect(metric).toMatchObject({
      name: 'success-rate',
      interval: '30s',
      count: 5,
      successCondition: 'result[0] >= 0.99',
      failureLimit: 3,
      provider: { prometheus: { address: 'http://prom:9090' } },
    });
    expect(metric.provider.prometheus.query).toBe(
      'sum(rate(http_requests_total{namespace="shop", service="{{args.service-name}}", status=~"2.."}[5m]))\n/\nsum(rate(http_requests_total{namespace="shop", service="{{args.service-name}}"}[5m]))',
    );
    const blueGreen = objects.find(o => o.kind === 'Rollout')!.spec.strategy
      .blueGreen;
    expect(blueGreen.prePromotionAnalysis).toEqual({
      templates: [{ templateName: 'checkout-success-rate' }],
      args: [{ name: 'service-name', value: 'checkout-preview' }],
    });
    expect(blueGreen.postPromotionAnalysis).toEqual({
      templates: [{ templateName: 'checkout-success-rate' }],
      args: [{ name: 'service-name', value: 'checkout-active' }],
    });
  });

  it('istio: Service on both colors, subsets by color, weights 100/0 and the x-canary route to green', () => {
    const { objects, entity } = renderService(spec({ strategy: 'istio' }));
    expect(kindsAndNames(objects)).toEqual([
      'Service/checkout',
      'Deployment/checkout-blue',
      'Deployment/checkout-green',
      'DestinationRule/checkout',
      'VirtualService/checkout',
    ]);
    expect(objects[0].spec.selector).toEqual({ app: 'checkout' });
    expect(objects[3].spec.subsets).toEqual([
      { name: 'blue', labels: { color: 'blue' } },
      { name: 'green', labels: { color: 'green' } },
    ]);
    const [preview, primary] = objects[4].spec.http;
    expect(preview.match).toEqual([
      { headers: { 'x-canary': { exact: 'true' } } },
    ]);
    expect(preview.route).toEqual([
      {
        destination: {
          host: 'checkout',
          subset: 'green',
          port: { number: 80 },
        },
      },
    ]);
    expect(
      primary.route.map((r: any) => [r.destination.subset, r.weight]),
    ).toEqual([
      ['blue', 100],
      ['green', 0],
    ]);
    expect(entity.metadata.annotations).toMatchObject({
      'blue-green.backstage.io/virtual-service': 'checkout',
      'blue-green.backstage.io/destination-rule': 'checkout',
    });
  });

  it('YAML output parses back to the same objects', () => {
    const { objects } = renderService(spec({ strategy: 'istio' }));
    const text = toYaml(objects, 'a comment');
    expect(text.startsWith('# a comment\n')).toBe(true);
    expect(parseAllDocuments(text).map(d => d.toJS())).toEqual(objects);
  });
});

describe('versionOf', () => {
  it.each([
    ['my-app:1.0.0', '1.0.0'],
    ['registry:5000/team/app:v2', 'v2'],
    ['registry:5000/team/app', undefined],
    ['nginx', undefined],
    ['app:1.0@sha256:abc', '1.0'],
  ])('%s → %s', (image, version) => {
    expect(versionOf(image)).toBe(version);
  });
});
