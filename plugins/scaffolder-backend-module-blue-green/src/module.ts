import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  KubernetesGateway,
  kubernetesPluginClustersServiceRef,
  NamespacePolicy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { createApplyAction } from './actions/apply';
import { createDeployAction } from './actions/deploy';
import { createPublishLocalAction } from './actions/publishLocal';
import { createRenderAction } from './actions/render';
import { createSwitchAction } from './actions/switch';
import { createWaitForChecksAction } from './actions/waitForChecks';
import { BlueGreenClient } from './services/BlueGreenClient';
import { LocalCatalogPublisher } from './services/LocalCatalogPublisher';
import { ManifestApplier } from './services/ManifestApplier';
import { TaskOwnership } from './services/TaskOwnership';

/**
 * The Blue/Green actions of the scaffolder: `blue-green:render`, `blue-green:apply`,
 * `blue-green:publish:local`, `blue-green:deploy`, `blue-green:promote`, `blue-green:rollback` and
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
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
        kubernetesClusters: kubernetesPluginClustersServiceRef,
      },
      async init({
        scaffolderActions,
        config,
        auth,
        discovery,
        logger,
        userInfo,
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
        // The namespaces each owner may use (the rules the Blue/Green backend switches by), and
        // whose existing objects are: the catalog's owners.
        const ownership = TaskOwnership.create({
          userInfo,
          namespaces: NamespacePolicy.fromConfig(config),
          catalog,
          auth,
        });
        scaffolderActions.addActions(
          createRenderAction({ ownership }),
          createApplyAction({
            applier: ManifestApplier.create({ gateway, ownership }),
          }),
          createPublishLocalAction({
            publisher: LocalCatalogPublisher.fromConfig(config, { catalog }),
          }),
          createDeployAction({ client }),
          createSwitchAction('promote', { client }),
          createSwitchAction('rollback', { client }),
          createWaitForChecksAction({ client }),
        );
      },
    });
  },
});
