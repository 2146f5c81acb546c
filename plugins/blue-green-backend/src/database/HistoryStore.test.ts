import { databases, migrated } from '../__testUtils__/databases';
import { HistoryStore } from './HistoryStore';

jest.setTimeout(60_000);

describe('HistoryStore.fleetFacts', () => {
  it.each(databases.eachSupportedId())(
    'gives each entity its last succeeded switch and its running operation, on %p',
    async id => {
      const store = new HistoryStore(await migrated(id));
      const entry = (entityRef: string, action: any) => ({
        entityRef,
        action,
        actor: 'user:default/alice',
        forced: false,
        to: 'green' as const,
      });
      await store.record(entry('component:default/a', 'promote'), 'succeeded');
      await new Promise(r => setTimeout(r, 5));
      await store.record(
        { ...entry('component:default/a', 'rollback'), to: 'blue' },
        'succeeded',
      );
      await store.record(entry('component:default/a', 'promote'), 'refused');
      await store.record(entry('component:default/a', 'scale'), 'succeeded');
      await store.record(entry('component:default/b', 'promote'), 'failed');
      const running = await store.start(
        entry('component:default/b', 'promote'),
      );

      const facts = await store.fleetFacts();

      expect([...facts.lastSwitches.keys()]).toEqual(['component:default/a']);
      expect(facts.lastSwitches.get('component:default/a')).toMatchObject({
        action: 'rollback',
        to: 'blue',
      });
      expect([...facts.inProgress.keys()]).toEqual(['component:default/b']);
      expect(facts.inProgress.get('component:default/b')!.id).toBe(running.id);
    },
  );
});

describe('HistoryStore.lastSwitch', () => {
  it.each(databases.eachSupportedId())(
    'is the last succeeded switch, or with attempts the last one that may have written, on %p',
    async id => {
      const store = new HistoryStore(await migrated(id));
      const ref = 'component:default/mesh';
      const entry = (to: 'blue' | 'green') => ({
        entityRef: ref,
        action: 'promote' as const,
        actor: 'user:default/bob',
        forced: false,
        to,
      });
      await store.record(entry('blue'), 'succeeded');
      await new Promise(r => setTimeout(r, 5));
      await store.record(entry('green'), 'failed');
      await new Promise(r => setTimeout(r, 5));
      // A refusal wrote nothing, so it says nothing about where traffic was heading.
      await store.record(entry('blue'), 'refused');

      expect((await store.lastSwitch(ref))?.to).toBe('blue');
      expect((await store.lastSwitch(ref, { attempts: true }))?.to).toBe(
        'green',
      );
    },
  );
});

describe('HistoryStore.finish', () => {
  it.each(databases.eachSupportedId())(
    'returns the entry exactly as a later read shows it, details merged, on %p',
    async id => {
      const store = new HistoryStore(await migrated(id));
      const started = await store.start({
        entityRef: 'component:default/a',
        action: 'promote',
        actor: 'user:default/alice',
        forced: false,
        from: 'blue',
        to: 'green',
        reason: 'release',
        details: { strategy: 'service-selector', revision: 'r1' },
      });

      const finished = await store.finish(started, {
        outcome: 'succeeded',
        details: { verification: { verified: true } },
      });

      expect(finished).toMatchObject({
        id: started.id,
        outcome: 'succeeded',
        createdAt: started.createdAt,
        details: {
          strategy: 'service-selector',
          revision: 'r1',
          verification: { verified: true },
        },
      });
      expect(finished.finishedAt).toEqual(expect.any(String));
      expect(finished.error).toBeUndefined();
      const { items } = await store.list('component:default/a', { limit: 5 });
      expect(items).toEqual([finished]);
      expect(await store.lastSwitch('component:default/a')).toEqual(finished);
      await expect(
        store.finish({ ...started, id: 'missing' }, { outcome: 'failed' }),
      ).rejects.toThrow('history entry missing does not exist');
    },
  );
});
