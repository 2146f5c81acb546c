import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
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
  HistoryEntry,
  HistoryPage,
  MetricsResponse,
  ScaleRequest,
  SignOffRequest,
  SwitchRequest,
  SwitchResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { BlueGreenApi, MonitoringArtifact } from '../api';
import * as fixtures from './fixtures';

/** The `ResponseError` that `BlueGreenClient` throws for a Backstage error body with this status. */
export function backendError(
  status: number,
  message: string,
): Promise<ResponseError> {
  const body = JSON.stringify({
    error: { name: 'Error', message },
    request: { method: 'GET', url: '/api/blue-green' },
    response: { statusCode: status },
  });
  return ResponseError.fromResponse({
    ok: false,
    status,
    statusText: '',
    url: '/api/blue-green',
    type: 'basic',
    redirected: false,
    headers: new Headers({ 'content-type': 'application/json' }),
    text: async () => body,
  });
}

/**
 * An in-memory {@link BlueGreenApi} for component tests. Each method resolves with the current
 * field, or with what the test put in its place; `calls` records the mutations.
 */
export class FakeBlueGreenApi implements BlueGreenApi {
  status: EntityStatus | Error | 'pending' = fixtures.status();
  checklist: Checklist | Error = fixtures.checklist();
  postChecklist: Checklist | Error = fixtures.checklist({
    phase: 'post',
    items: [],
  });
  history: HistoryEntry[] = [];
  metrics: MetricsResponse | Error = fixtures.metrics;
  diagnostics: Diagnostics = {
    colors: {
      blue: { notReady: [], events: [] },
      green: { notReady: [], events: [] },
    },
    templateDiff: [],
  };
  /** What promote / rollback do; defaults to switching to the target. */
  onSwitch?: (
    action: 'promote' | 'rollback',
    request: SwitchRequest,
  ) => Promise<SwitchResponse>;
  calls: Array<{ method: string; args: unknown[] }> = [];
  fleet: FleetResponse | Error = fixtures.fleet();
  /** What the bulk scale-down answers; defaults to scaling every entity. */
  onScaleDownFleet?: (
    request: FleetScaleDownRequest,
  ) => Promise<FleetScaleDownResponse>;

  async getHealth(): Promise<HealthResponse> {
    return { status: 'ok' };
  }

  getStatus(_entity: CompoundEntityRef): Promise<EntityStatus> {
    const s = this.status;
    if (s === 'pending') return new Promise(() => {});
    return s instanceof Error ? Promise.reject(s) : Promise.resolve(s);
  }

  async promote(
    entity: CompoundEntityRef,
    request: SwitchRequest,
  ): Promise<SwitchResponse> {
    this.calls.push({ method: 'promote', args: [entity, request] });
    return this.#switch('promote', request);
  }

  async rollback(
    entity: CompoundEntityRef,
    request: SwitchRequest,
  ): Promise<SwitchResponse> {
    this.calls.push({ method: 'rollback', args: [entity, request] });
    return this.#switch('rollback', request);
  }

