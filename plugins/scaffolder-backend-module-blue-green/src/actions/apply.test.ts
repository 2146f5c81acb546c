import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type {
  KubeClient,
  KubeObject,
  KubeResource,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { ManifestApplier } from '../services/ManifestApplier';
import { testOwnership } from '../__testUtils__/ownership';
import { createApplyAction } from './apply';

/** An in-memory cluster: what the applier reads and writes, and in which order. */
class FakeKube implements Partial<KubeClient> {
  readonly cluster = 'sandbox';
  readonly objects = new Map<string, KubeObject>();
  readonly writes: string[] = [];
  #version = 1;

  key = (r: KubeResource, ns: string | undefined, name: string) =>
    `${r.plural}/${ns ?? ''}/${name}`;

  async get(r: KubeResource, ns: string | undefined, name: string) {
    return this.objects.get(this.key(r, ns, name)) as any;
  }
  async create(
    r: KubeResource,
    ns: string | undefined,
    body: KubeObject,
    o?: any,
  ) {
    this.writes.push(
      `create ${r.plural} ${body.metadata.name}${
        o?.dryRun ? ' (dry run)' : ''
      }`,
    );
    const stored = {
      ...body,
      metadata: { ...body.metadata, resourceVersion: String(this.#version++) },
    };
    if (!o?.dryRun)
      this.objects.set(this.key(r, ns, body.metadata.name), stored);
    return stored as any;
  }
  async list(r: KubeResource, ns: string | undefined) {
    const prefix = `${r.plural}/${ns ?? ''}/`;
    return {
      items: [...this.objects]
        .filter(([key]) => key.startsWith(prefix))
        .map(([, o]) => o) as any[],
    };
  }
  async replace(
    r: KubeResource,
    ns: string | undefined,
    name: string,
    body: KubeObject,
    o?: any,
  ) {
    this.writes.push(
      `replace ${r.plural} ${name}${o?.dryRun ? ' (dry run)' : ''}`,
    );
    if (!o?.dryRun) this.objects.set(this.key(r, ns, name), body);
    return body as any;
  }
}

const BOUND = `annotations: { blue-green.backstage.io/entity: 'component:default/web' }`;

const manifests = {
  'k8s/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
  ${BOUND}
spec:
  selector: { app: web, color: blue }
`,
  'k8s/deployments.yaml': `# two colors
apiVersion: apps/v1
kind: Deployment
metadata: { name: web-blue, namespace: shop, ${BOUND} }
spec:
  replicas: 1
  template: { metadata: { labels: { app: web, color: blue } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web-green, namespace: shop, ${BOUND} }
spec:
  replicas: 1
  template: { metadata: { labels: { app: web, color: green } } }
---
`,
  'k8s/README.md': 'not a manifest',
};

describe('blue-green:apply', () => {
  const workspace = createMockDirectory();
  let kube: FakeKube;
  let gateway: { client: jest.Mock };

  beforeEach(() => {
    workspace.setContent(manifests);
    kube = new FakeKube();
    kube.objects.set('namespaces//default', { metadata: { name: 'default' } });
    gateway = { client: jest.fn(async () => kube) };
  });

  /** The catalog's entities and their owners. */
  let owners: Record<string, string>;
  beforeEach(() => {
    owners = {};
  });

  const run = (input: object, extra: object = {}) => {
    const action = createApplyAction({
      applier: ManifestApplier.create({
        gateway: gateway as any,
        ownership: testOwnership({
          owners,
          rules: [
            {
              owners: ['group:default/team-checkout'],
              namespaces: ['default', 'shop', 'other'],
            },
          ],
        }),
      }),
    });
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: workspace.path,
      logger: mockServices.logger.mock() as any,
    });
    Object.assign(ctx, extra);
    return action.handler(ctx).then(() => ctx);
  };

  it("creates the namespace, then Services before Deployments, with the plugin's own identity in the cluster", async () => {
    const ctx = await run({ cluster: 'sandbox', namespace: 'shop' });
    // The gateway's client for the cluster: Blue/Green's identity there, never the task user's.
    expect(gateway.client).toHaveBeenCalledWith('sandbox');
    expect(kube.writes).toEqual([
      'create namespaces shop',
      'create services web',
      'create deployments web-blue',
      'create deployments web-green',
    ]);
    const service = kube.objects.get('services/shop/web')!;
    expect(service.metadata.namespace).toBe('shop');
    expect(service.metadata.annotations).toEqual({
      'blue-green.backstage.io/entity': 'component:default/web',
      'blue-green.backstage.io/scaffolder-task': 'mock-task-id',
    });
    expect(ctx.output).toHaveBeenCalledWith('cluster', 'sandbox');
    expect(ctx.output).toHaveBeenCalledWith('objects', [
      { kind: 'Namespace', name: 'shop', result: 'created' },
      { kind: 'Service', namespace: 'shop', name: 'web', result: 'created' },
      {
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web-blue',
        result: 'created',
      },
      {
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web-green',
        result: 'created',
      },
    ]);
  });

  it('refuses to overwrite objects it did not create, and then writes nothing', async () => {
    await run({ namespace: 'shop' });
    kube.writes.length = 0;
    await expect(
      run({ namespace: 'shop' }, { task: { id: 'another-task' } }),
    ).rejects.toThrow(
      'Service shop/web, Deployment shop/web-blue, Deployment shop/web-green already exist in cluster sandbox; choose another name, or set ifExists to skip or replace',
    );
    expect(kube.writes).toEqual([]);
  });

  it('a retried task treats what it created as done', async () => {
    await run({ namespace: 'shop' });
    kube.writes.length = 0;
    const ctx = await run({ namespace: 'shop' });
    expect(kube.writes).toEqual([]);
    expect(ctx.output).toHaveBeenCalledWith(
      'objects',
      expect.arrayContaining([
        {
          kind: 'Service',
          namespace: 'shop',
          name: 'web',
          result: 'unchanged',
        },
      ]),
    );
  });

  it('replace keeps the resourceVersion and the Service cluster IP', async () => {
    await run({ namespace: 'shop' });
    const service = kube.objects.get('services/shop/web')!;
    service.spec.clusterIP = '10.0.0.7';
    kube.writes.length = 0;
    await run(
      { namespace: 'shop', ifExists: 'replace' },
      { task: { id: 't2' } },
    );
    expect(kube.writes).toEqual([
      'replace services web',
      'replace deployments web-blue',
      'replace deployments web-green',
    ]);
    const replaced = kube.objects.get('services/shop/web')!;
    expect(replaced.metadata.resourceVersion).toBe(
      service.metadata.resourceVersion,
    );
    expect(replaced.spec.clusterIP).toBe('10.0.0.7');
  });

  it("creates, replaces or skips only objects of a service one of the user's teams owns", async () => {
    // component:default/web is in the catalog, and team-payments' (the user is team-checkout).
    owners['component:default/web'] = 'group:default/team-payments';
    await expect(run({ namespace: 'other' })).rejects.toThrow(
      'Service other/web belongs to component:default/web, which none of your teams owns',
    );
    expect(kube.writes).toEqual([]);
    delete owners['component:default/web'];
    await run({ namespace: 'shop' });
    kube.writes.length = 0;
    owners['component:default/web'] = 'group:default/team-payments';
    for (const ifExists of ['replace', 'skip']) {
      await expect(
        run({ namespace: 'shop', ifExists }, { task: { id: 't2' } }),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message:
          "Service shop/web belongs to component:default/web, which none of your teams owns: a template changes only the objects of its own team's services",
      });
    }
    expect(kube.writes).toEqual([]);
    owners['component:default/web'] = 'team-checkout';
    await run(
      { namespace: 'shop', ifExists: 'replace' },
      { task: { id: 't3' } },
    );
    expect(kube.writes).toContain('replace services web');
  });

  it('skip leaves existing objects alone', async () => {
    await run({ namespace: 'shop' });
    kube.writes.length = 0;
    await run({ namespace: 'shop', ifExists: 'skip' }, { task: { id: 't2' } });
    expect(kube.writes).toEqual([]);
  });

  it('a dry run asks the API server to validate and stores nothing', async () => {
    const ctx = await run({ path: 'k8s/service.yaml' }, { isDryRun: true });
    expect(kube.writes).toEqual(['create services web (dry run)']);
    expect(kube.objects.has('services/default/web')).toBe(false);
    expect(ctx.output).toHaveBeenCalledWith('objects', [
      {
        kind: 'Service',
        namespace: 'default',
        name: 'web',
        result: 'validated',
      },
    ]);
  });

  it('a dry run into a new namespace validates the namespace only', async () => {
    const ctx = await run({ namespace: 'shop' }, { isDryRun: true });
    expect(kube.writes).toEqual(['create namespaces shop (dry run)']);
    expect(ctx.output).toHaveBeenCalledWith(
      'objects',
      expect.arrayContaining([
        { kind: 'Service', namespace: 'shop', name: 'web', result: 'skipped' },
      ]),
    );
  });

  it('does not create namespaces when told not to', async () => {
    await expect(
      run({ namespace: 'shop', createNamespace: false }),
    ).rejects.toThrow(
      'namespace shop does not exist in cluster sandbox; create it or set createNamespace: true',
    );
    expect(kube.writes).toEqual([]);
  });

  it('refuses kinds it does not know, and paths outside the workspace', async () => {
    workspace.addContent({
      'other/job.yaml':
        'apiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\n',
      'other/bad.yaml': 'kind: [',
    });
    await expect(run({ path: 'other/job.yaml' })).rejects.toThrow(
      'cannot apply Job j (batch/v1): the kinds this action applies are Namespace, Service',
    );
    await expect(run({ path: 'other/bad.yaml' })).rejects.toThrow(
      'bad.yaml is not valid YAML',
    );
    await expect(run({ path: '../outside' })).rejects.toThrow(
      `path "../outside" is outside the task's workspace; give a path inside it`,
    );
    expect(kube.writes).toEqual([]);
  });

  it('answers a path that does not exist with a 400 naming it', async () => {
    await expect(run({ path: 'nowhere/k8s' })).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining(
        "k8s does not exist in the task's workspace",
      ),
    });
  });

  it('refuses objects that name no entity', async () => {
    workspace.addContent({
      'bare/service.yaml':
        'apiVersion: v1\nkind: Service\nmetadata: { name: bare }\nspec: {}\n',
    });
    await expect(run({ path: 'bare' })).rejects.toThrow(
      'Service default/bare names no entity: every object needs the annotation blue-green.backstage.io/entity (blue-green:render sets it)',
    );
    expect(kube.writes).toEqual([]);
  });

  it("never replaces, skips into or takes the traffic of another entity's objects", async () => {
    const theirs = (name: string, entity?: string) => ({
      metadata: {
        name,
        namespace: 'shop',
        resourceVersion: '1',
        ...(entity && {
          annotations: { 'blue-green.backstage.io/entity': entity },
        }),
      },
      spec: { selector: { app: 'web', color: 'blue' } },
    });
    kube.objects.set('namespaces//shop', { metadata: { name: 'shop' } });
    kube.objects.set(
      'services/shop/web',
      theirs('web', 'component:default/payments'),
    );
    for (const ifExists of ['replace', 'skip']) {
      await expect(run({ namespace: 'shop', ifExists })).rejects.toThrow(
        'Service shop/web belongs to component:default/payments, not to component:default/web (annotation blue-green.backstage.io/entity): choose another name for the service',
      );
    }
    kube.objects.set('services/shop/web', theirs('web'));
    await expect(
      run({ namespace: 'shop', ifExists: 'replace' }),
    ).rejects.toThrow('Service shop/web is not bound to any entity');

    // Under another name, but labelled so that the other team's Service selects its pods.
    kube.objects.delete('services/shop/web');
    kube.objects.set(
      'services/shop/payments',
      theirs('payments', 'component:default/payments'),
    );
    await expect(run({ namespace: 'shop' })).rejects.toThrow(
      'the pods of Deployment shop/web-blue would take the traffic of another service: Service shop/payments belongs to component:default/payments, not to component:default/web',
    );
    expect(kube.writes).toEqual([]);
  });

  it('creates only in namespaces a team of the user may use', async () => {
    await expect(
      run({ path: 'k8s/service.yaml', namespace: 'kube-system' }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'namespace kube-system on cluster sandbox is not one that user:default/mock, group:default/team-checkout may use (blueGreen.namespaces)',
    });
    await expect(
      run(
        { path: 'k8s/service.yaml', namespace: 'payments' },
        { isDryRun: true },
      ),
    ).rejects.toThrow('namespace payments on cluster sandbox is not one that');
    expect(kube.writes).toEqual([]);
  });
});
