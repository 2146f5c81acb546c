/**
 * The Blue/Green backend plugin (`/api/blue-green`).
 *
 * @packageDocumentation
 */
import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { kubernetesModuleBlueGreen } from './kubernetesModule';
import { blueGreenPlugin } from './plugin';

export { blueGreenPlugin, kubernetesModuleBlueGreen };

/**
 * `backend.add(import('@bluegreen-backstage/plugin-blue-green-backend'))` installs the plugin and
 * its module of the Kubernetes backend (which does nothing when that backend is not installed).
 *
 * @public
 */
export default createBackendFeatureLoader({
  *loader() {
    yield blueGreenPlugin;
    yield kubernetesModuleBlueGreen;
  },
});
