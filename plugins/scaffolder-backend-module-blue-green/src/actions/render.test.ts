import { createMockDirectory } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { testOwnership } from '../__testUtils__/ownership';
import { createRenderAction } from './render';

describe('blue-green:render', () => {
  const workspace = createMockDirectory();
  const action = createRenderAction({
    ownership: testOwnership({
      teams: ['group:default/team-checkout', 'group:default/team-payments'],
      rules: [
        {
          owners: ['group:default/team-checkout'],
          namespaces: ['default', 'checkout-*'],
        },
        {
          owners: ['group:default/team-payments'],
          namespaces: ['default', 'istio-demo'],
        },
      ],
      owners: {
        'component:default/payments-api': 'group:default/team-billing',
        'component:default/checkout': 'team-checkout',
      },
    }),
  });
  beforeEach(() => workspace.clear());

  const run = (input: object, extra: object = {}) => {
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: workspace.path,
    });
    Object.assign(ctx, extra);
    return action.handler(ctx).then(() => ctx);
  };

  it('writes one manifest per object and catalog-info.yaml, with defaults filled in', async () => {
    const ctx = await run({
      name: 'checkout',
      owner: 'group:default/team-checkout',
      strategy: 'service-selector',
      image: 'my-app:1.0.0',
    });
    expect((await readdir(join(workspace.path, 'k8s'))).sort()).toEqual([
      'deployment-checkout-blue.yaml',
      'deployment-checkout-green.yaml',
      'service-checkout-preview.yaml',
      'service-checkout.yaml',
    ]);
    const deployment = parse(
      await readFile(
        join(workspace.path, 'k8s/deployment-checkout-blue.yaml'),
        'utf8',
      ),
    );
    expect(deployment.metadata.namespace).toBe('default');
    // Bound to its entity: the Blue/Green backend switches it for checkout only.
    expect(
      deployment.metadata.annotations['blue-green.backstage.io/entity'],
    ).toBe('component:default/checkout');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.containers[0].ports).toEqual([
      { name: 'http', containerPort: 8080 },
    ]);
    const [entity] = parseAllDocuments(
      await readFile(join(workspace.path, 'catalog-info.yaml'), 'utf8'),
    ).map(d => d.toJS());
    expect(
      entity.metadata.annotations['blue-green.backstage.io/strategy'],
    ).toBe('service-selector');

    expect(ctx.output).toHaveBeenCalledWith('manifestsPath', 'k8s');
    expect(ctx.output).toHaveBeenCalledWith(
      'catalogInfoPath',
      'catalog-info.yaml',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'component:default/checkout',
    );
    expect(ctx.output).toHaveBeenCalledWith('objects', [
      'Service/checkout',
      'Service/checkout-preview',
      'Deployment/checkout-blue',
      'Deployment/checkout-green',
    ]);
  });

  it('writes below targetPath, and renders in a dry run too (it only touches the workspace)', async () => {
    const ctx = await run(
      {
        name: 'mesh',
        owner: 'team-payments',
        strategy: 'istio',
        image: 'nginx:1.14',
        namespace: 'istio-demo',
        port: 80,
        replicas: 1,
        targetPath: 'service',
      },
      { isDryRun: true },
    );
    expect(await readdir(join(workspace.path, 'service/k8s'))).toHaveLength(5);
    expect(ctx.output).toHaveBeenCalledWith('manifestsPath', 'service/k8s');
    expect(ctx.output).toHaveBeenCalledWith(
      'catalogInfoPath',
      'service/catalog-info.yaml',
    );
  });

  it('adds the AnalysisTemplate only to argo-rollouts', async () => {
    const argo = await run({
      name: 'roll',
      owner: 'team-payments',
      strategy: 'argo-rollouts',
      image: 'my-app:1.0.0',
      analysis: true,
    });
    expect(argo.output).toHaveBeenCalledWith(
      'objects',
      expect.arrayContaining(['AnalysisTemplate/roll-success-rate']),
    );
    await workspace.clear();
    const istio = await run({
      name: 'mesh',
      owner: 'team-payments',
      strategy: 'istio',
      image: 'my-app:1.0.0',
      analysis: true,
    });
    expect(istio.output).toHaveBeenCalledWith(
      'objects',
      expect.not.arrayContaining(['AnalysisTemplate/mesh-success-rate']),
    );
  });

  it.each([
    [{ name: 'Checkout' }, 'name: must be lower-case letters'],
    [{ name: 'a'.repeat(51) }, 'name: String must contain at most 50'],
    [{ strategy: 'canary' }, 'strategy: Invalid enum value'],
    [{ replicas: 0 }, 'replicas: Number must be greater than or equal to 1'],
    [
      { healthPath: 'health' },
      "healthPath: must be a URL path starting with '/'",
    ],
    [
      { drain: { preStopSleepSeconds: 60, terminationGracePeriodSeconds: 30 } },
      'drain: preStopSleepSeconds must be shorter than terminationGracePeriodSeconds',
    ],
    [{ image: 'my app' }, 'image: must be an image reference without spaces'],
    [{ imagee: 'typo' }, "Unrecognized key(s) in object: 'imagee'"],
    [{ healthPath: '/../../x' }, "healthPath: must not have '.' or '..'"],
    [{ healthPath: '/%2e%2e/x' }, "healthPath: must not have '.' or '..'"],
    [{ owner: 'a:b:c/d/e' }, 'owner: must be an entity ref like group'],
    [{ description: 'x\u202Ey' }, 'description: must not contain control'],
    [{ cluster: 'a\nb' }, 'cluster: must be a cluster name'],
  ])('refuses %j', async (bad, message) => {
    await expect(
      run({
        name: 'checkout',
        owner: 'team-checkout',
        strategy: 'service-selector',
        image: 'my-app:1.0.0',
        ...bad,
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining(message),
    });
    await expect(readdir(workspace.path)).resolves.toEqual([]);
  });

  it.each([
    [
      { owner: 'group:default/team-platform' },
      'owner group:default/team-platform is not one of your teams',
    ],
    [
      { namespace: 'kube-system' },
      'namespace kube-system is not one that group:default/team-checkout may use (blueGreen.namespaces)',
    ],
    [
      { namespace: 'istio-demo' },
      'namespace istio-demo is not one that group:default/team-checkout may use',
    ],
  ])(
    'creates only for a team of the user, in its namespaces: refuses %j',
    async (bad, message) => {
      const attempt = run(
        {
          name: 'checkout',
          owner: 'group:default/team-checkout',
          strategy: 'service-selector',
          image: 'my-app:1.0.0',
          ...bad,
        },
        { isDryRun: true },
      );
      await expect(attempt).rejects.toThrow(message);
      await expect(attempt.catch(e => e.name)).resolves.toBe('NotAllowedError');
      await expect(readdir(workspace.path)).resolves.toEqual([]);
    },
  );

  it("refuses the name of another team's service, and nothing is written", async () => {
    await expect(
      run({
        name: 'payments-api',
        owner: 'team-checkout',
        strategy: 'service-selector',
        image: 'my-app:1.0.0',
      }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'name "payments-api" belongs to component:default/payments-api, which none of your teams owns: a template changes only the objects of its own team\'s services',
    });
    await expect(readdir(workspace.path)).resolves.toEqual([]);
    // The team's own service, rendered again (a retried task): allowed.
    await run({
      name: 'checkout',
      owner: 'team-checkout',
      strategy: 'service-selector',
      image: 'my-app:1.0.0',
    });
  });

  it('refuses a description longer than 500 characters', async () => {
    await expect(
      run({
        name: 'checkout',
        owner: 'team-checkout',
        strategy: 'service-selector',
        image: 'my-app:1.0.0',
        description: 'x'.repeat(501),
      }),
    ).rejects.toThrow('description: must be at most 500 characters');
  });

  it('refuses a task not started by a user', async () => {
    await expect(
      run(
        {
          name: 'checkout',
          owner: 'group:default/team-checkout',
          strategy: 'service-selector',
          image: 'my-app:1.0.0',
        },
        {
          getInitiatorCredentials: async () => ({
            $$type: '@backstage/BackstageCredentials',
            principal: { type: 'service', subject: 'plugin:catalog' },
          }),
        },
      ),
    ).rejects.toThrow('this task was not started by a user');
  });

  it('publishes a JSON schema with the defaults for the template editor', () => {
    const schema = action.schema?.input as any;
    expect(schema.required).toEqual(['name', 'strategy', 'owner', 'image']);
    expect(schema.properties.replicas.default).toBe(2);
    expect(schema.properties.strategy.enum).toEqual([
      'service-selector',
      'argo-rollouts',
      'istio',
    ]);
    expect(action.supportsDryRun).toBe(true);
  });
});
