import { BLUE_GREEN_ANNOTATIONS } from '@bluegreen-backstage/plugin-blue-green-common';
import type { ManifestStrategy } from '../spec';
import { COLOR_LABEL, colorDeployment, metadata, service } from '../workload';

/** Header that reaches the idle color before the switch. */
const PREVIEW_HEADER = 'x-canary';

/**
 * Istio: Deployments `<name>-blue` / `<name>-green`, Service `<name>` selecting both
 * colors, a DestinationRule with one subset per color, and a VirtualService sending 100 % to blue,
 * 0 % to green, and requests with `x-canary: true` to green. Promote moves the weights.
 */
export const istioManifests: ManifestStrategy = {
  strategy: 'istio',
  rendersAnalysis: false,

  names: spec => ({
    service: spec.name,
    deployments: { blue: `${spec.name}-blue`, green: `${spec.name}-green` },
    virtualService: spec.name,
    destinationRule: spec.name,
  }),

  objects(spec) {
    const names = this.names(spec);
    const destination = (subset: string) => ({
      host: names.service,
      subset,
      port: { number: spec.servicePort },
    });
    return [
      service(spec, names.service),
      colorDeployment(spec, names.deployments!.blue, 'blue'),
      colorDeployment(spec, names.deployments!.green, 'green'),
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: metadata(spec, names.destinationRule!),
        spec: {
          host: names.service,
          subsets: ['blue', 'green'].map(color => ({
            name: color,
            labels: { [COLOR_LABEL]: color },
          })),
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: metadata(spec, names.virtualService!),
        spec: {
          hosts: [names.service],
          http: [
            {
              name: 'preview',
              match: [{ headers: { [PREVIEW_HEADER]: { exact: 'true' } } }],
              route: [{ destination: destination('green') }],
            },
            {
              name: 'primary',
              route: [
                { destination: destination('blue'), weight: 100 },
                { destination: destination('green'), weight: 0 },
              ],
            },
          ],
        },
      },
    ];
  },

  annotations(spec) {
    const names = this.names(spec);
    return {
      [BLUE_GREEN_ANNOTATIONS.virtualService]: names.virtualService!,
      [BLUE_GREEN_ANNOTATIONS.destinationRule]: names.destinationRule!,
    };
  },
};
