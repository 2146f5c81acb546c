import { CompoundEntityRef } from '@backstage/catalog-model';
import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
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
  HistoryPage,
  MetricsResponse,
  ScaleRequest,
  SignOffRequest,
  SwitchRequest,
  SwitchResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { BlueGreenApi, MonitoringArtifact } from './BlueGreenApi';

/**
 * The one implementation of {@link BlueGreenApi}, over `discoveryApi` and `fetchApi`.
 *
 * @public
 */
export class BlueGreenClient implements BlueGreenApi {
  readonly #discoveryApi: DiscoveryApi;
  readonly #fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
  }

  async getHealth(): Promise<HealthResponse> {
    return this.#request<HealthResponse>('GET', '/health');
  }

  async getStatus(entity: CompoundEntityRef): Promise<EntityStatus> {
    return this.#request('GET', entityPath(entity));
  }

  async promote(
    entity: CompoundEntityRef,
    request: SwitchRequest,
  ): Promise<SwitchResponse> {
    return this.#request('POST', entityPath(entity, '/promote'), request);
  }

  async rollback(
    entity: CompoundEntityRef,
    request: SwitchRequest,
  ): Promise<SwitchResponse> {
    return this.#request('POST', entityPath(entity, '/rollback'), request);
  }

  async deploy(
    entity: CompoundEntityRef,
    request: DeployRequest,
  ): Promise<DeployResponse> {
    return this.#request('POST', entityPath(entity, '/deploy'), request);
  }

  async scale(
    entity: CompoundEntityRef,
    request: ScaleRequest,
  ): Promise<EntityStatus> {
    return this.#request('POST', entityPath(entity, '/scale'), request);
  }

  async setPreviewRoute(
    entity: CompoundEntityRef,
    enabled: boolean,
    reason?: string,
  ): Promise<EntityStatus> {
    return this.#request('POST', entityPath(entity, '/preview-route'), {
      enabled,
      ...(reason && { reason }),
    });
  }

  async setMirror(
    entity: CompoundEntityRef,
    request: { enabled: boolean; percent?: number; reason?: string },
  ): Promise<EntityStatus> {
    return this.#request('POST', entityPath(entity, '/mirror'), request);
  }

  async getMonitoring(
    entity: CompoundEntityRef,
    kind: MonitoringArtifact,
  ): Promise<object> {
    return this.#request('GET', entityPath(entity, `/monitoring/${kind}`));
  }

  async getHistory(
    entity: CompoundEntityRef,
    options?: { limit?: number; before?: string },
  ): Promise<HistoryPage> {
    const query = new URLSearchParams();
    if (options?.limit) query.set('limit', String(options.limit));
    if (options?.before) query.set('before', options.before);
    const qs = query.toString();
    return this.#request(
      'GET',
      entityPath(entity, `/history${qs ? `?${qs}` : ''}`),
    );
  }

  async getDiagnostics(entity: CompoundEntityRef): Promise<Diagnostics> {
    return this.#request('GET', entityPath(entity, '/diagnostics'));
  }

  async getChecklist(
    entity: CompoundEntityRef,
    phase: 'pre' | 'post',
  ): Promise<Checklist> {
    return this.#request(
      'GET',
      entityPath(entity, `/checklist?phase=${phase}`),
    );
  }

  async signOff(
    entity: CompoundEntityRef,
    itemId: string,
    request: SignOffRequest,
  ): Promise<Checklist> {
    return this.#request(
      'POST',
      entityPath(entity, `/checklist/${encodeURIComponent(itemId)}/sign-off`),
      request,
    );
  }

  async withdrawSignOff(
    entity: CompoundEntityRef,
    itemId: string,
  ): Promise<Checklist> {
    return this.#request(
      'DELETE',
      entityPath(entity, `/checklist/${encodeURIComponent(itemId)}/sign-off`),
    );
  }

  async getMetrics(
    entity: CompoundEntityRef,
    options?: { range?: string; step?: string },
  ): Promise<MetricsResponse> {
    const query = new URLSearchParams({
      range: options?.range ?? '30m',
      step: options?.step ?? '15s',
    });
    return this.#request('GET', entityPath(entity, `/metrics?${query}`));
  }

  async getFleet(options?: { refresh?: boolean }): Promise<FleetResponse> {
    return this.#request(
      'GET',
      options?.refresh ? '/fleet?refresh=true' : '/fleet',
    );
  }

  async scaleDownFleet(
    request: FleetScaleDownRequest,
  ): Promise<FleetScaleDownResponse> {
    return this.#request('POST', '/fleet/scale-down', request);
  }

  async #request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('blue-green');
    const response = await this.#fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      ...(body !== undefined && {
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}

/** `/entities/:namespace/:kind/:name` plus a suffix; the backend takes the kind in any case. */
function entityPath(entity: CompoundEntityRef, suffix = ''): string {
  const part = (s: string) => encodeURIComponent(s);
  return `/entities/${part(entity.namespace)}/${part(
    entity.kind.toLocaleLowerCase('en-US'),
  )}/${part(entity.name)}${suffix}`;
}
