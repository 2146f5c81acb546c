import { BLUE_GREEN_ANNOTATIONS } from '@bluegreen-backstage/plugin-blue-green-common';
import type { KubeObject } from '@bluegreen-backstage/plugin-blue-green-node';
import type { BlueGreenServiceSpec, ManifestStrategy } from '../spec';
import { metadata, podTemplate, service } from '../workload';

/** How long the previous ReplicaSet stays up after a promote. */
const SCALE_DOWN_DELAY_SECONDS = 30;

/**
 * The success-rate AnalysisTemplate: the share of 2xx responses through the
 * Service named by the `service-name` argument, over five 30-second measurements.
 */
function successRateTemplate(
  spec: BlueGreenServiceSpec,
  name: string,
): KubeObject {
  const analysis = spec.analysis!;
  const selector = `namespace="${spec.namespace}", service="{{args.service-name}}"`;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: metadata(spec, name),
    spec: {
      args: [{ name: 'service-name' }],
      metrics: [
        {
          name: 'success-rate',
          interval: '30s',
          count: 5,
          successCondition: `result[0] >= ${analysis.successRate}`,
          failureLimit: 3,
          provider: {
            prometheus: {
              address: analysis.prometheusAddress,
              query: [
                `sum(rate(http_requests_total{${selector}, status=~"2.."}[5m]))`,
                '/',
                `sum(rate(http_requests_total{${selector}}[5m]))`,
              ].join('\n'),
            },
          },
        },
      ],
    },
  };
}

/**
 * Argo Rollouts: a Rollout with the blue/green strategy, `autoPromotionEnabled: false` (promote is
 * a person's or a pipeline's decision), active and preview Services, and — when analysis is
 * chosen — the success-rate AnalysisTemplate as pre- and post-promotion analysis.
 */
export const argoRolloutsManifests: ManifestStrategy = {
  strategy: 'argo-rollouts',
  rendersAnalysis: true,

  names: spec => ({
    rollout: spec.name,
    service: `${spec.name}-active`,
    previewService: `${spec.name}-preview`,
    ...(spec.analysis && { analysisTemplate: `${spec.name}-success-rate` }),
  }),

  objects(spec) {
    const names = this.names(spec);
    const analysis = (serviceName: string) =>
      names.analysisTemplate && {
        templates: [{ templateName: names.analysisTemplate }],
        args: [{ name: 'service-name', value: serviceName }],
      };
    const objects: KubeObject[] = [];
    if (names.analysisTemplate) {
      objects.push(successRateTemplate(spec, names.analysisTemplate));
    }
    objects.push(
      service(spec, names.service),
      service(spec, names.previewService!),
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: metadata(spec, names.rollout!),
        spec: {
          replicas: spec.replicas,
          revisionHistoryLimit: 2,
          selector: { matchLabels: { app: spec.name } },
          template: podTemplate(spec, spec.image, {}),
          strategy: {
            blueGreen: {
              activeService: names.service,
              previewService: names.previewService,
              autoPromotionEnabled: false,
              scaleDownDelaySeconds: SCALE_DOWN_DELAY_SECONDS,
              ...(names.analysisTemplate && {
                prePromotionAnalysis: analysis(names.previewService!),
                postPromotionAnalysis: analysis(names.service),
              }),
            },
          },
        },
      },
    );
    return objects;
  },

  annotations(spec) {
    const names = this.names(spec);
    return {
      [BLUE_GREEN_ANNOTATIONS.rollout]: names.rollout!,
      [BLUE_GREEN_ANNOTATIONS.service]: names.service,
      [BLUE_GREEN_ANNOTATIONS.previewService]: names.previewService!,
    };
  },
};
