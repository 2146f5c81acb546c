import * as fixtures from '../../testing/fixtures';
import { criterionText, isStarting, summarize } from './summary';

const NOW = Date.now();

describe('summarize', () => {
  it('idle ready: names the version and offers the promote', () => {
    const s = summarize(fixtures.status(), fixtures.checklist(), undefined);
    expect(s.idle).toMatchObject({
      tone: 'ok',
      text: 'green v1.1.0 is ready: 3/3 pods, checks pass',
    });
    expect(s.last.text).toBe('no switch yet');
    expect(s.next).toEqual({ kind: 'promote', text: 'Promote green v1.1.0' });
  });

  it('checks missing: counts the sign-offs and signs them off next', () => {
    const s = summarize(
      fixtures.status(),
      fixtures.checklistAwaitingSignOff(),
      undefined,
    );
    expect(s.idle).toMatchObject({
      tone: 'warning',
      text: 'green v1.1.0 is waiting for 1 sign-off',
      details: 'checklist',
    });
    expect(s.next).toEqual({
      kind: 'sign-off',
      text: 'Sign off 1 item',
      items: ['smoke-test'],
    });
  });

  it('a failing check is the one reason, with its value and threshold', () => {
    const checklist = fixtures.checklist();
    checklist.items = checklist.items.map(i =>
      i.id === 'cpu' ? { ...i, status: 'fail', observed: '93 %' } : i,
    );
    const s = summarize(fixtures.status(), checklist, undefined);
    expect(s.idle.tone).toBe('error');
    expect(s.idle.text).toMatch(
      /^green v1.1.0 not ready: .* fails \(93 %, needs < 80 %\)$/,
    );
    expect(s.next).toEqual({
      kind: 'open',
      text: 'See why',
      details: 'checklist',
    });
  });

  it('pods creating their containers are progress, a crash loop is the reason', () => {
    const starting = fixtures.colorStatus('green', { readyPods: 1 });
    starting.pods = starting.pods.map(p =>
      p.ready
        ? p
        : { ...p, phase: 'Pending', waitingReason: 'ContainerCreating' },
    );
    let s = summarize(
      fixtures.status({
        colors: {
          blue: fixtures.colorStatus('blue', { role: 'live' }),
          green: starting,
        },
      }),
      fixtures.checklist(),
      undefined,
    );
    expect(s.idle).toMatchObject({
      tone: 'running',
      text: 'green v1.1.0 starting: 1/3 ready (ContainerCreating)',
    });
    expect(s.next.kind).toBe('none');

    const crashing = {
      ...starting,
      pods: starting.pods.map(p =>
        p.ready
          ? p
          : {
              ...p,
              phase: 'Running',
              waitingReason: 'CrashLoopBackOff',
              restarts: 4,
            },
      ),
    };
    s = summarize(
      fixtures.status({
        colors: {
          blue: fixtures.colorStatus('blue', { role: 'live' }),
          green: crashing,
        },
      }),
      fixtures.checklist(),
      undefined,
    );
    expect(s.idle.tone).toBe('error');
    expect(s.idle.text).toMatch(/not ready: 1\/3, CrashLoopBackOff on /);
  });

  it('a color scaled to 0 is scaled up next', () => {
    const green = fixtures.colorStatus('green', { readyPods: 0 });
    green.replicas = { desired: 0, ready: 0, available: 0 };
    green.pods = [];
    const s = summarize(
      fixtures.status({
        colors: { blue: fixtures.colorStatus('blue', { role: 'live' }), green },
      }),
      fixtures.checklist(),
      undefined,
    );
    expect(s.idle.text).toBe('green v1.1.0 is scaled to 0');
    expect(s.next).toEqual({ kind: 'scale', text: 'Scale green up' });
  });

  it('a version that was rolled back reads as such, not as ready; a new one is next', () => {
    const failedVersion = {
      color: 'green' as const,
      version: 'v1.1.0',
      images: ['my-app:v1.1.0'],
      reason: 'automatic rollback: 5xx ratio 4.8 %',
      historyId: 'h9',
      by: 'blue-green-watch',
      at: new Date(NOW).toISOString(),
    };
    const s = summarize(
      fixtures.status({ failedVersion }),
      fixtures.checklist(),
      undefined,
    );
    expect(s.idle).toMatchObject({
      tone: 'error',
      text: 'green v1.1.0 was rolled back: automatic rollback: 5xx ratio 4.8 %',
    });
    expect(s.next).toEqual({
      kind: 'deploy',
      text: 'Deploy a fixed version to green',
    });
    // Scaled to 0, it is scaled up first (the answer and its next action agree).
    const green = fixtures.colorStatus('green', { readyPods: 0 });
    green.replicas = { desired: 0, ready: 0, available: 0 };
    green.pods = [];
    const scaled = summarize(
      fixtures.status({
        failedVersion,
        colors: { blue: fixtures.colorStatus('blue', { role: 'live' }), green },
      }),
      fixtures.checklist(),
      undefined,
    );
    expect(scaled.next).toEqual({ kind: 'scale', text: 'Scale green up' });
  });

  it('watch running: time left, and follow it next', () => {
    const s = summarize(
      fixtures.promotedStatus(fixtures.watch()),
      undefined,
      undefined,
      NOW,
    );
    expect(s.last).toMatchObject({
      tone: 'running',
      text: 'promoted to green; watching, about 4 min left, no criterion failing',
      details: 'watch',
    });
    expect(s.next).toEqual({
      kind: 'open',
      text: 'Follow the watch',
      details: 'watch',
    });
    // The previous color is the way back while the watch runs, not a release waiting for checks.
    expect(s.idle.text).toBe(
      'blue v1.0.0 stands by for a rollback: 3/3 pods ready',
    );
  });

  it('watch failing: the criterion against its threshold, and roll back now next', () => {
    const watch = fixtures.watch();
    watch.criteria = watch.criteria.map(c =>
      c.id === 'error-rate' ? { ...c, status: 'fail', observed: '2.2 %' } : c,
    );
    const s = summarize(
      fixtures.promotedStatus(watch),
      undefined,
      undefined,
      NOW,
    );
    expect(s.last).toMatchObject({
      tone: 'error',
      text: 'watch failing on green: 5xx rate 2.2 % > 1 % (rolling back automatically)',
    });
    expect(s.next).toEqual({ kind: 'rollback', text: 'Roll back to blue now' });
  });

  it('rolled back automatically: says why, and a new version is next', () => {
    const watch = fixtures.watch({ state: 'rolled-back' });
    watch.criteria = watch.criteria.map(c =>
      c.id === 'error-rate'
        ? { ...c, status: 'fail', observed: '2.2 %', firing: true }
        : c,
    );
    // The automatic rollback marked green's version failed.
    const failedVersion = {
      color: 'green' as const,
      version: 'v1.1.0',
      images: ['my-app:v1.1.0'],
      reason: 'automatic rollback: 5xx rate 2.2 %',
      historyId: 'h9',
      by: 'blue-green-watch',
      at: new Date(NOW).toISOString(),
    };
    const s = summarize(
      fixtures.status({ watch, failedVersion }),
      fixtures.checklist(),
      undefined,
    );
    expect(s.last).toMatchObject({
      tone: 'error',
      text: 'green rolled back automatically: 5xx rate 2.2 % > 1 %',
    });
    expect(s.next).toEqual({
      kind: 'deploy',
      text: 'Deploy a fixed version to green',
    });
  });

  it('a rollback by hand after the watch is what happened last', () => {
    const watch = fixtures.watch({
      state: 'passed',
      startedAt: new Date(NOW - 600_000).toISOString(),
    });
    const [entry] = fixtures.history([
      {
        action: 'rollback',
        from: 'green',
        to: 'blue',
        actor: 'user:default/bob',
      },
    ]);
    const s = summarize(
      fixtures.status({ watch }),
      fixtures.checklist(),
      entry,
    );
    expect(s.last.text).toBe(
      'rolled back to blue by user:default/bob (succeeded)',
    );
  });

  it('without a watch, the last switch from the history', () => {
    const [entry] = fixtures.history([
      {
        action: 'rollback',
        from: 'green',
        to: 'blue',
        actor: 'user:default/alice',
      },
    ]);
    const s = summarize(fixtures.status(), fixtures.checklist(), entry);
    expect(s.last.text).toBe(
      'rolled back to blue by user:default/alice (succeeded)',
    );
  });
});

