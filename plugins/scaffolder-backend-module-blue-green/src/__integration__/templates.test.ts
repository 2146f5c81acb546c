/**
 * The example templates run end to end by the real scaffolder, in a backend with the real catalog,
 * the Blue/Green backend plugin and the sandbox cluster: `blue-green-service` renders, applies and
 * registers a new service whose Blue/Green status shows both colors; `blue-green-switch` waits for
 * the pre-deploy checklist and promotes, then rolls back — with the permissions of the user who
 * runs the task.
 */
import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  Checklist,
  EntityStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  kubernetesConfig,
  Sandbox,
  startSandbox,
} from '@bluegreen-backstage/kube-sandbox';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

jest.setTimeout(180_000);

const repoRoot = resolvePackagePath(
  '@bluegreen-backstage/plugin-scaffolder-backend-module-blue-green',
  '../..',
);

const users = {
  /** team-checkout: runs the templates. */
  alice: 'user:default/alice',
  /** May not switch anything in this test's policy. */
  bob: 'user:default/bob',
};

/** Everyone may do everything, except that bob may not switch blue/green services. */
function decide(permission: string, credentials: BackstageCredentials) {
  const user = (credentials.principal as { userEntityRef?: string })
    .userEntityRef;
  return user === users.bob && permission.startsWith('blue-green.')
    ? AuthorizeResult.DENY
    : AuthorizeResult.ALLOW;
}

const permissions = mockServices.permissions.mock({
  authorize: async (requests, options) =>
    requests.map(r => ({
      result: decide(r.permission.name, options.credentials),
    })) as any,
  authorizeConditional: async (requests, options) =>
    requests.map(r => ({
      result: decide(r.permission.name, options.credentials),
    })) as any,
});

/** The teams of examples/org.yaml: a service is created only for a team of the task's user. */
const TEAMS: Record<string, string[]> = {
  [users.alice]: ['group:default/team-checkout'],
  [users.bob]: ['group:default/team-payments'],
};

const userInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: BackstageCredentials) {
      const user = (credentials.principal as { userEntityRef: string })
        .userEntityRef;
      return {
        userEntityRef: user,
        ownershipEntityRefs: [user, ...(TEAMS[user] ?? [])],
      };
    },
  }),
});

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

