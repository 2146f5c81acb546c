import { sloItems } from './slo';

const SLO = {
  availability: 0.999,
  latency: 0.95,
  latencyThresholdMs: 200,
  windowDays: 30,
};
const reading = (blue?: number, error?: string) => ({
  query: 'q',
  values: blue === undefined ? {} : { blue },
  ...(error && { error }),
});

describe('sloItems', () => {
  it('leaves both items unknown without Prometheus', () => {
    const items = sloItems(SLO, 'blue', undefined, []);
    expect(items.map(i => [i.id, i.status])).toEqual([
      ['error-budget', 'unknown'],
      ['latency-budget', 'unknown'],
    ]);
  });

  it('computes the budget left and the burn rate of the last hour', () => {
    const items = sloItems(
      SLO,
      'blue',
      {
        window: { errorRatio: reading(0.0002), latencyUnder: reading(0.99) },
        hour: { errorRatio: reading(0.002), latencyUnder: reading(0.97) },
      },
      [],
    );
    expect(items[0]).toMatchObject({
      status: 'pass',
      observed:
        'blue: 99.980 % attained, 80 % of the budget left, burn rate 2.00×',
    });
    expect(items[1].status).toBe('pass');
  });

  it('warns under half the budget, and passes a failed query on as a warning', () => {
    const warnings: string[] = [];
    const items = sloItems(
      SLO,
      'blue',
      {
        window: {
          errorRatio: reading(0.0008),
          latencyUnder: reading(undefined, 'Prometheus answered 503'),
        },
        hour: {},
      },
      warnings,
    );
    expect(items[0]).toMatchObject({
      status: 'warn',
      message:
        'less than half of the monthly error budget remains: promote with care',
    });
    expect(items[1]).toMatchObject({
      status: 'unknown',
      message: 'Prometheus answered 503',
    });
    expect(warnings).toEqual(['Prometheus answered 503']);
  });
});
