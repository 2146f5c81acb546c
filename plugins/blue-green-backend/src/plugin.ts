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
  blueGreenStrategiesExtensionPoint,
  KubernetesGateway,
  kubernetesPluginClustersServiceRef,
  SwitchStrategy,
  userClusterAuthMiddleware,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { registerActions } from './actions';
import { Authorizer } from './authorization/Authorizer';
import { readBlueGreenConfig } from './config';
import { ChecklistStatusStore } from './database/ChecklistStatusStore';
import { FailedVersionStore } from './database/FailedVersionStore';
import { ShiftStopStore } from './database/ShiftStopStore';
import { HistoryStore } from './database/HistoryStore';
import { migratedDatabase } from './database/migrations';
import { ScaleDownStore } from './database/ScaleDownStore';
import { SignOffStore } from './database/SignOffStore';
import { WatchStore } from './database/WatchStore';
import { EntityResolver } from './entities/EntityResolver';
import { ClusterCache } from './fleet/ClusterCache';
import { FleetScaleDown } from './fleet/FleetScaleDown';
import { FleetService } from './fleet/FleetService';
import { StoredFleetInsights } from './fleet/insights';
import { fleetTrafficQueries } from './fleet/traffic';
import { InterruptedSweep } from './jobs/InterruptedSweep';
import { PostPromoteWatch } from './jobs/PostPromoteWatch';
import { ScaleDownJob } from './jobs/ScaleDownJob';
import { MonitoringService } from './monitoring/MonitoringService';
import { ChecklistReader } from './observation/ChecklistReader';
import { EvidenceReader } from './observation/EvidenceReader';
import { ObservationReader } from './observation/ObservationReader';
import { StatusService } from './observation/StatusService';
import { Announcer } from './operations/Announcer';
import { ChecklistService } from './operations/ChecklistService';
import { DeployService } from './operations/DeployService';
import { EntityOperations } from './operations/EntityOperations';
import { FailedVersions } from './operations/FailedVersions';
import { OperationRecorder } from './operations/OperationRecorder';
import { SwitchFollowUp } from './operations/SwitchFollowUp';
import { ShiftGate } from './operations/ShiftGate';
import { SwitchService } from './operations/SwitchService';
import { WatchEvaluator } from './operations/WatchEvaluator';
import { MetricReader } from './prometheus/metrics';
import { PrometheusClient } from './prometheus/PrometheusClient';
import { createRouter } from './router';
import { StrategyRegistry } from './strategies/StrategyRegistry';

/**
 * The Blue/Green backend plugin, mounted at `/api/blue-green`. Backend modules add switch
 * strategies through `blueGreenStrategiesExtensionPoint`.
 *
 * @public
 */
