import { HistoryEntry } from '@bluegreen-backstage/plugin-blue-green-common';
import { color, deciding, snapshot } from '../__testUtils__/snapshots';
import { versionKey } from './revision';
import {
  decideActions,
  readinessReasons,
  rollbackTargetReasons,
  targets,
} from './switchDecision';

const lastSwitch = (to: 'blue' | 'green'): HistoryEntry => ({
  id: '1',
  entityRef: 'component:default/my-app',
  action: 'promote',
  to,
  actor: 'user:default/alice',
  forced: false,
  outcome: 'succeeded',
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('targets', () => {
  it('sends promote and rollback to the idle color while one color is live', () => {
    expect(targets(snapshot({ live: 'blue' }), undefined)).toEqual({
      promote: 'green',
      rollback: 'green',
    });
  });

  it('mid-shift, promote finishes where the last switch was heading and rollback undoes it', () => {
    expect(targets(snapshot({ live: 'split' }), lastSwitch('blue'))).toEqual({
      promote: 'blue',
      rollback: 'green',
    });
    const heavierGreen = snapshot({
      live: 'split',
      colors: {
        blue: color('blue', { role: 'split', weight: 10 }),
        green: color('green', { role: 'split', weight: 90 }),
      },
    });
    expect(targets(heavierGreen, undefined).promote).toBe('green');
  });

  it('has nowhere to go when no color takes traffic', () => {
    expect(targets(snapshot({ live: 'none' }), undefined)).toEqual({});
  });
});

describe('readinessReasons', () => {
  it('names the pods that are not ready', () => {
    const s = snapshot({
      colors: {
        blue: color('blue', { role: 'live' }),
        green: color('green', { desired: 3, ready: 1 }),
      },
    });
    expect(readinessReasons(s, 'green')).toEqual([
      'green is not ready: 1/3 replicas ready (my-app-green-1: ContainersNotReady; my-app-green-2: ContainersNotReady)',
    ]);
    expect(readinessReasons(s, 'blue')).toEqual([]);
  });

  it('refuses a color scaled to zero or without a workload', () => {
    const s = snapshot({
      colors: {
        blue: { ...color('blue'), workload: undefined },
        green: color('green', { desired: 0 }),
      },
    });
    expect(readinessReasons(s, 'blue')).toEqual(['blue has no workload']);
    expect(readinessReasons(s, 'green')).toEqual([
      'green is scaled to 0 replicas',
    ]);
  });
});

/** The promote that made blue live, replacing green as it runs in `snapshot()`. */
const promotedBlue: HistoryEntry = {
  ...lastSwitch('blue'),
  from: 'green',
  details: { versions: { green: versionKey(snapshot(), 'green') } },
};

describe('decideActions', () => {
  const strategy = deciding();

  it('allows both switches when the target is ready and nothing blocks', () => {
    const d = decideActions({
      snapshot: snapshot(),
      strategy,
      lastSwitch: promotedBlue,
    });
    expect(d.promote).toEqual({
      allowed: true,
      target: 'green',
      reasons: [],
      forceable: false,
    });
    expect(d.rollback.allowed).toBe(true);
  });

  it('lets failing checks and readiness be forced, a running switch not', () => {
    const notReady = snapshot({
      colors: {
        blue: color('blue', { role: 'live' }),
        green: color('green', { ready: 0 }),
      },
    });
    const forced = decideActions({
      snapshot: notReady,
      strategy,
      checkReasons: ['check fail: Health endpoint (health-endpoint)'],
    });
    expect(forced.promote).toMatchObject({ allowed: false, forceable: true });
    expect(forced.promote.reasons).toHaveLength(2);

    const running = decideActions({
      snapshot: snapshot(),
      strategy,
      inProgress: { ...lastSwitch('green'), outcome: 'in-progress' },
    });
    expect(running.promote.forceable).toBe(false);
    expect(running.promote.reasons[0]).toMatch(
      /^a promote by .* is in progress/,
    );
  });

  it("adds the strategy's refusals, which cannot be forced", () => {
    const d = decideActions({
      snapshot: snapshot(),
      strategy: deciding({ refusals: () => ['no new revision is waiting'] }),
      checkReasons: ['sign-off missing'],
    });
    expect(d.promote).toMatchObject({ allowed: false, forceable: false });
  });

  it('does not ask a rollback target to be ready when the strategy brings it back itself', () => {
    const idleDown = snapshot({
      colors: {
        blue: color('blue', { role: 'live' }),
        green: color('green', { desired: 0 }),
      },
    });
    expect(
      decideActions({ snapshot: idleDown, strategy, lastSwitch: promotedBlue })
        .rollback.allowed,
    ).toBe(false);
    const selfHealing = deciding({
      capabilities: {
        ...strategy.capabilities,
        rollbackNeedsReadyTarget: false,
      },
    });
    expect(
      decideActions({
        snapshot: idleDown,
        strategy: selfHealing,
        lastSwitch: promotedBlue,
      }).rollback.allowed,
    ).toBe(true);
  });

  it('blocks rollback by a signed-off contract phase, forceably', () => {
    const d = decideActions({
      snapshot: snapshot(),
      strategy,
      rollbackReasons: ['the database contract phase of blue was signed off'],
    });
    expect(d.rollback).toMatchObject({ allowed: false, forceable: true });
  });

  it('explains that nothing can be switched when no color takes traffic', () => {
    const d = decideActions({
      snapshot: snapshot({
        live: 'none',
        problems: ['Service my-app does not exist'],
      }),
      strategy,
    });
    expect(d.promote).toEqual({
      allowed: false,
      reasons: ['Service my-app does not exist'],
      forceable: false,
    });
  });
});

describe('rollbackTargetReasons', () => {
  const strategy = deciding();
  const reasons = (
    last: HistoryEntry | undefined,
    options: { snapshot?: ReturnType<typeof snapshot>; argo?: boolean } = {},
  ) => {
    const s = options.snapshot ?? snapshot();
    return rollbackTargetReasons({
      snapshot: s,
      strategy: options.argo
        ? deciding({ previousLive: () => 'green' })
        : strategy,
      lastSwitch: last,
      to: 'green',
      version: versionKey(s, 'green'),
    });
  };

  it('goes back to the color and version the last promote replaced', () => {
    expect(reasons(promotedBlue)).toEqual([]);
    // An entry written before versions were recorded: the color is all it can say.
    expect(reasons({ ...promotedBlue, details: {} })).toEqual([]);
  });

  it('refuses a color that was never live', () => {
    expect(reasons(undefined)).toEqual([
      'green (v2) was never live before blue: the history has no switch that made it live; promote green instead (with its checks), or force the rollback',
    ]);
    // The last switch went to green, yet blue is live: someone switched by hand since.
    expect(reasons({ ...promotedBlue, to: 'green', from: 'blue' })).toEqual([
      expect.stringContaining(
        'the last switch in the history went to green, so blue was made live outside Blue/Green',
      ),
    ]);
  });

  it('refuses to bring back a color that was rolled back', () => {
    expect(
      reasons({ ...promotedBlue, action: 'auto-rollback', actor: 'plugin' }),
    ).toEqual([
      'green (v2) was rolled back by plugin at 2026-01-01T00:00:00.000Z; promote green instead (with its checks), or force the rollback',
    ]);
  });

  it('refuses a color whose version changed since it was live', () => {
    const changed = snapshot({
      colors: {
        blue: color('blue', { role: 'live' }),
        green: color('green', { version: 'v3' }),
      },
    });
    expect(reasons(promotedBlue, { snapshot: changed })).toEqual([
      'green changed since it was live (before the promote at 2026-01-01T00:00:00.000Z): it runs v3 now, not v2; promote green instead (with its checks), or force the rollback',
    ]);
    const rebuilt = snapshot({
      colors: {
        blue: color('blue', { role: 'live' }),
        green: { ...color('green'), images: ['my-app:v2-rebuilt'] },
      },
    });
    expect(reasons(promotedBlue, { snapshot: rebuilt })[0]).toContain(
      'v2 was rebuilt (its images changed)',
    );
  });

  it("takes the strategy's own record of what was live", () => {
    expect(reasons(undefined, { argo: true })).toEqual([]);
  });

  it('leaves a split to the shift it undoes', () => {
    expect(
      reasons(undefined, { snapshot: snapshot({ live: 'split' }) }),
    ).toEqual([]);
  });
});
