import { createApiRef } from '@backstage/core-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  Checklist,
  DeployRequest,
  DeployResponse,
  Diagnostics,
  EntityStatus,
  FleetResponse,
  FleetScaleDownRequest,
  FleetScaleDownResponse,
  HealthResponse,
  HistoryPage,
  MetricsResponse,
  ScaleRequest,
  SignOffRequest,
  SwitchRequest,
  SwitchResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';

/**
 * Talks to the Blue/Green backend plugin (`/api/blue-green`). Every entity route is
 * `/entities/:namespace/:kind/:name/...`.
 *
 * @public
 */
export interface BlueGreenApi {
  getHealth(): Promise<HealthResponse>;
  /** Live color, both colors with their pods, and whether promote / rollback may run now. */
  getStatus(entity: CompoundEntityRef): Promise<EntityStatus>;
  /** Moves live traffic to the idle color; rejects with a 409 carrying the reasons when refused. */
  promote(
    entity: CompoundEntityRef,
    request: SwitchRequest,
  ): Promise<SwitchResponse>;
  /** Moves live traffic back to the previous color. */
  rollback(
    entity: CompoundEntityRef,
    request: SwitchRequest,
  ): Promise<SwitchResponse>;
  /** Puts a new image on the idle color; rejects with a 409 carrying the reasons when refused. */
  deploy(
    entity: CompoundEntityRef,
    request: DeployRequest,
  ): Promise<DeployResponse>;
  scale(
    entity: CompoundEntityRef,
    request: ScaleRequest,
  ): Promise<EntityStatus>;
  /** Istio: the `x-canary: true` header route to the idle color; the reason goes to the history. */
  setPreviewRoute(
    entity: CompoundEntityRef,
    enabled: boolean,
    reason?: string,
  ): Promise<EntityStatus>;
  /** Istio: mirror a share of live traffic to the idle color. */
  setMirror(
    entity: CompoundEntityRef,
    request: { enabled: boolean; percent?: number; reason?: string },
  ): Promise<EntityStatus>;
  /** Newest first; pass `nextCursor` of a page as `before` for the next (older) one. */
  getHistory(
    entity: CompoundEntityRef,
    options?: { limit?: number; before?: string },
  ): Promise<HistoryPage>;
  getDiagnostics(entity: CompoundEntityRef): Promise<Diagnostics>;
  getChecklist(
    entity: CompoundEntityRef,
    phase: 'pre' | 'post',
  ): Promise<Checklist>;
  signOff(
    entity: CompoundEntityRef,
    itemId: string,
    request: SignOffRequest,
  ): Promise<Checklist>;
  withdrawSignOff(
    entity: CompoundEntityRef,
    itemId: string,
  ): Promise<Checklist>;
  /** Series per color for the charts, e.g. `{ range: '30m', step: '15s' }`. */
  getMetrics(
    entity: CompoundEntityRef,
    options?: { range?: string; step?: string },
  ): Promise<MetricsResponse>;
  /**
   * The entity's PrometheusRule (alerting on the rollback criteria) or Grafana dashboard, as the
   * backend generates them, fetched with the user's credentials.
   */
  getMonitoring(
    entity: CompoundEntityRef,
    kind: MonitoringArtifact,
  ): Promise<object>;
  /** Every blue/green service the user can see, across clusters; `refresh` skips the short cache. */
  getFleet(options?: { refresh?: boolean }): Promise<FleetResponse>;
  /** Scales the idle color of each entity down; one result per entity (permission checked per entity). */
  scaleDownFleet(
    request: FleetScaleDownRequest,
  ): Promise<FleetScaleDownResponse>;
}

/**
 * What `getMonitoring` serves: a PrometheusRule, or a Grafana dashboard's JSON model.
 *
 * @public
 */
export type MonitoringArtifact = 'prometheus-rules' | 'grafana-dashboard';

/** @public */
export const blueGreenApiRef = createApiRef<BlueGreenApi>({
  id: 'plugin.blue-green.service',
});
