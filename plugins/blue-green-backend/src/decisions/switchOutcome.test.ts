import {
  failedSwitchOutcome,
  interruptedOutcome,
  refusedSwitchOutcome,
  switchLanded,
} from './switchOutcome';

describe('switchLanded', () => {
  const switched = {
    to: 'green' as const,
    switchId: 'h1',
    marksSwitches: true,
  };

  it('counts a target that is live by this switch id only', () => {
    expect(switchLanded({ live: 'green', switchId: 'h1' }, switched)).toBe(
      true,
    );
    expect(switchLanded({ live: 'green', switchId: 'other' }, switched)).toBe(
      false,
    );
    expect(switchLanded({ live: 'blue', switchId: 'h1' }, switched)).toBe(
      false,
    );
    expect(switchLanded(new Error('timeout'), switched)).toBe(false);
  });

  it('takes a live target as landed when the strategy does not mark its writes', () => {
    expect(
      switchLanded({ live: 'green' }, { ...switched, marksSwitches: false }),
    ).toBe(true);
  });
});

describe('failedSwitchOutcome', () => {
  const base = { before: 'blue' as const, accepted: 0, marksSwitches: true };

  it('says untouched when the previous state is back, and what was accepted', () => {
    expect(failedSwitchOutcome({ ...base, after: { live: 'blue' } })).toEqual({
      cluster: 'untouched: live is blue',
      observedLive: 'blue',
    });
    expect(
      failedSwitchOutcome({ ...base, accepted: 2, after: { live: 'blue' } })
        .cluster,
    ).toBe(
      'untouched: live is blue (2 request(s) accepted, then undone: the previous state is back)',
    );
  });

  it('says partial when requests stayed although traffic did not move', () => {
    expect(
      failedSwitchOutcome({
        ...base,
        accepted: 1,
        changed: true,
        after: {
          live: 'blue',
          facts: [{ label: 'phase', value: 'Paused · paused' }],
        },
      }).cluster,
    ).toBe(
      'partial: live is still blue, but 1 request(s) were accepted and could not be undone (phase: Paused · paused); promote or roll back to finish',
    );
  });

  it('says partial when requests were accepted and the state moved', () => {
    expect(
      failedSwitchOutcome({ ...base, accepted: 1, after: { live: 'split' } })
        .cluster,
    ).toBe('partial: 1 request(s) accepted before the error; live is split');
  });

  it('tells another switch from an unknown one', () => {
    expect(
      failedSwitchOutcome({ ...base, after: { live: 'green' } }).cluster,
    ).toBe(
      'untouched by this request: live is green, switched by another request',
    );
    expect(
      failedSwitchOutcome({
        ...base,
        marksSwitches: false,
        after: { live: 'green' },
      }).cluster,
    ).toBe(
      'unknown: live is green, switched by this write or a concurrent one',
    );
  });

  it('says unknown when the cluster could not be read', () => {
    expect(
      failedSwitchOutcome({
        ...base,
        accepted: 1,
        after: new Error('ECONNRESET'),
      }),
    ).toEqual({
      observedLive: 'unknown (ECONNRESET)',
      cluster:
        'unknown: the cluster could not be read after the error (ECONNRESET); 1 request(s) were accepted',
    });
  });

  it('says untouched for a refused compare-and-swap', () => {
    expect(refusedSwitchOutcome('blue')).toEqual({
      cluster:
        'untouched: the cluster refused the compare-and-swap; live is blue',
      observedLive: 'blue',
    });
  });
});

describe('interruptedOutcome', () => {
  const promote = {
    action: 'promote' as const,
    from: 'blue' as const,
    to: 'green' as const,
  };

  it('classifies an interrupted switch by what is live now', () => {
    expect(interruptedOutcome(promote, 'green')).toBe(
      'switched: green is live',
    );
    expect(interruptedOutcome(promote, 'blue')).toBe('untouched: live is blue');
    expect(interruptedOutcome(promote, 'split')).toBe(
      'partial: live is split; promote or roll back to finish',
    );
    expect(interruptedOutcome({ action: 'rollback', to: 'blue' }, 'none')).toBe(
      'untouched: live is none',
    );
  });

  it('says nothing about operations that are not switches', () => {
    expect(interruptedOutcome({ action: 'scale', to: 'green' }, 'blue')).toBe(
      undefined,
    );
  });
});