  async #switch(
    action: 'promote' | 'rollback',
    request: SwitchRequest,
  ): Promise<SwitchResponse> {
    if (this.onSwitch) return this.onSwitch(action, request);
    const next = fixtures.promotedStatus(fixtures.watch());
    this.status = next;
    const [entry] = fixtures.history([{ action, reason: request.reason }]);
    this.history = [entry, ...this.history];
    return {
      entry,
      verification: { verified: true, message: 'Endpoints hold only green' },
      status: next,
    };
  }

  /** What deploy does; defaults to answering with the current status. */
  onDeploy?: (request: DeployRequest) => Promise<DeployResponse>;

  async deploy(
    entity: CompoundEntityRef,
    request: DeployRequest,
  ): Promise<DeployResponse> {
    this.calls.push({ method: 'deploy', args: [entity, request] });
    if (this.onDeploy) return this.onDeploy(request);
    const [entry] = fixtures.history([
      { action: 'deploy', to: 'green', reason: request.reason },
    ]);
    this.history = [entry, ...this.history];
    return { entry, status: await this.getStatus(entity) };
  }

  async scale(
    entity: CompoundEntityRef,
    request: ScaleRequest,
  ): Promise<EntityStatus> {
    this.calls.push({ method: 'scale', args: [entity, request] });
    return this.getStatus(entity);
  }

  async setPreviewRoute(
    entity: CompoundEntityRef,
    enabled: boolean,
    reason?: string,
  ): Promise<EntityStatus> {
    this.calls.push({
      method: 'setPreviewRoute',
      args: [entity, enabled, reason],
    });
    return this.getStatus(entity);
  }

  async setMirror(
    entity: CompoundEntityRef,
    request: { enabled: boolean; percent?: number; reason?: string },
  ): Promise<EntityStatus> {
    this.calls.push({ method: 'setMirror', args: [entity, request] });
    return this.getStatus(entity);
  }

  async getMonitoring(
    entity: CompoundEntityRef,
    kind: MonitoringArtifact,
  ): Promise<object> {
    this.calls.push({ method: 'getMonitoring', args: [entity, kind] });
    return kind === 'prometheus-rules'
      ? { kind: 'PrometheusRule', spec: { groups: [] } }
      : { title: 'dashboard', panels: [] };
  }

  async getHistory(
    _entity: CompoundEntityRef,
    options?: { limit?: number; before?: string },
  ): Promise<HistoryPage> {
    const limit = options?.limit ?? 20;
    const start = options?.before
      ? this.history.findIndex(h => h.id === options.before) + 1
      : 0;
    const items = this.history.slice(start, start + limit);
    const more = start + limit < this.history.length;
    return {
      items,
      total: this.history.length,
      nextCursor: more ? items[items.length - 1].id : undefined,
    };
  }

  async getDiagnostics(): Promise<Diagnostics> {
    return this.diagnostics;
  }

  async getChecklist(
    _entity: CompoundEntityRef,
    phase: 'pre' | 'post',
  ): Promise<Checklist> {
    const c = phase === 'pre' ? this.checklist : this.postChecklist;
    if (c instanceof Error) throw c;
    return c;
  }

  async signOff(
    entity: CompoundEntityRef,
    itemId: string,
    request: SignOffRequest,
  ): Promise<Checklist> {
    this.calls.push({ method: 'signOff', args: [entity, itemId, request] });
    const c = this.checklist as Checklist;
    this.checklist = {
      ...c,
      items: c.items.map(i =>
        i.id === itemId
          ? {
              ...i,
              status: 'pass',
              signOff: {
                by: 'user:default/guest',
                at: new Date().toISOString(),
                note: request.note,
              },
            }
          : i,
      ),
    };
    return this.checklist;
  }

  async withdrawSignOff(
    entity: CompoundEntityRef,
    itemId: string,
  ): Promise<Checklist> {
    this.calls.push({ method: 'withdrawSignOff', args: [entity, itemId] });
    const c = this.checklist as Checklist;
    this.checklist = {
      ...c,
      items: c.items.map(i =>
        i.id === itemId ? { ...i, status: 'pending', signOff: undefined } : i,
      ),
    };
    return this.checklist;
  }

  async getFleet(options?: { refresh?: boolean }): Promise<FleetResponse> {
    this.calls.push({ method: 'getFleet', args: [options] });
    if (this.fleet instanceof Error) throw this.fleet;
    return this.fleet;
  }

  async scaleDownFleet(
    request: FleetScaleDownRequest,
  ): Promise<FleetScaleDownResponse> {
    this.calls.push({ method: 'scaleDownFleet', args: [request] });
    if (this.onScaleDownFleet) return this.onScaleDownFleet(request);
    // As the backend decides: from each row's scale-down decision.
    const rows = this.fleet instanceof Error ? [] : this.fleet.rows;
    return {
      results: request.entityRefs.map(entityRef => {
        const row = rows.find(r => r.entityRef === entityRef);
        const decision = row?.scaleDown ?? { allowed: true };
        return decision.allowed
          ? {
              entityRef,
              outcome: 'scaled',
              color: row?.idle?.color ?? 'green',
              replicas: 0,
            }
          : {
              entityRef,
              outcome: decision.outcome,
              color: row?.idle?.color,
              message: decision.reason,
            };
      }),
      ...(request.dryRun && { dryRun: true }),
    };
  }

  async getMetrics(): Promise<MetricsResponse> {
    if (this.metrics instanceof Error) throw this.metrics;
    return this.metrics;
  }
}
