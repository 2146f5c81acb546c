import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import type {
  Checklist,
  DeployRequest,
  DeployResponse,
  EntityStatus,
  SwitchRequest,
  SwitchResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';

/**
 * A refusal or failure of the Blue/Green backend, with the backend's own message; the
 * `ResponseError` (status, body) is its cause.
 */
export class BlueGreenRequestError extends Error {
  readonly cause: ResponseError;
  readonly statusCode: number;

  constructor(message: string, cause: ResponseError) {
    super(message);
    this.name = 'BlueGreenRequestError';
    this.cause = cause;
    this.statusCode = cause.statusCode;
  }
}

/**
 * The Blue/Green backend's API, called on behalf of the user who runs the scaffolder task: the
 * backend's permission policy decides as if that user had pressed the button.
 */
export class BlueGreenClient {
  readonly #discovery: DiscoveryService;
  readonly #auth: AuthService;

  static create(options: { discovery: DiscoveryService; auth: AuthService }) {
    return new BlueGreenClient(options.discovery, options.auth);
  }

  private constructor(discovery: DiscoveryService, auth: AuthService) {
    this.#discovery = discovery;
    this.#auth = auth;
  }

  getStatus(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<EntityStatus> {
    return this.#request(ref, '', credentials);
  }

  switch(
    ref: CompoundEntityRef,
    action: 'promote' | 'rollback',
    body: SwitchRequest,
    credentials: BackstageCredentials,
  ): Promise<SwitchResponse> {
    return this.#request(ref, `/${action}`, credentials, {
      method: 'POST',
      body: JSON.stringify(body),
    });
  }

  deploy(
    ref: CompoundEntityRef,
    body: DeployRequest,
    credentials: BackstageCredentials,
  ): Promise<DeployResponse> {
    return this.#request(ref, '/deploy', credentials, {
      method: 'POST',
      body: JSON.stringify(body),
    });
  }

  getChecklist(
    ref: CompoundEntityRef,
    phase: 'pre' | 'post',
    credentials: BackstageCredentials,
  ): Promise<Checklist> {
    return this.#request(ref, `/checklist?phase=${phase}`, credentials);
  }

  async #request<T>(
    ref: CompoundEntityRef,
    path: string,
    credentials: BackstageCredentials,
    init?: { method: string; body: string },
  ): Promise<T> {
    const [baseUrl, { token }] = await Promise.all([
      this.#discovery.getBaseUrl('blue-green'),
      this.#auth.getPluginRequestToken({
        onBehalfOf: credentials,
        targetPluginId: 'blue-green',
      }),
    ]);
    const entity = [
      ref.namespace,
      ref.kind.toLocaleLowerCase('en-US'),
      ref.name,
    ]
      .map(encodeURIComponent)
      .join('/');
    const res = await fetch(`${baseUrl}/entities/${entity}${path}`, {
      method: init?.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${token}`,
        ...(init?.body && { 'Content-Type': 'application/json' }),
      },
      body: init?.body,
    });
    if (!res.ok) {
      // ResponseError's own message names only the status; the backend's reason is its cause.
      const error = await ResponseError.fromResponse(res);
      throw new BlueGreenRequestError(
        `Blue/Green backend answered ${init?.method ?? 'GET'} ${
          path.split('?')[0] || '(status)'
        } for ${entity} with ${error.statusCode}: ${error.cause.message}`,
        error,
      );
    }
    // Parsed here rather than by res.json(): fetch builds its objects in Node's own realm, which
    // under Jest's VM modules is not this module's, and the scaffolder's template engine refuses
    // step outputs whose arrays have a foreign prototype.
    return JSON.parse(await res.text()) as T;
  }
}
