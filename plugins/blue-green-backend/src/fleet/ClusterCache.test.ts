import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { KubernetesGateway } from '@bluegreen-backstage/plugin-blue-green-node';
import { serviceSelectorStrategy } from '../strategies/serviceSelector/serviceSelectorStrategy';
import { ScriptedKube, service } from '../__testUtils__/ScriptedKube';
import { ClusterCache } from './ClusterCache';

const strategies = [serviceSelectorStrategy];
const credentials = mockCredentials.user();

function cacheOf(
  kube: ScriptedKube,
  options: { watch?: boolean; shared?: boolean } = {},
) {
  const logger = mockServices.logger.mock();
  const gateway = {
    readsAreShared: async () => options.shared ?? true,
    client: async () => kube,
  } as unknown as KubernetesGateway;
  const cache = new ClusterCache({
    gateway,
    logger,
    config: {
      cacheTtlMs: 10_000,
      clusterTimeoutMs: 1000,
      watch: options.watch ?? true,
    },
  });
  const read = async (refresh: boolean) => {
    const result = await cache.read('test', strategies, credentials, refresh);
    if (!result.ok) throw new Error(result.error);
    return result.snapshot;
  };
  return { cache, logger, read };
}

const until = async (what: string, check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 10));
  }
};

describe('ClusterCache', () => {
  it('lists a cluster once, then answers every call from its watches; a refresh asks for one item', async () => {
    const kube = new ScriptedKube();
    const { cache, read } = cacheOf(kube);
    await read(true);
    expect(kube.lists).toEqual(['services', 'deployments']);
    expect(kube.open('services')).toHaveLength(1);

    kube.open('services')[0].onEvent({
      type: 'MODIFIED',
      object: service('a', '6'),
    });
    const cached = await read(false);
    expect(
      cached.lookup(
        serviceSelectorStrategy.fleetLists[0].resource,
        'default',
        'a',
      )?.metadata.resourceVersion,
    ).toBe('6');
    await read(true);
    expect(kube.lists).toEqual(['services', 'deployments', 'services?limit=1']);
    cache.close();
    expect(kube.open('services')).toEqual([]);
  });

  it('lists again after a change made through the plugin, and watches from that list', async () => {
    const kube = new ScriptedKube();
    const { cache, read } = cacheOf(kube);
    await read(true);
    cache.invalidate('test');
    expect(kube.open('services')).toEqual([]);
    await read(false);
    expect(kube.lists).toEqual([
      'services',
      'deployments',
      'services',
      'deployments',
    ]);
    expect(kube.open('services')).toHaveLength(1);
    cache.close();
  });

  it('lists a cluster that refuses the watch verb on each refresh, and says what to grant', async () => {
    const kube = new ScriptedKube();
    kube.refuseWatches = true;
    const { cache, logger, read } = cacheOf(kube);
    await read(true);
    await until(
      'the refusal',
      () => (logger.warn as jest.Mock).mock.calls.length > 0,
    );
    expect((logger.warn as jest.Mock).mock.calls[0][0]).toMatch(
      /refused to be watched.*grant the watch verb/,
    );
    const watchesBefore = kube.watches.length;
    await read(true);
    expect(kube.lists).toEqual([
      'services',
      'deployments',
      'services',
      'deployments',
    ]);
    // Not asked to be watched again for a while.
    expect(kube.watches).toHaveLength(watchesBefore);
    cache.close();
  });

  it('does not watch with fleet.watch off, nor a cluster read with each user’s own token', async () => {
    for (const options of [{ watch: false }, { shared: false }]) {
      const kube = new ScriptedKube();
      const { read } = cacheOf(kube, options);
      await read(true);
      await read(true);
      expect(kube.watches).toEqual([]);
      expect(kube.lists).toHaveLength(4);
    }
  });

  it('starts no watch from a list that answers after the backend began stopping', async () => {
    const kube = new ScriptedKube();
    const { cache, read } = cacheOf(kube);
    const reading = read(true);
    cache.close();
    await reading;
    expect(kube.watches).toEqual([]);
  });
});
