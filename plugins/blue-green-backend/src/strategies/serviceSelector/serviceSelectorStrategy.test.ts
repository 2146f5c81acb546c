import { ConflictError } from '@backstage/errors';
import { BlueGreenTarget } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  JsonPatchOperation,
  KubeObject,
  KubeResource,
  SentRequest,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { revisionOf } from '../../decisions/revision';
import { FakeKube, serviceSelectorObjects } from '../../__testUtils__/FakeKube';
import { serviceSelectorStrategy as strategy } from './serviceSelectorStrategy';

const target: BlueGreenTarget = {
  strategy: 'service-selector',
  namespace: 'default',
  name: 'my-app',
  colorLabel: 'color',
  healthPath: '/healthz',
  service: 'my-app',
  deployments: { blue: 'my-app-blue', green: 'my-app-green' },
};

const pod = (color: 'blue' | 'green', i: number): KubeObject => ({
  metadata: {
    name: `my-app-${color}-${i}`,
    namespace: 'default',
    labels: {
      app: 'my-app',
      color,
      version: color === 'blue' ? 'v1.0.0' : 'v1.1.0',
    },
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

const endpoints = (names: string[]): KubeObject => ({
  metadata: { name: 'my-app', namespace: 'default' },
  subsets: [
    { addresses: names.map(name => ({ targetRef: { kind: 'Pod', name } })) },
  ],
});

/** The fake cluster, with the API server's JSON-patch semantics for the selector patch. */
class PatchableKube extends FakeKube {
  async patch<T extends KubeObject>(
    resource: KubeResource,
    namespace: string | undefined,
    name: string,
    patch: JsonPatchOperation[] | object,
  ): Promise<T> {
    this.calls.push({ verb: 'patch', plural: resource.plural });
    const object = (this.objects[resource.plural] ?? []).find(
      o => o.metadata.namespace === namespace && o.metadata.name === name,
    )!;
    const updated = structuredClone(object);
    for (const op of patch as JsonPatchOperation[]) {
      const key = op.path.split('/').pop()!;
      const value = 'value' in op ? op.value : undefined;
      if (op.op === 'test' && updated.spec.selector[key] !== value) {
        throw new ConflictError(`${name} changed since it was read`);
      }
      if (op.op !== 'test') updated.spec.selector[key] = value;
    }
    updated.metadata.resourceVersion = String(
      Number(object.metadata.resourceVersion ?? 1) + 1,
    );
    this.objects[resource.plural] = this.objects[resource.plural].map(o =>
      o === object ? updated : o,
    );
    return structuredClone(updated) as T;
  }
}

function cluster(live: 'blue' | 'green' = 'blue', name = 'sandbox') {
  return new PatchableKube(name, {
    ...serviceSelectorObjects('my-app', { live }),
    pods: [pod('blue', 0), pod('blue', 1), pod('green', 0), pod('green', 1)],
    endpoints: [endpoints(['my-app-blue-0', 'my-app-blue-1'])],
  });
}

const plan = {
  action: 'promote' as const,
  from: 'blue' as const,
  to: 'green' as const,
};

describe('serviceSelectorStrategy', () => {
  it('switchTo returns the snapshot the patch left, the same as a fresh read', async () => {
    const kube = cluster();
    const before = await strategy.read(kube, target);
    const sent: SentRequest[] = [];
    const after = await strategy.switchTo(kube, target, before, plan, sent);
    const fresh = await strategy.read(kube, target);

    expect(after).toBeDefined();
    expect(after!.live).toBe('green');
    expect(after!.colors.green.role).toBe('live');
    expect(after!.colors.blue.role).toBe('idle');
    const { objects: _a, ...composed } = after!;
    const { objects: _f, ...read } = fresh;
    expect(composed).toEqual(read);
    expect(revisionOf(after!)).toBe(revisionOf(fresh));
    expect(revisionOf(after!)).not.toBe(revisionOf(before));
    expect(after!.raw.service?.metadata.resourceVersion).toBe(
      fresh.raw.service?.metadata.resourceVersion,
    );
    expect(sent).toHaveLength(1);
  });

  it('switchTo is a compare-and-swap: a selector that moved since the read is a conflict', async () => {
    const kube = cluster();
    const before = await strategy.read(kube, target);
    kube.objects.services[0].spec.selector.color = 'green';
    const sent: SentRequest[] = [];
    await expect(
      strategy.switchTo(kube, target, before, plan, sent),
    ).rejects.toThrow(ConflictError);
    expect(sent).toEqual([]);
  });

  it('verify checks the Endpoints at once against the pods of the Deployment it switched to', async () => {
    const kube = cluster();
    const before = await strategy.read(kube, target);
    await strategy.switchTo(kube, target, before, plan, []);
    kube.objects.endpoints = [endpoints(['my-app-green-0', 'my-app-green-1'])];
    kube.calls = [];

    const verification = await strategy.verify(
      kube,
      target,
      before,
      'green',
      5_000,
    );

    expect(verification).toEqual({
      verified: true,
      message: 'Endpoints my-app hold only green pods (2 ready)',
    });
    // One poll (Endpoints and the target's pods, fresh); the template comes from the snapshot.
    expect(kube.calls.map(c => `${c.verb} ${c.plural}`).sort()).toEqual([
      'get endpoints',
      'list pods',
    ]);
  });

  it('verify does not pass while the Endpoints still hold a pod of the other color', async () => {
    const kube = cluster();
    const before = await strategy.read(kube, target);
    kube.objects.endpoints = [endpoints(['my-app-green-0', 'my-app-blue-1'])];

    const verification = await strategy.verify(
      kube,
      target,
      before,
      'green',
      50,
    );

    expect(verification).toEqual({
      verified: false,
      message:
        'Endpoints my-app still hold 1 pod(s) of another color after 50 ms',
    });
  });

  it('lists the pods in the same round as their Deployments once it has read them', async () => {
    const kube = cluster('blue', 'pods-early');
    const first = await strategy.read(kube, target);
    const order = () => kube.calls.map(c => `${c.verb} ${c.plural}`);
    // First read: the Deployments' selectors are not known yet, so the pods come after them.
    expect(order().indexOf('list pods')).toBeGreaterThan(
      order().lastIndexOf('get deployments'),
    );
    kube.calls = [];

    const second = await strategy.read(kube, target);

    // Second read: both pod lists go out before the Deployments have answered, and only they.
    const pods = order()
      .map((call, i) => (call === 'list pods' ? i : -1))
      .filter(i => i >= 0);
    expect(pods).toHaveLength(2);
    expect(Math.max(...pods)).toBeLessThan(order().indexOf('get deployments'));
    expect(second.colors.green.pods.map(p => p.name)).toEqual(
      first.colors.green.pods.map(p => p.name),
    );
  });

  it('lists the pods again when a Deployment came back with another selector', async () => {
    const kube = cluster('blue', 'pods-recreated');
    await strategy.read(kube, target);
    // my-app-green deleted and created again, selecting by a new label.
    const green = kube.objects.deployments.find(
      d => d.metadata.name === 'my-app-green',
    )!;
    green.spec.selector = { matchLabels: { app: 'my-app', track: 'green' } };
    green.spec.template.metadata.labels.track = 'green';
    kube.objects.pods = [
      ...kube.objects.pods.filter(p => p.metadata.labels!.color !== 'green'),
      {
        ...pod('green', 7),
        metadata: {
          ...pod('green', 7).metadata,
          labels: { ...pod('green', 7).metadata.labels, track: 'green' },
        },
      },
    ];
    kube.calls = [];

    const snapshot = await strategy.read(kube, target);

    expect(snapshot.colors.green.pods.map(p => p.name)).toEqual([
      'my-app-green-7',
    ]);
    expect(
      kube.calls.filter(c => c.verb === 'list').map(c => c.labelSelector),
    ).toEqual([
      'app=my-app,color=blue',
      'app=my-app,color=green',
      'app=my-app,track=green',
    ]);
  });
});
