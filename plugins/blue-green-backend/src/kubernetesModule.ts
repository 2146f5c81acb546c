import { createBackendModule } from '@backstage/backend-plugin-api';
import { kubernetesRouterExtensionPoint } from '@backstage/plugin-kubernetes-node';
import { kubernetesPluginClustersServiceRef } from '@bluegreen-backstage/plugin-blue-green-node';

/**
 * A module of the Kubernetes backend that hands its cluster supplier and auth strategies to
 * Blue/Green: the plugins then reach the same clusters (any locator, custom suppliers) with the
 * same auth machinery. It takes them from the router extension point, the one place the
 * Kubernetes backend passes both out, and keeps the Kubernetes plugin's own router.
 *
 * A backend that registers its own Kubernetes router cannot have this module too (the Kubernetes
 * backend takes one router); such a router publishes to `kubernetesPluginClustersServiceRef` itself.
 *
 * @public
 */
export const kubernetesModuleBlueGreen = createBackendModule({
  pluginId: 'kubernetes',
  moduleId: 'blue-green',
  register(reg) {
    reg.registerInit({
      deps: {
        router: kubernetesRouterExtensionPoint,
        clusters: kubernetesPluginClustersServiceRef,
      },
      async init({ router, clusters }) {
        router.addRouter(({ getDefault, clusterSupplier, authStrategyMap }) => {
          clusters.publish({
            clusterSupplier,
            authStrategies: authStrategyMap,
          });
          return getDefault();
        });
      },
    });
  },
});
