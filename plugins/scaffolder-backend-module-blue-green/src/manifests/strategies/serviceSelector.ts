import { BLUE_GREEN_ANNOTATIONS } from '@bluegreen-backstage/plugin-blue-green-common';
import type { ManifestStrategy } from '../spec';
import { COLOR_LABEL, colorDeployment, service } from '../workload';

/**
 * Service selector: Deployments `<name>-blue` and `<name>-green`, Service `<name>` selecting
 * `color: blue` (promote patches it to green), and Service `<name>-preview` selecting the idle
 * color, so green can be tested before it takes traffic.
 */
export const serviceSelectorManifests: ManifestStrategy = {
  strategy: 'service-selector',
  rendersAnalysis: false,

  names: spec => ({
    service: spec.name,
    previewService: `${spec.name}-preview`,
    deployments: { blue: `${spec.name}-blue`, green: `${spec.name}-green` },
  }),

  objects(spec) {
    const names = this.names(spec);
    return [
      service(spec, names.service, { [COLOR_LABEL]: 'blue' }),
      service(spec, names.previewService!, { [COLOR_LABEL]: 'green' }),
      colorDeployment(spec, names.deployments!.blue, 'blue'),
      colorDeployment(spec, names.deployments!.green, 'green'),
    ];
  },

  annotations(spec) {
    return {
      [BLUE_GREEN_ANNOTATIONS.previewService]: this.names(spec).previewService!,
    };
  },
};
