import { databases, migrated } from '../__testUtils__/databases';
import { ChecklistStatusStore } from './ChecklistStatusStore';
import { ScaleDownStore } from './ScaleDownStore';
import { SignOffStore } from './SignOffStore';
import { WatchStore } from './WatchStore';

jest.setTimeout(60_000);

const REF = 'component:default/my-app';

describe('ScaleDownStore', () => {
  it.each(databases.eachSupportedId())(
    'keeps one scale-down per entity, finds the due ones and cancels, on %p',
    async id => {
      const store = new ScaleDownStore(await migrated(id));
      const now = Date.now();
      await store.schedule({
        entityRef: REF,
        color: 'blue',
        replicas: 0,
        dueAt: new Date(now + 60_000),
        historyId: 'h1',
      });
      // A newer promote replaces it.
      await store.schedule({
        entityRef: REF,
        color: 'green',
        replicas: 1,
        dueAt: new Date(now - 1_000),
      });
      await store.schedule({
        entityRef: 'component:default/other',
        color: 'blue',
        replicas: 0,
        dueAt: new Date(now + 60_000),
      });
      expect(await store.scheduled(REF)).toMatchObject({
        color: 'green',
        replicas: 1,
        historyId: undefined,
      });
      expect((await store.due(new Date(now))).map(d => d.entityRef)).toEqual([
        REF,
      ]);
      await store.cancel(REF);
      expect(await store.scheduled(REF)).toBeUndefined();
    },
  );
});

describe('SignOffStore', () => {
  it.each(databases.eachSupportedId())(
    'reads the sign-offs of several versions in one query, replaces and withdraws, on %p',
    async id => {
      const store = new SignOffStore(await migrated(id));
      const green = {
        entityRef: REF,
        color: 'green' as const,
        version: 'v2@x',
      };
      await store.signOff(
        { ...green, itemId: 'smoke-test' },
        { by: 'user:default/alice' },
      );
      await store.signOff(
        { ...green, itemId: 'smoke-test' },
        { by: 'user:default/bob', note: 'again' },
      );
      await store.signOff(
        { entityRef: REF, color: 'blue', version: 'v1@y', itemId: 'contract' },
        { by: 'user:default/carol' },
      );
      // Another version of green starts unsigned.
      await store.signOff(
        { ...green, version: 'v3@z', itemId: 'db-migration' },
        { by: 'user:default/alice' },
      );

      const read = await store.forVersions(REF, [
        { color: 'green', version: 'v2@x' },
        { color: 'blue', version: 'v1@y' },
      ]);
      expect([...read.get('green')!.entries()]).toEqual([
        [
          'smoke-test',
          { by: 'user:default/bob', note: 'again', at: expect.any(String) },
        ],
      ]);
      expect([...read.get('blue')!.keys()]).toEqual(['contract']);
      // One item across every version, before the versions are known.
      const contracts = await store.ofItem(REF, 'contract');
      expect([...contracts.keys()]).toEqual(['blue|v1@y']);
      expect(contracts.get('blue|v1@y')?.by).toBe('user:default/carol');
      expect(await store.withdraw({ ...green, itemId: 'smoke-test' })).toBe(
        true,
      );
      expect(await store.withdraw({ ...green, itemId: 'smoke-test' })).toBe(
        false,
      );
      expect((await store.forVersions(REF, [])).size).toBe(0);
    },
  );
});

describe('WatchStore', () => {
  it.each(databases.eachSupportedId())(
    'runs one watch per entity, saves evaluations while it runs, and lets one replica roll back, on %p',
    async id => {
      const store = new WatchStore(await migrated(id));
      const start = (historyId: string) =>
        store.start({
          entityRef: REF,
          historyId,
          promotedTo: 'green',
          previous: 'blue',
          autoRollback: true,
          durationMs: 300_000,
        });
      const first = await start('h1');
      await new Promise(r => setTimeout(r, 5));
      const second = await start('h2');
      expect((await store.running()).map(w => w.id)).toEqual([second.id]);
      expect((await store.latest(REF))?.id).toBe(second.id);
      expect(
        new Date(second.endsAt).getTime() -
          new Date(second.startedAt).getTime(),
      ).toBe(300_000);

      const criteria = [
        {
          id: 'error-rate',
          title: '5xx',
          action: 'rollback' as const,
          status: 'fail' as const,
          firing: false,
        },
      ];
      expect(
        await store.saveEvaluation(second.id, {
          criteria,
          failingSince: { 'error-rate': '2026-01-01T00:00:00.000Z' },
          notified: ['cpu'],
        }),
      ).toBe(true);
      expect(
        await store.saveEvaluation(first.id, {
          criteria,
          failingSince: {},
          notified: [],
        }),
      ).toBe(false);
      expect(await store.latest(REF)).toMatchObject({
        criteria,
        failingSince: { 'error-rate': '2026-01-01T00:00:00.000Z' },
        notified: ['cpu'],
        lastEvaluatedAt: expect.any(String),
      });

      expect(await store.claimRollback(second.id)).toBe(true);
      expect(await store.claimRollback(second.id)).toBe(false);
      // Rolling back still reads as running.
      expect((await store.latest(REF))?.state).toBe('running');
      await store.finishRollback(
        second.id,
        'rolled-back',
        'rolled back to blue',
      );
      const latest = await store.latestOf([REF, 'component:default/none']);
      expect([...latest.keys()]).toEqual([REF]);
      expect(latest.get(REF)).toMatchObject({
        state: 'rolled-back',
        result: 'rolled back to blue',
      });
    },
  );
});

describe('ChecklistStatusStore', () => {
  it.each(databases.eachSupportedId())(
    "keeps each entity's last pre-deploy result, for the fleet, on %p",
    async id => {
      const store = new ChecklistStatusStore(await migrated(id));
      await store.save({
        entityRef: REF,
        color: 'green',
        version: 'v2@x',
        status: 'pending',
      });
      await store.save({
        entityRef: REF,
        color: 'blue',
        version: 'v1@y',
        status: 'pass',
      });
      const results = await store.forEntities([REF, 'component:default/none']);
      expect([...results.values()]).toEqual([
        {
          entityRef: REF,
          color: 'blue',
          version: 'v1@y',
          status: 'pass',
          evaluatedAt: expect.any(String),
        },
      ]);
    },
  );
});
