import { ConflictError } from '@backstage/errors';
import {
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { ScriptedKube, service } from '../__testUtils__/ScriptedKube';
import { serviceSelectorStrategy } from '../strategies/serviceSelector/serviceSelectorStrategy';
import { ClusterSnapshot, listCallsFor } from './ClusterSnapshot';
import { ClusterWatch, WatchEnd } from './ClusterWatch';

async function following(
  options: { idleMs?: number; unserved?: string[] } = {},
) {
  const kube = new ScriptedKube();
  kube.unserved = new Set(options.unserved);
  const client = kube as unknown as KubeClient;
  const snapshot = await ClusterSnapshot.read(client, [
    serviceSelectorStrategy,
  ]);
  const ends: WatchEnd[] = [];
  const watch = ClusterWatch.follow(
    client,
    snapshot,
    listCallsFor([serviceSelectorStrategy]),
    {
      timeoutSeconds: 300,
      idleMs: options.idleMs ?? 60_000,
      onEnd: end => ends.push(end),
    },
  )!;
  return { kube, snapshot, watch, ends };
}

const until = async (what: string, check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 10));
  }
};

const services = KUBE_RESOURCES.services;

describe('ClusterWatch', () => {
  it('watches each listed kind from the resourceVersion its list answered', async () => {
    const { kube, watch } = await following();
    expect(kube.watches.map(w => [w.plural, w.resourceVersion])).toEqual([
      ['services', '5'],
      ['deployments', '5'],
    ]);
    watch.stop();
  });

  it('does not watch a kind of an API group the cluster does not serve', async () => {
    const { kube, watch } = await following({ unserved: ['deployments'] });
    expect(kube.watches.map(w => w.plural)).toEqual(['services']);
    expect(watch.following).toBe(true);
    watch.stop();
  });

  it("applies the changes when asked, keeping every unchanged object and leaving the list's snapshot as it was", async () => {
    const { kube, snapshot, watch } = await following();
    const [services_] = kube.open('services');
    const c = snapshot.entry(services, 'shop', 'c');
    services_.onEvent({ type: 'MODIFIED', object: service('b', '6') });
    services_.onEvent({ type: 'ADDED', object: service('d', '7') });
    services_.onEvent({ type: 'DELETED', object: service('a', '8') });
    services_.onEvent({ type: 'DELETED', object: service('c', '9', 'shop') });

    const now = watch.current();
    expect(now.select(services, undefined).map(s => s.metadata.name)).toEqual([
      'b',
      'd',
    ]);
    expect(now.lookup(services, 'default', 'b')?.metadata.resourceVersion).toBe(
      '6',
    );
    // The namespace emptied by the last delete is gone from the index.
    expect(now.select(services, 'shop')).toEqual([]);
    // The list's snapshot still answers what was listed.
    expect(
      snapshot.select(services, undefined).map(s => s.metadata.name),
    ).toEqual(['a', 'b', 'c']);
    expect(snapshot.entry(services, 'shop', 'c')).toBe(c);
    // Asked again without changes: the same snapshot.
    expect(watch.current()).toBe(now);
    watch.stop();
  });

  it('keeps the entry of an object no change touched, by identity (the rows are cached on it)', async () => {
    const { kube, snapshot, watch } = await following();
    const c = snapshot.entry(services, 'shop', 'c');
    const a = snapshot.entry(services, 'default', 'a');
    kube.open('services')[0].onEvent({
      type: 'MODIFIED',
      object: service('b', '6'),
    });
    const now = watch.current();
    expect(now.entry(services, 'shop', 'c')).toBe(c);
    expect(now.entry(services, 'default', 'a')).toBe(a);
    expect(now.entry(services, 'default', 'b')).not.toBe(
      snapshot.entry(services, 'default', 'b'),
    );
    watch.stop();
  });

  it('resumes from the last resourceVersion it saw, a bookmark included, when the API server ends a watch', async () => {
    const { kube, watch, ends } = await following();
    const [first] = kube.open('services');
    first.onEvent({ type: 'MODIFIED', object: service('b', '6') });
    first.onEvent({
      type: 'BOOKMARK',
      object: { metadata: { name: '', resourceVersion: '9' } } as KubeObject,
    });
    first.close();
    await until('the next watch', () => kube.open('services').length === 2);
    expect(kube.open('services')[1].resourceVersion).toBe('9');
    expect(watch.following).toBe(true);
    expect(ends).toEqual([]);
    expect(
      watch.current().lookup(services, 'default', 'b')?.metadata
        .resourceVersion,
    ).toBe('6');
    watch.stop();
    expect(ends).toEqual([{ reason: 'stopped' }]);
  });

  it('ends every watch of the cluster when one fails, keeping what it saw until then', async () => {
    const { kube, watch, ends } = await following();
    kube.open('services')[0].onEvent({
      type: 'MODIFIED',
      object: service('b', '6'),
    });
    kube
      .open('deployments')[0]
      .fail(new ConflictError('too old resource version'));
    await until('the end', () => ends.length > 0);
    expect(ends).toEqual([
      {
        reason: 'failed',
        error: new ConflictError('too old resource version'),
      },
    ]);
    expect(watch.following).toBe(false);
    expect(kube.open('services')).toEqual([]);
    expect(
      watch.latest.lookup(services, 'default', 'b')?.metadata.resourceVersion,
    ).toBe('6');
  });

  it('stops following a cluster nobody asked for, instead of resuming', async () => {
    const { kube, watch, ends } = await following({ idleMs: 50 });
    await new Promise(resolve => setTimeout(resolve, 100));
    kube.open('services')[0].close();
    await until('the end', () => ends.length > 0);
    expect(ends).toEqual([{ reason: 'idle' }]);
    expect(watch.following).toBe(false);
    expect(kube.open('deployments')).toEqual([]);
  });

  it('answers whether the cluster still answers, and ends the watches when it does not', async () => {
    const { kube, watch, ends } = await following();
    await expect(watch.answers(1000)).resolves.toBe(true);
    expect(watch.following).toBe(true);
    kube.failLists = true;
    await expect(watch.answers(1000)).resolves.toBe(false);
    expect(watch.following).toBe(false);
    expect(ends[0]).toMatchObject({ reason: 'failed' });
  });
});
