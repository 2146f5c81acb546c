import { KUBE_RESOURCES } from '@bluegreen-backstage/plugin-blue-green-node';
import { argoRolloutsStrategy } from '../strategies/argoRollouts/argoRolloutsStrategy';
import { istioStrategy } from '../strategies/istio/istioStrategy';
import { serviceSelectorStrategy } from '../strategies/serviceSelector/serviceSelectorStrategy';
import {
  FakeKube,
  mergeObjects,
  serviceSelectorObjects,
} from '../__testUtils__/FakeKube';
import { ClusterSnapshot, listCallsFor } from './ClusterSnapshot';

/** The kept entry of Service `name` in namespace default. */
const entry = (s: ClusterSnapshot, name: string) =>
  s.entry(KUBE_RESOURCES.services, 'default', name);

describe('ClusterSnapshot', () => {
  it('lists each kind the strategies need once, cluster-wide, ReplicaSets by label', () => {
    const calls = listCallsFor([
      serviceSelectorStrategy,
      istioStrategy,
      argoRolloutsStrategy,
    ]);
    expect(calls.map(c => [c.resource.plural, c.labelSelector ?? ''])).toEqual([
      ['services', ''],
      ['deployments', ''],
      ['virtualservices', ''],
      ['destinationrules', ''],
      ['rollouts', ''],
      ['replicasets', 'rollouts-pod-template-hash'],
    ]);
  });

  it('answers a strategy read with the same snapshot the live cluster gives, from two list calls', async () => {
    const kube = new FakeKube(
      'sandbox',
      mergeObjects(
        serviceSelectorObjects('my-app'),
        serviceSelectorObjects('other', { namespace: 'shop', live: 'green' }),
      ),
    );
    const snapshot = await ClusterSnapshot.read(kube, [
      serviceSelectorStrategy,
    ]);
    expect(kube.calls).toEqual([
      { verb: 'list', plural: 'services', labelSelector: undefined },
      { verb: 'list', plural: 'deployments', labelSelector: undefined },
    ]);

    const target = {
      strategy: 'service-selector' as const,
      namespace: 'shop',
      name: 'other',
      colorLabel: 'color',
      healthPath: '/health',
      service: 'other',
      deployments: { blue: 'other-blue', green: 'other-green' },
    };
    const fromSnapshot = await serviceSelectorStrategy.read(snapshot, target);
    const live = await serviceSelectorStrategy.read(kube, target);
    expect(fromSnapshot.live).toBe('green');
    expect(fromSnapshot.colors.blue.replicas).toEqual(
      live.colors.blue.replicas,
    );
    expect(fromSnapshot.colors.green.version).toBe('v1.1.0');
    // Pods are not listed: the fleet shows replica counts from the workloads' status.
    expect(fromSnapshot.colors.green.pods).toEqual([]);
    expect(snapshot.has(KUBE_RESOURCES.services, 'shop', 'other')).toBe(true);
    expect(snapshot.has(KUBE_RESOURCES.services, 'default', 'other')).toBe(
      false,
    );
  });

  it('is read-only and says which kinds it did not list', async () => {
    const snapshot = await ClusterSnapshot.read(new FakeKube('c'), [
      serviceSelectorStrategy,
    ]);
    await expect(snapshot.patch()).rejects.toThrow('read-only');
    await expect(
      snapshot.get(KUBE_RESOURCES.rollouts, 'default', 'x'),
    ).rejects.toThrow('did not list rollouts');
    expect(snapshot.covers(['service-selector'])).toBe(true);
    expect(snapshot.covers(['istio'])).toBe(false);
  });

  it('answers lists by namespace and label, and keeps no managed fields, last-applied configuration or conditions', async () => {
    const replicaSet = (name: string, namespace: string, hash?: string) => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace,
        labels: (hash ? { 'rollouts-pod-template-hash': hash } : {}) as Record<
          string,
          string
        >,
        managedFields: [{ manager: 'kubectl' }],
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
          note: 'kept',
        },
      },
      status: {
        readyReplicas: 1,
        conditions: [{ type: 'ReplicaFailure', status: 'False' }],
      },
    });
    const listed = [
      replicaSet('a-1', 'shop', 'h1'),
      replicaSet('a-2', 'shop', 'h2'),
      replicaSet('b-1', 'default', 'h3'),
    ];
    const kube = new FakeKube('c', { replicasets: listed });
    const snapshot = await ClusterSnapshot.read(kube, [argoRolloutsStrategy]);

    const shop = await snapshot.list(KUBE_RESOURCES.replicasets, 'shop', {
      labelSelector: 'rollouts-pod-template-hash in (h2,h3)',
    });
    expect(shop.items.map(o => o.metadata.name)).toEqual(['a-2']);
    const all = await snapshot.list(KUBE_RESOURCES.replicasets, undefined);
    expect(all.items.map(o => o.metadata.name).sort()).toEqual([
      'a-1',
      'a-2',
      'b-1',
    ]);
    expect(
      (await snapshot.list(KUBE_RESOURCES.replicasets, 'none')).items,
    ).toEqual([]);

    const kept = await snapshot.get(KUBE_RESOURCES.replicasets, 'shop', 'a-1');
    expect(kept?.metadata).not.toHaveProperty('managedFields');
    expect(kept?.metadata.annotations).toEqual({ note: 'kept' });
    expect(kept?.status).toEqual({ readyReplicas: 1 });
    // What the cluster client answered is left as it was.
    expect(listed[0].metadata.managedFields).toHaveLength(1);
    expect(listed[0].status.conditions).toHaveLength(1);
  });

  it('takes the objects of the previous snapshot that are at the same resourceVersion', async () => {
    const service = (name: string, resourceVersion: string, live: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace: 'default',
        uid: `uid-${name}`,
        resourceVersion,
      },
      spec: { selector: { app: name, color: live } },
    });
    const kube = new FakeKube('c', {
      services: [service('a', '1', 'blue'), service('b', '2', 'blue')],
    });
    const first = await ClusterSnapshot.read(kube, [serviceSelectorStrategy]);
    kube.objects.services = [
      service('a', '1', 'blue'),
      service('b', '3', 'green'),
      service('c', '4', 'blue'),
    ];
    const second = await ClusterSnapshot.read(
      kube,
      [serviceSelectorStrategy],
      first,
    );
    const get = (s: ClusterSnapshot, name: string) =>
      s.get(KUBE_RESOURCES.services, 'default', name);

    // The same entry, which the fleet's rows are cached on; each lookup parses a new object.
    expect(entry(second, 'a')).toBe(entry(first, 'a'));
    expect(entry(second, 'b')).not.toBe(entry(first, 'b'));
    expect(await get(second, 'a')).toEqual(await get(first, 'a'));
    expect(await get(second, 'a')).not.toBe(await get(second, 'a'));
    expect((await get(second, 'b'))?.spec.selector.color).toBe('green');
    expect((await get(second, 'c'))?.metadata.resourceVersion).toBe('4');
    // Deleted since: gone from the new snapshot, whatever the previous one held.
    kube.objects.services = [];
    const third = await ClusterSnapshot.read(
      kube,
      [serviceSelectorStrategy],
      second,
    );
    expect(await get(third, 'a')).toBeUndefined();
  });

  it('answers an item sent again byte for byte with its entry, without parsing it', async () => {
    // A client that digests items, as the plugin's HTTP client does (see `ListOptions.reuse`).
    let sent: string[] = [];
    const parsed: string[] = [];
    const digesting = {
      ...new FakeKube('c'),
      cluster: 'c',
      async list(resource: { plural: string }, _ns: unknown, options: any) {
        if (resource.plural !== 'services') return { items: [], digests: [] };
        const items = sent.map(
          json =>
            options.reuse.get(json) ?? (parsed.push(json) && JSON.parse(json)),
        );
        return { items, digests: [...sent] };
      },
    } as any;
    const service = (name: string, color: string) =>
      JSON.stringify({
        metadata: { name, namespace: 'default' },
        spec: { selector: { app: name, color } },
      });
    sent = [service('a', 'blue'), service('b', 'blue')];
    const first = await ClusterSnapshot.read(digesting, [
      serviceSelectorStrategy,
    ]);
    sent = [service('a', 'blue'), service('b', 'green')];
    parsed.length = 0;
    const second = await ClusterSnapshot.read(
      digesting,
      [serviceSelectorStrategy],
      first,
    );
    expect(parsed).toEqual([service('b', 'green')]);
    expect(entry(second, 'a')).toBe(entry(first, 'a'));
    expect(entry(second, 'b')).not.toBe(entry(first, 'b'));
    expect(
      (await second.get(KUBE_RESOURCES.services, 'default', 'b'))?.spec.selector
        .color,
    ).toBe('green');
    expect(
      (await second.get(KUBE_RESOURCES.services, 'default', 'a'))?.kind,
    ).toBe('Service');
  });
});
