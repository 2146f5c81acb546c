import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { blueGreenPermissions } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubernetesGateway,
  kubernetesPluginClustersServiceRef,
  userClusterAuthMiddleware,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { registerActions } from './actions';
import { readBlueGreenConfig } from './config';
import { createRouter } from './router';
import { readChecksConfig } from './checks/config';
import { ChecksService } from './checks/ChecksService';
import { ChecksStore } from './checks/ChecksStore';
import { PrometheusClient } from './checks/prometheus';
import { BlueGreenService } from './services/BlueGreenService';
import { FleetService } from './services/FleetService';
import { HistoryStore } from './services/HistoryStore';

/**
 * The Blue/Green backend plugin, mounted at `/api/blue-green`.
 *
 * @public
 */
export const blueGreenPlugin = createBackendPlugin({
  pluginId: 'blue-green',
  register(env) {
    env.registerInit({
      deps: {
        actionsRegistry: actionsRegistryServiceRef,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        config: coreServices.rootConfig,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        kubernetesClusters: kubernetesPluginClustersServiceRef,
        logger: coreServices.logger,
        notifications: notificationService,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const config = readBlueGreenConfig(deps.config);
        const gateway = KubernetesGateway.create({
          config: deps.config,
          auth: deps.auth,
          logger: deps.logger,
          clusters: deps.kubernetesClusters,
        });
        const history = await HistoryStore.create({ database: deps.database });
        // Checklist templates and thresholds are checked here: bad config stops the start-up.
        const checksConfig = readChecksConfig(deps.config);
        const prometheus = new PrometheusClient(checksConfig.prometheus);
        const checks = new ChecksService({
          config: checksConfig,
          prometheus,
          store: await ChecksStore.create({ database: deps.database }),
        });
        const blueGreen = BlueGreenService.create({
          ...deps,
          gateway,
          history,
          config,
          checks,
        });

        const fleet = FleetService.create({
          ...deps,
          config: deps.config,
          gateway,
          history,
          blueGreen,
          prometheus,
          insights: {
            forEntities: refs => checks.fleetInsights(refs),
          },
        });

        deps.permissionsRegistry.addPermissions(blueGreenPermissions);
        registerActions(deps.actionsRegistry, blueGreen);

        // Background work runs once across backend replicas (global scope, database-locked).
        await deps.scheduler.scheduleTask({
          id: 'blue-green-scale-down',
          frequency: { seconds: 5 },
          timeout: { minutes: 1 },
          fn: async () =>
            blueGreen.runDueScaleDowns(
              await deps.auth.getOwnServiceCredentials(),
            ),
        });
        await deps.scheduler.scheduleTask({
          id: 'blue-green-watch',
          frequency: { seconds: checksConfig.watch.evaluationIntervalSeconds },
          timeout: { minutes: 2 },
          fn: async () =>
            blueGreen.runWatches(await deps.auth.getOwnServiceCredentials()),
        });
        await deps.scheduler.scheduleTask({
          id: 'blue-green-sweep-interrupted',
          frequency: { seconds: config.sweepIntervalSeconds },
          timeout: { minutes: 1 },
          fn: async () =>
            blueGreen.sweepInterrupted(
              await deps.auth.getOwnServiceCredentials(),
            ),
        });

        // A user's own cluster token (sent as to the Kubernetes proxy) reaches the gateway, which
        // reads clusters that have only user-side auth with it.
        deps.httpRouter.use(userClusterAuthMiddleware());
        deps.httpRouter.use(
          await createRouter({ httpAuth: deps.httpAuth, blueGreen, fleet }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
