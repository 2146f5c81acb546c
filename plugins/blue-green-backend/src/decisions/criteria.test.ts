import { evaluateCriteria } from './criteria';
import { DEFAULT_THRESHOLDS } from './thresholds';

const reading = (green?: number, blue?: number) => ({
  query: 'q',
  values: {
    ...(green !== undefined && { green }),
    ...(blue !== undefined && { blue }),
  },
});

const input = (overrides: Partial<Parameters<typeof evaluateCriteria>[0]>) => ({
  color: 'green' as const,
  previous: 'blue' as const,
  readings: {
    errorRatio: reading(0),
    oomKills: reading(0),
    p99: reading(0.1),
    cpuRatio: reading(0.2),
  },
  baseline: { p99: reading(undefined, 0.1) },
  health: { ok: true, detail: 'GET /health: 200' },
  thresholds: DEFAULT_THRESHOLDS,
  streaks: {},
  sustainEvaluations: 2,
  ...overrides,
});

const byId = (result: ReturnType<typeof evaluateCriteria>, id: string) =>
  result.criteria.find(c => c.id === id)!;

describe('evaluateCriteria', () => {
  it('passes a healthy color and keeps no streaks', () => {
    const result = evaluateCriteria(input({}));
    expect(result.criteria.every(c => c.status === 'pass')).toBe(true);
    expect(Object.values(result.streaks).every(s => s === 0)).toBe(true);
  });

  it('fires a 5xx criterion only once it failed in a row the sustained number of times', () => {
    const failing = input({
      readings: { ...input({}).readings, errorRatio: reading(0.05) },
    });
    const first = evaluateCriteria(failing);
    expect(byId(first, 'error-rate')).toMatchObject({
      status: 'fail',
      firing: false,
      observed: '5.00 %',
    });
    const second = evaluateCriteria({ ...failing, streaks: first.streaks });
    expect(byId(second, 'error-rate').firing).toBe(true);
  });

  it('fires an OOMKill at once, and the health endpoint after the sustain', () => {
    const result = evaluateCriteria(
      input({
        readings: { ...input({}).readings, oomKills: reading(1) },
        health: { ok: false, detail: 'GET /health: 503' },
        streaks: { 'core-function': 1 },
      }),
    );
    expect(byId(result, 'oom-kill').firing).toBe(true);
    expect(byId(result, 'core-function').firing).toBe(true);
  });

  it('never fires on missing data: unknown resets the streak', () => {
    const result = evaluateCriteria(
      input({ readings: {}, streaks: { 'error-rate': 5 } }),
    );
    expect(byId(result, 'error-rate')).toMatchObject({
      status: 'unknown',
      firing: false,
      observed: 'no data for green',
    });
    expect(result.streaks['error-rate']).toBe(0);
  });

  it('asks to investigate a P99 above the factor of the previous color', () => {
    const result = evaluateCriteria(
      input({
        readings: { ...input({}).readings, p99: reading(0.5) },
        streaks: { 'latency-p99': 1 },
      }),
    );
    expect(byId(result, 'latency-p99')).toMatchObject({
      action: 'investigate',
      firing: true,
      threshold: '> 200 ms',
    });
  });
});
