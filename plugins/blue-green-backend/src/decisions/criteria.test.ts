import { evaluateCriteria } from './criteria';
import { DEFAULT_CRITERIA } from './criteriaSettings';
import { DEFAULT_THRESHOLDS } from './thresholds';

const reading = (green?: number, blue?: number) => ({
  query: 'q',
  values: {
    ...(green !== undefined && { green }),
    ...(blue !== undefined && { blue }),
  },
});

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const healthy = {
  '1m': { errorRatio: reading(0), p99: reading(0.1), cpuRatio: reading(0.2) },
  '15m': { restarts: reading(0) },
  '5m': { oomKills: reading(0) },
};

const input = (
  overrides: Partial<Parameters<typeof evaluateCriteria>[0]> = {},
) => ({
  color: 'green' as const,
  previous: 'blue' as const,
  readings: healthy,
  baseline: { p99: reading(undefined, 0.1) },
  health: { ok: true, detail: 'GET /health: 200' },
  thresholds: DEFAULT_THRESHOLDS,
  settings: DEFAULT_CRITERIA,
  failingSince: {},
  now: T0,
  ...overrides,
});

const byId = (result: ReturnType<typeof evaluateCriteria>, id: string) =>
  result.criteria.find(c => c.id === id)!;

describe('evaluateCriteria', () => {
  it('passes a healthy color, with the documented defaults in the thresholds', () => {
    const result = evaluateCriteria(input());
    expect(result.criteria.map(c => [c.id, c.action, c.status])).toEqual([
      ['error-rate', 'rollback', 'pass'],
      ['restart-loop', 'rollback', 'pass'],
      ['oom-kill', 'rollback', 'pass'],
      ['core-function', 'rollback', 'pass'],
      ['latency-p99', 'investigate', 'pass'],
      ['cpu', 'investigate', 'pass'],
    ]);
    expect(byId(result, 'error-rate').threshold).toBe('> 1.00 % for 5 min');
    expect(byId(result, 'restart-loop').threshold).toBe(
      '> 3 restarts in 15m at once',
    );
    expect(byId(result, 'cpu').threshold).toBe('> 90.00 % of limits for 5 min');
    expect(result.failingSince).toEqual({});
  });

  it('fires 5xx above 1 % only once it has failed for 5 minutes without a break', () => {
    const failing = {
      ...healthy,
      '1m': { ...healthy['1m'], errorRatio: reading(0.05) },
    };
    const first = evaluateCriteria(input({ readings: failing }));
    expect(byId(first, 'error-rate')).toMatchObject({
      status: 'fail',
      firing: false,
      observed: '5.00 %',
    });
    expect(first.failingSince['error-rate']).toBe(T0.toISOString());
    const later = evaluateCriteria(
      input({
        readings: failing,
        failingSince: first.failingSince,
        now: at(299),
      }),
    );
    expect(byId(later, 'error-rate').firing).toBe(false);
    const fired = evaluateCriteria(
      input({
        readings: failing,
        failingSince: first.failingSince,
        now: at(300),
      }),
    );
    expect(byId(fired, 'error-rate').firing).toBe(true);
    // A healthy evaluation breaks the run.
    expect(
      evaluateCriteria(
        input({ failingSince: first.failingSince, now: at(310) }),
      ).failingSince,
    ).toEqual({});
  });

  it('fires a restart loop (more than 3 in 15m) and an OOMKill at once, the health endpoint after 30 s', () => {
    const readings = {
      ...healthy,
      '15m': { restarts: reading(4) },
      '5m': { oomKills: reading(1) },
    };
    const first = evaluateCriteria(
      input({ readings, health: { ok: false, detail: 'GET /health: 503' } }),
    );
    expect(byId(first, 'restart-loop')).toMatchObject({
      firing: true,
      observed: '4 restarts in 15m',
    });
    expect(byId(first, 'oom-kill').firing).toBe(true);
    expect(byId(first, 'core-function').firing).toBe(false);
    const second = evaluateCriteria(
      input({
        readings,
        health: { ok: false, detail: 'GET /health: 503' },
        failingSince: first.failingSince,
        now: at(30),
      }),
    );
    expect(byId(second, 'core-function').firing).toBe(true);
    // 3 restarts is not a loop.
    expect(
      byId(
        evaluateCriteria(
          input({ readings: { ...healthy, '15m': { restarts: reading(3) } } }),
        ),
        'restart-loop',
      ).status,
    ).toBe('pass');
  });

  it('never fires on missing data: unknown breaks the run', () => {
    const result = evaluateCriteria(
      input({
        readings: {},
        failingSince: { 'error-rate': '2025-01-01T00:00:00.000Z' },
      }),
    );
    expect(byId(result, 'error-rate')).toMatchObject({
      status: 'unknown',
      firing: false,
      observed: 'no data for green',
    });
    expect(result.failingSince['error-rate']).toBeUndefined();
  });

  it('follows per-criterion settings: another action, range and sustain, or off', () => {
    const settings = {
      ...DEFAULT_CRITERIA,
      'error-rate': { action: 'rollback' as const, window: '30s', forMs: 0 },
      cpu: { action: 'rollback' as const, window: '1m', forMs: 0 },
      'latency-p99': {
        ...DEFAULT_CRITERIA['latency-p99'],
        action: 'off' as const,
      },
    };
    const result = evaluateCriteria(
      input({
        settings,
        readings: {
          ...healthy,
          '30s': { errorRatio: reading(0.02) },
          '1m': { ...healthy['1m'], cpuRatio: reading(0.95) },
        },
      }),
    );
    expect(byId(result, 'error-rate')).toMatchObject({
      firing: true,
      threshold: '> 1.00 % at once',
    });
    expect(byId(result, 'cpu')).toMatchObject({
      action: 'rollback',
      firing: true,
    });
    expect(result.criteria.find(c => c.id === 'latency-p99')).toBeUndefined();
  });

  it('asks to investigate a P99 above the factor of the previous color, once sustained', () => {
    const readings = {
      ...healthy,
      '1m': { ...healthy['1m'], p99: reading(0.5) },
    };
    const result = evaluateCriteria(
      input({
        readings,
        failingSince: { 'latency-p99': T0.toISOString() },
        now: at(300),
      }),
    );
    expect(byId(result, 'latency-p99')).toMatchObject({
      action: 'investigate',
      firing: true,
      threshold: '> 200 ms for 5 min',
    });
  });

  it('times criteria judged elsewhere the same way', () => {
    const settings = {
      ...DEFAULT_CRITERIA,
      'payment-success': {
        action: 'rollback' as const,
        window: '5m',
        forMs: 60_000,
      },
    };
    const extra = [
      {
        id: 'payment-success',
        title: 'Payment success rate',
        failing: true,
        observed: '91.00 %',
        threshold: '< 95.00 %',
      },
    ];
    const first = evaluateCriteria(input({ settings, extra }));
    expect(byId(first, 'payment-success')).toMatchObject({
      status: 'fail',
      firing: false,
      threshold: '< 95.00 % for 1 min',
    });
    const fired = evaluateCriteria(
      input({ settings, extra, failingSince: first.failingSince, now: at(60) }),
    );
    expect(byId(fired, 'payment-success').firing).toBe(true);
  });
});