describe('the example templates in a real backend', () => {
  let sandbox: Sandbox;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let published: string;
  let baseUrl: string;

  const call = async (
    user: string,
    method: string,
    path: string,
    body?: object,
  ) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: mockCredentials.user.header(user),
        ...(body && { 'Content-Type': 'application/json' }),
      },
      body: body && JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  /** Starts a template as `user` and waits for the task to end; returns its status and log. */
  async function runTemplate(
    user: string,
    template: string,
    values: object,
    onRunning?: () => Promise<void>,
  ) {
    const created = await call(user, 'POST', '/api/scaffolder/v2/tasks', {
      templateRef: `template:default/${template}`,
      values,
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    let hooked = false;
    const task = await waitFor(
      `task ${template}`,
      async () => {
        const res = await call(user, 'GET', `/api/scaffolder/v2/tasks/${id}`);
        if (res.body.status === 'processing' && onRunning && !hooked) {
          hooked = true;
          await onRunning();
        }
        return ['completed', 'failed', 'cancelled'].includes(res.body.status)
          ? res.body
          : undefined;
      },
      120_000,
    );
    const events = await call(
      user,
      'GET',
      `/api/scaffolder/v2/tasks/${id}/events`,
    );
    const log = (events.body as any[])
      .map(e => e.body?.message)
      .filter(Boolean)
      .join('\n');
    return { status: task.status as string, log };
  }

  const status = async (name: string) =>
    (
      await call(
        users.alice,
        'GET',
        `/api/blue-green/entities/default/component/${name}`,
      )
    ).body as EntityStatus;

  beforeAll(async () => {
    sandbox = await startSandbox({
      scenario: 'empty',
      podReadyDelayMs: 100,
      traffic: false,
    });
    published = await mkdtemp(join(tmpdir(), 'bg-published-'));
    backend = await startTestBackend({
      features: [
        import('@backstage/plugin-catalog-backend'),
        import(
          '@backstage/plugin-catalog-backend-module-scaffolder-entity-model'
        ),
        import('@backstage/plugin-scaffolder-backend'),
        import('..'),
        // The real Blue/Green backend, which the switch actions call over HTTP.
        // eslint-disable-next-line @backstage/no-mixed-plugin-imports
        import('@bluegreen-backstage/plugin-blue-green-backend'),
        // The Kubernetes backend, whose clusters and auth strategies both Blue/Green packages use.
        import('@backstage/plugin-kubernetes-backend'),
        permissions.factory,
        userInfo,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:7007',
              database: { client: 'better-sqlite3', connection: ':memory:' },
            },
            catalog: {
              rules: [{ allow: ['Component', 'Group', 'User', 'Location'] }],
              locations: [
                { type: 'file', target: join(repoRoot, 'examples/org.yaml') },
                {
                  type: 'file',
                  target: join(repoRoot, 'examples/templates/*/template.yaml'),
                  rules: [{ allow: ['Template'] }],
                },
                // What app-config.yaml has for .data/scaffolded. The catalog's default
                // processing interval (minutes) stays: publish:local must make it read now.
                {
                  type: 'file',
                  target: join(published, '*/catalog-info.yaml'),
                  rules: [{ allow: ['Component'] }],
                },
              ],
            },
            kubernetes: kubernetesConfig({ sandbox }),
            blueGreen: {
              scaffolder: { localDirectory: published },
              switch: { verifyTimeout: '10s' },
            },
            permission: { enabled: true },
          },
        }),
      ],
    });
    baseUrl = `http://localhost:${backend.server.port()}`;
    for (const template of [
      'blue-green-service',
      'blue-green-switch',
      'blue-green-release',
    ]) {
      await waitFor(`template ${template} in the catalog`, async () => {
        const res = await call(
          users.alice,
          'GET',
          `/api/catalog/entities/by-name/template/default/${template}`,
        );
        return res.status === 200;
      });
    }
  });

  afterAll(async () => {
    await backend?.stop();
    await sandbox?.stop();
  });

  it('blue-green-service: a dry run renders and validates, and creates nothing', async () => {
    const template = parse(
      await readFile(
        join(repoRoot, 'examples/templates/blue-green-service/template.yaml'),
        'utf8',
      ),
    );
    const res = await call(users.alice, 'POST', '/api/scaffolder/v2/dry-run', {
      template,
      values: {
        name: 'dry-svc',
        owner: 'group:default/team-checkout',
        strategy: 'service-selector',
        image: 'my-app:1.0.0',
        port: 8080,
        replicas: 2,
        namespace: 'default',
        healthPath: '/health',
      },
      directoryContents: [],
    });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    expect(res.body.steps.map((s: any) => s.id)).toEqual([
      'render',
      'apply',
      'register',
    ]);
    const files = (res.body.directoryContents as any[]).map(f => f.path).sort();
    expect(files).toEqual([
      'catalog-info.yaml',
      'k8s/deployment-dry-svc-blue.yaml',
      'k8s/deployment-dry-svc-green.yaml',
      'k8s/service-dry-svc-preview.yaml',
      'k8s/service-dry-svc.yaml',
    ]);
    const log = (res.body.log as any[]).map(l => l.body.message).join('\n');
    expect(log).toContain(
      'Deployment default/dry-svc-blue validated in cluster sandbox',
    );
    expect(log).toContain(
      `dry run: would publish to ${join(published, 'dry-svc')}`,
    );
    const deployments = await fetch(
      `${sandbox.url}/apis/apps/v1/namespaces/default/deployments`,
    ).then(r => r.json());
    expect(deployments.items).toEqual([]);
    expect(await readdir(published)).toEqual([]);
  });

  const deployments = (name: string) => ({
    blue: { kind: 'Deployment', name: `${name}-blue` },
    green: { kind: 'Deployment', name: `${name}-green` },
  });

  it.each([
    ['service-selector', 'shop-api', deployments('shop-api')],
    [
      'argo-rollouts',
      'shop-rollout',
      // Argo has no colors: the first revision's ReplicaSet is blue (odd revisions), green is
      // empty until a new image is set.
      {
        blue: {
          kind: 'ReplicaSet',
          name: expect.stringMatching(/^shop-rollout-/),
        },
        green: undefined,
      },
    ],
    ['istio', 'shop-mesh', deployments('shop-mesh')],
  ])(
    'blue-green-service (%s): applies to the cluster, registers in the catalog, and the Blue/Green backend sees the service',
    async (strategy, name, workloads) => {
      const { status: taskStatus, log } = await runTemplate(
        users.alice,
        'blue-green-service',
        {
          name,
          description: `Created by the template test (${strategy})`,
          owner: 'group:default/team-checkout',
          strategy,
          image: 'my-app:1.0.0',
          port: 8080,
          replicas: 2,
          namespace: 'shop',
          healthPath: '/health',
          ...(strategy === 'argo-rollouts' && { analysis: true }),
        },
      );
      if (taskStatus !== 'completed')
        throw new Error(`task ${taskStatus}:\n${log}`);

      // Published where the catalog's file location reads it.
      expect((await readdir(join(published, name))).sort()).toEqual([
        'catalog-info.yaml',
        'k8s',
      ]);
      const entity = await call(
        users.alice,
        'GET',
        `/api/catalog/entities/by-name/component/default/${name}`,
      );
      expect(entity.status).toBe(200);
      expect(entity.body.spec.owner).toBe('group:default/team-checkout');
      expect(entity.body.metadata.annotations).toMatchObject({
        'blue-green.backstage.io/strategy': strategy,
        'backstage.io/kubernetes-namespace': 'shop',
      });

      // The Blue/Green backend finds every object the annotations name, and the pods run.
      const ready = await waitFor(`${name} running`, async () => {
        const s = await status(name);
        const colors = Object.values(s.colors ?? {}).filter(c => c.workload);
        return (
          colors.length > 0 && colors.every(c => c.replicas.ready === 2) && s
        );
      });
      expect(ready).toMatchObject({
        strategy,
        live: 'blue',
        problems: [],
      });
      expect({
        blue: ready.colors.blue.workload,
        green: ready.colors.green.workload,
      }).toMatchObject(workloads);
    },
  );

  it('blue-green-switch: a user without the permission is refused and nothing moves', async () => {
    const { status: taskStatus, log } = await runTemplate(
      users.bob,
      'blue-green-switch',
      {
        entity: 'component:default/shop-api',
        action: 'promote',
        waitForChecks: false,
      },
    );
    expect(taskStatus).toBe('failed');
    expect(log).toContain(
      'with 403: user:default/bob may not promote component:default/shop-api',
    );
    expect((await status('shop-api')).live).toBe('blue');
  });

  it('blue-green-switch: waits for the pre-deploy checklist, which passes once the owners sign off, then promotes; rollback goes back', async () => {
    const before = await status('shop-api');
    expect(before.live).toBe('blue');

    // The manual items of the checklist are signed off while the task waits.
    const signOff = async () => {
      const checklist = (
        await call(
          users.alice,
          'GET',
          '/api/blue-green/entities/default/component/shop-api/checklist?phase=pre',
        )
      ).body as Checklist;
      const manual = checklist.items.filter(
        item => item.kind === 'manual' && item.status !== 'pass',
      );
      const answers = [];
      for (const item of manual) {
        const res = await call(
          users.alice,
          'POST',
          `/api/blue-green/entities/default/component/shop-api/checklist/${item.id}/sign-off`,
          { note: 'checked by the template test' },
        );
        answers.push(`${item.id} ${res.status}`);
      }
      expect(answers).toEqual(manual.map(item => `${item.id} 200`));
    };
    const promoted = await runTemplate(
      users.alice,
      'blue-green-switch',
      {
        entity: 'component:default/shop-api',
        action: 'promote',
        expectLive: 'blue',
        waitForChecks: true,
        timeoutSeconds: 60,
        reason: 'release 1.0.0 to green',
      },
      signOff,
    );
    if (promoted.status !== 'completed') {
      throw new Error(`task ${promoted.status}:\n${promoted.log}`);
    }
    expect(promoted.log).toMatch(
      /pre-deploy checklist of green is (pending|fail|unknown)/,
    );
    expect(promoted.log).toContain('pre-deploy checklist of green is pass');
    expect(promoted.log).toContain('promote succeeded, blue → green');

    const after = await status('shop-api');
    expect(after.live).toBe('green');
    const service = await fetch(
      `${sandbox.url}/api/v1/namespaces/shop/services/shop-api`,
    ).then(r => r.json());
    expect(service.spec.selector).toEqual({ app: 'shop-api', color: 'green' });

    const history = await call(
      users.alice,
      'GET',
      '/api/blue-green/entities/default/component/shop-api/history',
    );
    expect(history.body.items[0]).toMatchObject({
      action: 'promote',
      actor: users.alice,
      reason: 'release 1.0.0 to green',
      from: 'blue',
      to: 'green',
      outcome: 'succeeded',
    });

    const rolledBack = await runTemplate(users.alice, 'blue-green-switch', {
      entity: 'component:default/shop-api',
      action: 'rollback',
      expectLive: 'green',
    });
    expect(rolledBack.status).toBe('completed');
    expect((await status('shop-api')).live).toBe('blue');
  });

  it('blue-green-release: deploys a new version to the idle color, waits for its checklist (signed off meanwhile) and promotes it', async () => {
    const before = await status('shop-api');
    expect(before.live).toBe('blue');
    // Green's 1.0.0 was rolled back above: it is not promotable any more.
    expect(before.failedVersion?.color).toBe('green');

    const checklistPath =
      '/api/blue-green/entities/default/component/shop-api/checklist?phase=pre';
    const signOffNewVersion = async () => {
      // The checklist is the new version's once the deploy step has run.
      const checklist = await waitFor('the checklist of v1.1.0', async () => {
        const res = await call(users.alice, 'GET', checklistPath);
        return res.body?.version === 'v1.1.0' && (res.body as Checklist);
      });
      for (const item of checklist.items.filter(i => i.kind === 'manual')) {
        const res = await call(
          users.alice,
          'POST',
          `/api/blue-green/entities/default/component/shop-api/checklist/${item.id}/sign-off`,
          { note: 'checked by the template test' },
        );
        expect([item.id, res.status]).toEqual([item.id, 200]);
      }
    };
    const released = await runTemplate(
      users.alice,
      'blue-green-release',
      {
        entity: 'component:default/shop-api',
        image: 'my-app:1.1.0',
        version: 'v1.1.0',
        expectIdle: 'green',
        promote: true,
        timeoutSeconds: 60,
        reason: 'release 1.1.0',
      },
      signOffNewVersion,
    );
    if (released.status !== 'completed') {
      throw new Error(`task ${released.status}:\n${released.log}`);
    }
    expect(released.log).toContain('deploy succeeded, my-app:1.1.0 on green');
    expect(released.log).toContain('pre-deploy checklist of green is pass');
    expect(released.log).toContain('promote succeeded, blue → green');
    const after = await status('shop-api');
    expect(after.live).toBe('green');
    expect(after.colors.green).toMatchObject({
      version: 'v1.1.0',
      images: ['my-app:1.1.0'],
    });
    // The preview Service now reaches the idle color, blue.
    const preview = await fetch(
      `${sandbox.url}/api/v1/namespaces/shop/services/shop-api-preview`,
    ).then(r => r.json());
    expect(preview.spec.selector).toEqual({ app: 'shop-api', color: 'blue' });
  });

  it('blue-green-release (argo-rollouts): deploy sets the Rollout image; the new revision takes the idle color', async () => {
    const released = await runTemplate(users.alice, 'blue-green-release', {
      entity: 'component:default/shop-rollout',
      image: 'my-app:1.1.0',
      promote: false,
    });
    if (released.status !== 'completed') {
      throw new Error(`task ${released.status}:\n${released.log}`);
    }
    expect(released.log).toContain('deploy succeeded, my-app:1.1.0 on green');
    const rollout = await fetch(
      `${sandbox.url}/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/shop-rollout`,
    ).then(r => r.json());
    expect(rollout.spec.template.spec.containers[0].image).toBe('my-app:1.1.0');
    const after = await waitFor('the new revision on green', async () => {
      const s = await status('shop-rollout');
      return s.colors.green.images[0] === 'my-app:1.1.0' && s;
    });
    expect(after.colors.blue.images).toEqual(['my-app:1.0.0']);
  });
});