describe('criterionText', () => {
  it('reads the trip condition of the backend criteria', () => {
    expect(
      criterionText({
        id: 'error-rate',
        title: '5xx ratio above the rollback threshold',
        action: 'rollback',
        status: 'fail',
        observed: '2.22 %',
        threshold: '> 1.00 % sustained',
        firing: true,
      }),
    ).toBe('5xx ratio 2.22 % > 1.00 % sustained');
    expect(
      criterionText({
        id: 'oom',
        title: 'Containers OOMKilled',
        action: 'rollback',
        status: 'fail',
        observed: '1 container',
        threshold: 'any',
        firing: true,
      }),
    ).toBe('Containers OOMKilled: 1 container');
  });
});

describe('isStarting', () => {
  it('tells a pod on its way from a stuck one', () => {
    const base = { name: 'p', ready: false, restarts: 0 };
    expect(
      isStarting({
        ...base,
        phase: 'Pending',
        waitingReason: 'ContainerCreating',
      }),
    ).toBe(true);
    expect(isStarting({ ...base, phase: 'Pending' })).toBe(true);
    expect(isStarting({ ...base, phase: 'Running' })).toBe(true);
    expect(
      isStarting({
        ...base,
        phase: 'Pending',
        waitingReason: 'ImagePullBackOff',
      }),
    ).toBe(false);
    expect(isStarting({ ...base, phase: 'Running', restarts: 3 })).toBe(false);
    expect(isStarting({ ...base, ready: true, phase: 'Running' })).toBe(false);
  });
});
