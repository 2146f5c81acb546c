import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  KubernetesGateway,
  kubernetesPluginClustersServiceRef,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { createApplyAction } from './actions/apply';
import { createPublishLocalAction } from './actions/publishLocal';
import { createRenderAction } from './actions/render';
import { createSwitchAction } from './actions/switch';
import { createWaitForChecksAction } from './actions/waitForChecks';
import { BlueGreenClient } from './services/BlueGreenClient';
import { LocalCatalogPublisher } from './services/LocalCatalogPublisher';
import { ManifestApplier } from './services/ManifestApplier';

/**
 * The Blue/Green actions of the scaffolder: `blue-green:render`, `blue-green:apply`,
 * `blue-green:publish:local`, `blue-green:promote`, `blue-green:rollback` and
 * `blue-green:wait-for-checks`.
 *
 * @public
 */
export const scaffolderModuleBlueGreen = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'blue-green',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        logger: coreServices.logger,
        catalog: catalogServiceRef,
        kubernetesClusters: kubernetesPluginClustersServiceRef,
      },
      async init({
        scaffolderActions,
        config,
        auth,
        discovery,
        logger,
        catalog,
        kubernetesClusters,
      }) {
        // The Kubernetes plugin's clusters, reached as the Blue/Green backend does.
        const gateway = KubernetesGateway.create({
          config,
          auth,
          logger,
          clusters: kubernetesClusters,
        });
        const client = BlueGreenClient.create({ discovery, auth });
        scaffolderActions.addActions(
          createRenderAction(),
          createApplyAction({ applier: ManifestApplier.create({ gateway }) }),
          createPublishLocalAction({
            publisher: LocalCatalogPublisher.fromConfig(config, { catalog }),
          }),
          createSwitchAction('promote', { client }),
          createSwitchAction('rollback', { client }),
          createWaitForChecksAction({ client }),
        );
      },
    });
  },
});