export const blueGreenPlugin = createBackendPlugin({
  pluginId: 'blue-green',
  register(env) {
    const strategies = new StrategyRegistry();
    env.registerExtensionPoint(blueGreenStrategiesExtensionPoint, {
      addStrategy(strategy: SwitchStrategy) {
        strategies.add(strategy);
      },
    });

    env.registerInit({
      deps: {
        actionsRegistry: actionsRegistryServiceRef,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        rootConfig: coreServices.rootConfig,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        kubernetesClusters: kubernetesPluginClustersServiceRef,
        lifecycle: coreServices.lifecycle,
        logger: coreServices.logger,
        notifications: notificationService,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const { logger } = deps;
        // Bad config (a duration, a PromQL template) stops the start-up, naming the key.
        const config = readBlueGreenConfig(deps.rootConfig);
        const gateway = KubernetesGateway.create({
          config: deps.rootConfig,
          auth: deps.auth,
          logger,
          clusters: deps.kubernetesClusters,
        });

        const db = await migratedDatabase(deps.database);
        const history = new HistoryStore(db);
        const scaleDowns = new ScaleDownStore(db);
        const signOffs = new SignOffStore(db);
        const watches = new WatchStore(db);
        const checklistStatuses = new ChecklistStatusStore(db);
        const failedVersionStore = new FailedVersionStore(db);
        const shiftStops = new ShiftStopStore(db);

        const prometheus = new PrometheusClient(config.prometheus);
        const metrics = new MetricReader(prometheus, config.queries);
        const clusterCache = new ClusterCache({
          gateway,
          logger,
          config: config.fleet,
        });
        deps.lifecycle.addShutdownHook(() => clusterCache.close());
        const fleet = new FleetService({
          catalog: deps.catalog,
          gateway,
          history,
          strategies,
          clusters: clusterCache,
          insights: new StoredFleetInsights({
            watches,
            checklists: checklistStatuses,
          }),
          traffic: {
            prometheus,
            queries: fleetTrafficQueries(config.queries),
          },
          permissions: deps.permissions,
          checksRequired: config.checks.requiredForPromote,
          cacheTtlMs: config.fleet.cacheTtlMs,
        });
        const announcer = new Announcer({
          logger,
          // The fleet lists a cluster again after a change written to it.
          onChange: (entityRef, change) => fleet.changed(entityRef, change),
          signals: deps.signals,
          notifications: deps.notifications,
          grafana: config.grafana,
        });
        const recorder = new OperationRecorder({
          history,
          auditor: deps.auditor,
          announcer,
        });
        const resolver = new EntityResolver({
          catalog: deps.catalog,
          gateway,
          strategies,
        });
        const authorizer = new Authorizer({
          permissions: deps.permissions,
          recorder,
          namespaces: config.namespaces,
        });
        const evidence = new EvidenceReader({ metrics, signOffs, config });
        const checklists = new ChecklistReader({
          evidence,
          statuses: checklistStatuses,
          config,
          logger,
        });
        const observer = new ObservationReader({
          history,
          scaleDowns,
          watches,
          signOffs,
          failedVersions: failedVersionStore,
          checklists,
          evidence,
        });
        const failedVersions = new FailedVersions({
          store: failedVersionStore,
          signOffs,
          checklists,
          recorder,
        });
        const watchEvaluator = new WatchEvaluator({ observer, checklists });
        const switches = new SwitchService({
          resolver,
          strategies,
          observer,
          authorizer,
          recorder,
          announcer,
          followUp: new SwitchFollowUp({ scaleDowns, watches, config }),
          failedVersions,
          gate: new ShiftGate({
            evaluator: watchEvaluator,
            watches,
            stops: shiftStops,
            evaluationIntervalMs: config.watch.evaluationIntervalMs,
          }),
          stops: shiftStops,
          watches,
          config,
          logger,
        });
        const deploys = new DeployService({
          resolver,
          strategies,
          observer,
          authorizer,
          recorder,
          announcer,
        });
        const operations = new EntityOperations({
          resolver,
          observer,
          authorizer,
          recorder,
        });
        const status = new StatusService({
          resolver,
          observer,
          authorizer,
          history,
        });

        deps.permissionsRegistry.addPermissions(blueGreenPermissions);
        registerActions(deps.actionsRegistry, { status, switches });

        // Background work runs once across backend replicas (global scope, database-locked).
        const jobs = [
          {
            id: 'blue-green-scale-down',
            frequency: { seconds: 5 },
            timeout: { minutes: 1 },
            job: new ScaleDownJob({
              scaleDowns,
              watches,
              resolver,
              observer,
              authorizer,
              recorder,
              logger,
            }),
          },
          {
            id: 'blue-green-watch',
            frequency: { milliseconds: config.watch.evaluationIntervalMs },
            timeout: { minutes: 2 },
            job: new PostPromoteWatch({
              watches,
              resolver,
              evaluator: watchEvaluator,
              authorizer,
              switches,
              failedVersions,
              announcer,
              logger,
            }),
          },
          {
            id: 'blue-green-sweep-interrupted',
            frequency: { milliseconds: config.switch.sweepIntervalMs },
            timeout: { minutes: 1 },
            job: new InterruptedSweep({
              history,
              resolver,
              interruptedAfterMs: config.switch.interruptedAfterMs,
            }),
          },
        ];
        for (const { id, frequency, timeout, job } of jobs) {
          await deps.scheduler.scheduleTask({
            id,
            frequency,
            timeout,
            fn: async () => job.run(await deps.auth.getOwnServiceCredentials()),
          });
        }

        // A user's own cluster token (sent as to the Kubernetes proxy) reaches the gateway, which
        // reads clusters that have only user-side auth with it.
        deps.httpRouter.use(userClusterAuthMiddleware());
        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            status,
            switches,
            deploys,
            operations,
            checklists: new ChecklistService({
              resolver,
              observer,
              checklists,
              signOffs,
              authorizer,
              recorder,
            }),
            monitoring: new MonitoringService({ resolver, metrics, config }),
            fleet,
            fleetScaleDown: new FleetScaleDown({ fleet, operations }),
          }),
        );
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
