import * as fixtures from '../../testing/fixtures';
import { availability } from './decisions';
import { switchSteps } from './SwitchProgress';

const allowed = { loading: false, allowed: true };
const denied = { loading: false, allowed: false };
const permissions = {
  promote: allowed,
  rollback: allowed,
  scale: allowed,
  force: denied,
  signOff: allowed,
  deploy: allowed,
};

describe('switchSteps', () => {
  it('follows an Istio stepped shift through the polled weights', () => {
    const status = fixtures.status({
      live: 'split',
      colors: {
        blue: fixtures.colorStatus('blue', { role: 'split', weight: 50 }),
        green: fixtures.colorStatus('green', { role: 'split', weight: 50 }),
      },
    });
    const steps = switchSteps(
      {
        action: 'promote',
        from: 'blue',
        to: 'green',
        forced: false,
        steps: [10, 50, 100],
        state: 'running',
      },
      status,
    );
    expect(steps.map(s => [s.label, s.done, s.active])).toEqual([
      ['Checks passed', true, false],
      ['green 10 %', true, false],
      ['green 50 %', true, false],
      ['green 100 %', false, true],
      ['Verify', false, false],
      ['Post-deploy watch', false, false],
    ]);
  });

  it('marks the switch step failed when the backend refused', () => {
    const steps = switchSteps(
      {
        action: 'rollback',
        from: 'green',
        to: 'blue',
        forced: false,
        state: 'failed',
        error: new Error('x'),
      },
      fixtures.promotedStatus(),
    );
    expect(steps.find(s => s.error)?.label).toBe('Switch traffic to blue');
    expect(steps.map(s => s.label)).not.toContain('Post-deploy watch');
  });
});

describe('availability', () => {
  it('needs force only when the reasons are forceable and the user may force', () => {
    const decision = {
      allowed: false,
      target: 'green' as const,
      reasons: ['green is not ready'],
      forceable: true,
    };
    expect(availability('promote', decision, permissions, false)).toEqual({
      enabled: false,
      needsForce: false,
      reasons: [
        'green is not ready',
        'only someone with the force permission may override this',
      ],
    });
    expect(
      availability(
        'promote',
        decision,
        { ...permissions, force: allowed },
        false,
      ),
    ).toEqual({
      enabled: true,
      needsForce: true,
      reasons: ['green is not ready'],
    });
  });
});
