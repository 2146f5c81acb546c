import { CriterionStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import { StoredWatch } from '../database/WatchStore';
import { watchVerdict } from './watchVerdict';

const watch: StoredWatch = {
  id: 'w1',
  entityRef: 'component:default/my-app',
  state: 'running',
  promotedTo: 'green',
  previous: 'blue',
  startedAt: '2026-01-01T00:00:00.000Z',
  endsAt: '2026-01-01T00:05:00.000Z',
  autoRollback: true,
  criteria: [],
  streaks: {},
  notified: ['cpu'],
};

const criterion = (
  id: string,
  action: 'rollback' | 'investigate',
  firing: boolean,
): CriterionStatus => ({
  id,
  title: id,
  action,
  status: firing ? 'fail' : 'pass',
  observed: `${id} observed`,
  firing,
});

describe('watchVerdict', () => {
  const during = new Date('2026-01-01T00:01:00.000Z');
  const after = new Date('2026-01-01T00:06:00.000Z');

  it('calls for a rollback on a firing rollback criterion, with its evidence', () => {
    const verdict = watchVerdict(
      watch,
      {
        criteria: [criterion('error-rate', 'rollback', true)],
        streaks: { 'error-rate': 2 },
        warnings: [],
      },
      during,
    );
    expect(verdict.rollback.map(c => c.id)).toEqual(['error-rate']);
    expect(verdict.why).toBe('error-rate: error-rate observed');
    expect(verdict.evidence).toMatchObject({
      watchId: 'w1',
      criteria: [{ id: 'error-rate' }],
    });
    expect(verdict.save.state).toBeUndefined();
  });

  it('tells the owners of an investigate criterion once', () => {
    const verdict = watchVerdict(
      watch,
      {
        criteria: [
          criterion('cpu', 'investigate', true),
          criterion('latency-p99', 'investigate', true),
        ],
        streaks: {},
        warnings: [],
      },
      during,
    );
    expect(verdict.investigate.map(c => c.id)).toEqual(['latency-p99']);
    expect(verdict.save.notified).toEqual(['cpu', 'latency-p99']);
  });

  it('passes a window that ended without a rollback criterion firing, with the warnings', () => {
    const verdict = watchVerdict(
      watch,
      {
        criteria: [criterion('error-rate', 'rollback', false)],
        streaks: {},
        warnings: ['no Prometheus is configured'],
      },
      after,
    );
    expect(verdict.save).toMatchObject({
      state: 'passed',
      result:
        'no rollback criterion fired in the window (no Prometheus is configured)',
    });
  });
});
