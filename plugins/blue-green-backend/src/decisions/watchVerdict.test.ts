import { CriterionStatus } from '@bluegreen-backstage/plugin-blue-green-common';
import { StoredWatch } from '../database/WatchStore';
import { colorOfWorkload, watchVerdict, workloadKey } from './watchVerdict';

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
  failingSince: {},
  notified: ['cpu'],
};

const criterion = (
  id: string,
  action: 'rollback' | 'investigate',
  firing: boolean,
  status: CriterionStatus['status'] = firing ? 'fail' : 'pass',
): CriterionStatus => ({
  id,
  title: id,
  action,
  status,
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
        failingSince: {},
        warnings: [],
      },
      during,
      0,
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
        failingSince: {},
        warnings: [],
      },
      during,
      0,
    );
    expect(verdict.investigate.map(c => c.id)).toEqual(['latency-p99']);
    expect(verdict.save.notified).toEqual(['cpu', 'latency-p99']);
  });

  it('passes a window that ended without a rollback criterion firing, with the warnings', () => {
    const verdict = watchVerdict(
      watch,
      {
        criteria: [criterion('error-rate', 'rollback', false)],
        failingSince: {},
        warnings: ['no Prometheus is configured'],
      },
      after,
      0,
    );
    expect(verdict.save).toMatchObject({
      state: 'passed',
      result:
        'no rollback criterion fired in the window (no Prometheus is configured)',
    });
  });

  it('watches on past the window while a rollback criterion fails without having fired, and stops (not passes) if it only flaps', () => {
    const failing = {
      criteria: [criterion('error-rate', 'rollback', false, 'fail')],
      failingSince: { 'error-rate': '2026-01-01T00:04:30.000Z' },
      warnings: [],
    };
    const grace = 300_000;
    expect(watchVerdict(watch, failing, after, grace).save.state).toBe(
      undefined,
    );
    const late = new Date('2026-01-01T00:10:01.000Z');
    expect(watchVerdict(watch, failing, late, grace).save).toMatchObject({
      state: 'stopped',
      result: expect.stringContaining('failing on and off, never for 5 min'),
    });
    // Recovered by then: passed.
    expect(
      watchVerdict(
        watch,
        {
          criteria: [criterion('error-rate', 'rollback', false)],
          failingSince: {},
          warnings: [],
        },
        late,
        grace,
      ).save.state,
    ).toBe('passed');
  });
});

describe('colorOfWorkload', () => {
  const colors = {
    blue: { workload: { kind: 'ReplicaSet', name: 'my-app-7bd8' } },
    green: { workload: { kind: 'ReplicaSet', name: 'my-app-857c' } },
  };

  it('finds the promoted workload under the color it has now', () => {
    expect(workloadKey(colors.green)).toBe('ReplicaSet/my-app-857c');
    expect(colorOfWorkload(colors, 'ReplicaSet/my-app-7bd8')).toBe('blue');
    expect(colorOfWorkload(colors, 'ReplicaSet/gone')).toBeUndefined();
    expect(colorOfWorkload(colors, undefined)).toBeUndefined();
  });
});
