import { Entity } from '@backstage/catalog-model';
import { resolveBlueGreenTarget } from './target';

const entity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'shop', annotations },
});

describe('resolveBlueGreenTarget', () => {
  it("fills the seeds' conventions for a service-selector entity", () => {
    const result = resolveBlueGreenTarget(
      entity({
        'blue-green.backstage.io/strategy': 'service-selector',
        'backstage.io/kubernetes-id': 'my-app',
      }),
    );
    expect(result).toEqual({
      ok: true,
      target: {
        strategy: 'service-selector',
        cluster: undefined,
        namespace: 'default',
        name: 'my-app',
        colorLabel: 'color',
        healthPath: '/health',
        service: 'my-app',
        previewService: undefined,
        deployments: { blue: 'my-app-blue', green: 'my-app-green' },
      },
    });
  });

  it('takes explicit names (test-deployment-blue behind test-service)', () => {
    const result = resolveBlueGreenTarget(
      entity({
        'blue-green.backstage.io/strategy': 'service-selector',
        'blue-green.backstage.io/service': 'test-service',
        'blue-green.backstage.io/blue-deployment': 'test-deployment-blue',
        'blue-green.backstage.io/green-deployment': 'test-deployment-green',
        'backstage.io/kubernetes-namespace': 'web',
        'backstage.io/kubernetes-cluster': 'sandbox',
      }),
    );
    expect(result.ok && result.target).toMatchObject({
      cluster: 'sandbox',
      namespace: 'web',
      name: 'shop',
      service: 'test-service',
      deployments: {
        blue: 'test-deployment-blue',
        green: 'test-deployment-green',
      },
    });
  });

  it('names the Argo Rollouts and Istio objects', () => {
    const argo = resolveBlueGreenTarget(
      entity({ 'blue-green.backstage.io/strategy': 'argo-rollouts' }),
    );
    expect(argo.ok && argo.target).toMatchObject({
      rollout: 'shop',
      service: 'shop-active',
      previewService: 'shop-preview',
    });
    expect(argo.ok && argo.target.deployments).toBeUndefined();

    const istio = resolveBlueGreenTarget(
      entity({ 'blue-green.backstage.io/strategy': 'istio' }),
    );
    expect(istio.ok && istio.target).toMatchObject({
      virtualService: 'shop',
      destinationRule: 'shop',
      deployments: { blue: 'shop-blue', green: 'shop-green' },
    });
  });

  it('lists every problem, naming the annotation to fix', () => {
    const result = resolveBlueGreenTarget(
      entity({
        'blue-green.backstage.io/strategy': 'canary',
        'blue-green.backstage.io/service': 'x"}) or vector(1)',
        'blue-green.backstage.io/color-label': 'color,app in (x)',
        'blue-green.backstage.io/health-path': 'health',
      }),
    );
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual([
      expect.stringContaining('blue-green.backstage.io/strategy is "canary"'),
      expect.stringContaining('blue-green.backstage.io/service is'),
      expect.stringContaining('blue-green.backstage.io/color-label is'),
      expect.stringContaining('blue-green.backstage.io/health-path is'),
    ]);
  });

  it.each([
    '/../../../../../../api/v1/namespaces/kube-system/secrets',
    '/health/..',
    '/./health',
    '/%2e%2e/%2E%2e/api/v1/secrets',
    '/.%2e/api',
    '/%2e./api',
  ])(
    'refuses the health path %s, which would climb out of the pods proxy',
    path => {
      const result = resolveBlueGreenTarget(
        entity({
          'blue-green.backstage.io/strategy': 'service-selector',
          'blue-green.backstage.io/health-path': path,
        }),
      );
      expect(result).toEqual({
        ok: false,
        problems: [
          expect.stringContaining(
            `health-path is "${path}"; it must be a URL path starting with '/', without '.' or '..' segments`,
          ),
        ],
      });
    },
  );

  it.each(['/health', '/.well-known/ready', '/v1.2/health..check', '/%2F'])(
    'accepts the health path %s',
    path => {
      const result = resolveBlueGreenTarget(
        entity({
          'blue-green.backstage.io/strategy': 'service-selector',
          'blue-green.backstage.io/health-path': path,
        }),
      );
      expect(result.ok && result.target.healthPath).toBe(path);
    },
  );

  it.each(['east\r\nX-Injected: 1', 'east\u0000', 'ëast', 'east\u2028west'])(
    'refuses the cluster name %j, which would not survive an HTTP header',
    cluster => {
      const result = resolveBlueGreenTarget(
        entity({
          'blue-green.backstage.io/strategy': 'service-selector',
          'backstage.io/kubernetes-cluster': cluster,
        }),
      );
      expect(result).toEqual({
        ok: false,
        problems: [
          expect.stringContaining(
            'annotation backstage.io/kubernetes-cluster is',
          ),
        ],
      });
    },
  );

  it('accepts cluster names as Backstage writes them', () => {
    for (const cluster of [
      'east',
      'gke_project_europe-west1_prod',
      'my cluster',
    ]) {
      const result = resolveBlueGreenTarget(
        entity({
          'blue-green.backstage.io/strategy': 'service-selector',
          'backstage.io/kubernetes-cluster': cluster,
        }),
      );
      expect(result.ok && result.target.cluster).toBe(cluster);
    }
  });

  it('reports a missing strategy', () => {
    const result = resolveBlueGreenTarget(entity({}));
    expect(result).toEqual({
      ok: false,
      problems: [expect.stringContaining('strategy is missing')],
    });
  });

  it('accepts a strategy a backend module added, with the Service and Deployment names', () => {
    const annotated = entity({
      'blue-green.backstage.io/strategy': 'cloud-lb',
    });
    expect(resolveBlueGreenTarget(annotated)).toEqual({
      ok: false,
      problems: [
        'annotation blue-green.backstage.io/strategy is "cloud-lb"; it must be service-selector, argo-rollouts or istio',
      ],
    });
    const result = resolveBlueGreenTarget(annotated, {
      strategies: ['service-selector', 'cloud-lb'],
    });
    expect(result.ok && result.target).toMatchObject({
      strategy: 'cloud-lb',
      service: 'shop',
      deployments: { blue: 'shop-blue', green: 'shop-green' },
    });
  });
});
