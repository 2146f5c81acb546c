import { statusOf } from './rows';

describe('statusOf', () => {
  const colors = {
    blue: {
      role: 'live' as const,
      weight: 100,
      version: 'v1',
      replicas: { desired: 3, ready: 3 },
    },
    green: {
      role: 'idle' as const,
      weight: 0,
      version: 'v1',
      replicas: { desired: 3, ready: 3 },
    },
  };
  const base = {
    live: 'blue' as const,
    colors,
    problems: [],
    promotable: true,
    checksRequired: true,
  };
  /** green runs another version than the live blue */
  const candidate = {
    ...base,
    colors: { ...colors, green: { ...colors.green, version: 'v2' } },
  };
  const switched = (action: 'promote' | 'auto-rollback') => ({
    action,
    actor: 'a',
    from: 'green' as const,
    to: 'blue' as const,
    outcome: 'succeeded' as const,
    createdAt: '',
  });

  it('says stable when both colors run the same version', () => {
    expect(statusOf(base)).toBe('stable');
  });

  it('says ready to promote (waiting) only when the pre-deploy checks of the idle version pass', () => {
    expect(statusOf({ ...candidate, preDeploy: 'pass' })).toBe('waiting');
    expect(statusOf({ ...candidate, preDeploy: 'pending' })).toBe(
      'checks-pending',
    );
    // Never evaluated for this version: not known to pass.
    expect(statusOf(candidate)).toBe('checks-pending');
    // Not ready (promote not possible): pending whatever the checks say.
    expect(
      statusOf({ ...candidate, preDeploy: 'pass', promotable: false }),
    ).toBe('checks-pending');
  });

  it('says waiting without a checklist when promote does not require the checks', () => {
    expect(statusOf({ ...candidate, checksRequired: false })).toBe('waiting');
  });

  it('says checks failing when the pre-deploy checks of the idle version fail', () => {
    expect(statusOf({ ...candidate, preDeploy: 'fail' })).toBe(
      'checks-failing',
    );
  });

  it('does not call the color traffic just left waiting', () => {
    expect(
      statusOf({
        ...candidate,
        preDeploy: 'pass',
        lastSwitch: switched('promote'),
      }),
    ).toBe('stable');
  });

  it('says rolled back after an automatic rollback, until the next switch', () => {
    const rolledBack = {
      ...candidate,
      preDeploy: 'pass' as const,
      lastSwitch: switched('auto-rollback'),
      watch: {
        state: 'rolled-back' as const,
        promotedTo: 'green' as const,
        previous: 'blue' as const,
        startedAt: '',
        endsAt: '',
        autoRollback: true,
      },
    };
    expect(statusOf(rolledBack)).toBe('rolled-back');
    expect(
      statusOf({ ...rolledBack, lastSwitch: switched('promote') }),
    ).not.toBe('rolled-back');
  });

  it('says failing when a rollback criterion fires or the live color lacks ready replicas', () => {
    expect(statusOf({ ...base, firing: ['5xx ratio'] })).toBe('failing');
    expect(
      statusOf({
        ...base,
        colors: {
          ...colors,
          blue: { ...colors.blue, replicas: { desired: 3, ready: 1 } },
        },
      }),
    ).toBe('failing');
  });

  it('puts a running switch before the rest', () => {
    expect(
      statusOf({
        ...base,
        inProgress: { action: 'promote', actor: 'a', createdAt: '' },
        firing: ['x'],
      }),
    ).toBe('switching');
  });

  it('says split while Istio shares the traffic', () => {
    expect(statusOf({ ...base, live: 'split' })).toBe('split');
  });
});
