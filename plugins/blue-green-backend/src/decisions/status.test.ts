import { HistoryEntry } from '@bluegreen-backstage/plugin-blue-green-common';
import { deciding, snapshot, TARGET } from '../__testUtils__/snapshots';
import { versionKey } from './revision';
import { composeStatus } from './status';

const inProgress: HistoryEntry = {
  id: 'h',
  entityRef: 'component:default/my-app',
  action: 'scale',
  actor: 'user:default/alice',
  forced: false,
  outcome: 'in-progress',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('composeStatus', () => {
  const base = {
    entityRef: 'component:default/my-app',
    target: TARGET,
    strategy: deciding(),
    cluster: 'sandbox',
  };

  it("sends the strategy's capabilities and facts, so clients need not know its name", () => {
    const status = composeStatus({
      ...base,
      snapshot: snapshot({
        facts: [{ label: 'service', value: 'my-app' }],
        trafficControls: { mirror: { color: 'green', percent: 10 } },
      }),
      facts: {},
    });
    expect(status).toMatchObject({
      strategy: 'service-selector',
      capabilities: { scale: true, steppedShift: false },
      facts: [{ label: 'service', value: 'my-app' }],
      trafficControls: { mirror: { color: 'green', percent: 10 } },
      cluster: 'sandbox',
      namespace: 'default',
      live: 'blue',
      promote: { allowed: true, target: 'green' },
    });
    expect(status.revision).toHaveLength(16);
  });

  it("decides with the history's and the checklists' facts", () => {
    const status = composeStatus({
      ...base,
      snapshot: snapshot(),
      facts: {
        inProgress,
        scaleDown: {
          entityRef: base.entityRef,
          color: 'green',
          replicas: 0,
          dueAt: new Date('2026-01-01T00:01:00.000Z'),
        },
      },
      checks: { promote: ['sign-off missing: Smoke test'], rollback: [] },
    });
    expect(status.promote.allowed).toBe(false);
    expect(status.promote.reasons).toContain('sign-off missing: Smoke test');
    expect(status.inProgress).toBe(inProgress);
    expect(status.scaleDown).toEqual({
      color: 'green',
      replicas: 0,
      at: '2026-01-01T00:01:00.000Z',
    });
  });

  it('names a rolled-back idle version as failed and wants force to promote it again', () => {
    const snap = snapshot();
    const failed = {
      versionKey: versionKey(snap, 'green'),
      color: 'green' as const,
      version: 'v2',
      images: ['my-app:v2'],
      reason: 'automatic rollback: 5xx ratio 5 %',
      historyId: 'h1',
      by: 'plugin:blue-green',
      at: '2026-01-01T00:00:00.000Z',
    };
    const status = composeStatus({
      ...base,
      strategy: deciding({ deploy: async () => undefined }),
      snapshot: snap,
      facts: { failedVersions: [failed] },
    });
    expect(status.failedVersion).toMatchObject({
      color: 'green',
      version: 'v2',
      reason: 'automatic rollback: 5xx ratio 5 %',
      historyId: 'h1',
    });
    expect(status.promote).toMatchObject({
      allowed: false,
      forceable: true,
      reasons: [expect.stringContaining('v2 on green was rolled back')],
    });
    expect(status.capabilities.deploy).toBe(true);
    expect(status.deploy).toMatchObject({ allowed: true, target: 'green' });

    // A new version on green is not the failed one.
    const redeployed = snapshot();
    redeployed.colors.green = {
      ...redeployed.colors.green,
      version: 'v3',
      images: ['my-app:v3'],
    };
    const fresh = composeStatus({
      ...base,
      snapshot: redeployed,
      facts: { failedVersions: [failed] },
    });
    expect(fresh.failedVersion).toBeUndefined();
    expect(fresh.promote.allowed).toBe(true);
    expect(fresh.capabilities.deploy).toBe(false);
    expect(fresh.deploy).toBeUndefined();
  });
});
