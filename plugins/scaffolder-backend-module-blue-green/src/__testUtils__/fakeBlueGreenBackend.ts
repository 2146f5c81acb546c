import { mockServices } from '@backstage/backend-test-utils';
import type {
  Checklist,
  EntityStatus,
  SwitchResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import express from 'express';
import { AddressInfo } from 'node:net';
import { BlueGreenClient } from '../services/BlueGreenClient';

export type ReceivedRequest = {
  method: string;
  path: string;
  /** The mock token's claims: sub (the calling plugin), obo (the user), target. */
  token: { sub?: string; obo?: string; target?: string };
  body?: any;
};

export function entityStatus(over: Partial<EntityStatus> = {}): EntityStatus {
  const color = (c: 'blue' | 'green', live: boolean) => ({
    color: c,
    role: live ? ('live' as const) : ('idle' as const),
    weight: live ? 100 : 0,
    images: ['my-app:1.0.0'],
    replicas: { desired: 2, ready: 2, available: 2 },
    pods: [],
  });
  return {
    entityRef: 'component:default/my-app',
    strategy: 'service-selector',
    capabilities: {
      steppedShift: false,
      fullPromote: false,
      previewRoute: false,
      mirror: false,
      scale: true,
      managesScaleDown: false,
      rollbackNeedsReadyTarget: true,
    },
    facts: [{ label: 'service', value: 'my-app' }],
    cluster: 'sandbox',
    namespace: 'default',
    live: 'blue',
    colors: { blue: color('blue', true), green: color('green', false) },
    details: { strategy: 'service-selector', service: 'my-app', selector: {} },
    promote: { allowed: true, target: 'green', reasons: [], forceable: false },
    rollback: {
      allowed: false,
      reasons: ['no previous switch to roll back'],
      forceable: false,
    },
    revision: 'rev-1',
    problems: [],
    ...over,
  };
}

export function checklist(
  status: Checklist['status'],
  items: Array<Partial<Checklist['items'][number]>> = [],
): Checklist {
  return {
    phase: 'pre',
    color: 'green',
    version: '1.1.0',
    status,
    items: items.map(i => ({
      id: 'pods-ready',
      category: 'infrastructure',
      title: 'Pods ready',
      kind: 'auto',
      required: true,
      status: 'pass',
      ...i,
    })),
    evaluatedAt: new Date().toISOString(),
    warnings: [],
  };
}

/** How Backstage's error handler names what it answers. */
const ERROR_NAMES: Record<number, string> = {
  400: 'InputError',
  403: 'NotAllowedError',
  404: 'NotFoundError',
  409: 'ConflictError',
};

/**
 * A stand-in for the Blue/Green backend's routes the actions call, answering what the test tells
 * it to and recording what it received.
 */
export async function startFakeBlueGreenBackend(handlers: {
  status?: () => EntityStatus;
  switch?: (
    action: string,
    body: any,
  ) => SwitchResponse | { error: number; message: string };
  checklist?: (phase: string) => Checklist | { error: number; message: string };
}) {
  const received: ReceivedRequest[] = [];
  const app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const claims = token.startsWith('mock-service-token:')
      ? JSON.parse(token.slice('mock-service-token:'.length))
      : {};
    received.push({
      method: req.method,
      path: req.originalUrl,
      token: claims,
      body: req.method === 'POST' ? req.body : undefined,
    });
    next();
  });
  const fail = (res: express.Response, e: { error: number; message: string }) =>
    res.status(e.error).json({
      error: { name: ERROR_NAMES[e.error] ?? 'Error', message: e.message },
      request: { method: res.req.method, url: res.req.originalUrl },
      response: { statusCode: e.error },
    });
  const base = '/api/blue-green/entities/:namespace/:kind/:name';
  app.get(base, (_req, res) => {
    res.json((handlers.status ?? (() => entityStatus()))());
  });
  app.get(`${base}/checklist`, (req, res) => {
    const answer = handlers.checklist?.(String(req.query.phase));
    if (!answer) {
      fail(res, { error: 404, message: 'no checklist' });
    } else if ('error' in answer) {
      fail(res, answer);
    } else {
      res.json(answer);
    }
  });
  app.post(`${base}/:action(promote|rollback)`, (req, res) => {
    const answer = handlers.switch!(req.params.action, req.body);
    if ('error' in answer) fail(res, answer);
    else res.json(answer);
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise(resolve => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/api/blue-green`;
  const client = BlueGreenClient.create({
    discovery: {
      getBaseUrl: async () => baseUrl,
      getExternalBaseUrl: async () => baseUrl,
    },
    auth: mockServices.auth({ pluginId: 'scaffolder' }),
  });
  return {
    client,
    received,
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}
