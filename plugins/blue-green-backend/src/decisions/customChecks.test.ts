import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { readBlueGreenConfig } from '../config';
import { evaluateCriteria } from './criteria';
import { DEFAULT_CRITERIA } from './criteriaSettings';
import {
  customChecksOf,
  customCriterion,
  withCustomCriteria,
} from './customChecks';
import { DEFAULT_THRESHOLDS } from './thresholds';

const PAYMENT = {
  title: 'Payment success rate',
  query:
    'sum by ({{group}}) (rate(payments_total{ {{selector}},result="ok" }[{{window}}])) / sum by ({{group}}) (rate(payments_total{ {{selector}} }[{{window}}]))',
  min: 0.98,
  phases: ['post', 'rollback'],
  for: '2m',
};

const configOf = (custom: object) =>
  readBlueGreenConfig(new ConfigReader({ blueGreen: { checks: { custom } } }));

const entity = (annotation?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'shop',
    annotations: annotation
      ? { 'blue-green.backstage.io/custom-checks': annotation }
      : {},
  },
});

describe('custom checks', () => {
  it('reads a check from app-config with its defaults', () => {
    expect(configOf({ 'payment-success': PAYMENT }).checks.custom).toEqual({
      'payment-success': {
        id: 'payment-success',
        title: 'Payment success rate',
        query: PAYMENT.query,
        min: 0.98,
        phases: ['post', 'rollback'],
        window: '5m',
        required: true,
        action: 'rollback',
        forMs: 120_000,
        allEntities: false,
      },
    });
  });

  it.each([
    [{ ...PAYMENT, query: 'rate(x[{{windw}}])' }, 'unknown placeholder'],
    [{ ...PAYMENT, query: 'sum(rate(x[5m])' }, 'is not valid PromQL'],
    [{ ...PAYMENT, min: undefined }, 'needs min or max'],
    [{ ...PAYMENT, max: 0.5 }, 'has min 0.98 above max 0.5'],
    [{ ...PAYMENT, phases: ['during'] }, 'has "during"'],
    [{ ...PAYMENT, action: 'off' }, 'use rollback or investigate'],
  ])('refuses at start-up a check that is wrong (%#)', (check, message) => {
    expect(() => configOf({ 'payment-success': check })).toThrow(message);
  });

  it('refuses an id a built-in item or criterion has', () => {
    expect(() => configOf({ 'error-rate': PAYMENT })).toThrow(
      'blueGreen.checks.custom.error-rate needs an id',
    );
  });

  it('applies a check to the entities that name it, with their own bounds', () => {
    const { custom } = configOf({
      'payment-success': PAYMENT,
      everywhere: { ...PAYMENT, allEntities: true, max: 1 },
    }).checks;
    expect(customChecksOf(entity(), custom).map(c => c.id)).toEqual([
      'everywhere',
    ]);
    const own = customChecksOf(
      entity('payment-success, payment-success.min=0.995'),
      custom,
    );
    expect(own.map(c => [c.id, c.min])).toEqual([
      ['everywhere', 0.98],
      ['payment-success', 0.995],
    ]);
    // The configured check is not changed by one entity's bounds.
    expect(custom['payment-success'].min).toBe(0.98);
    expect(() => customChecksOf(entity('checkout'), custom)).toThrow(
      '"checkout" is not a check in blueGreen.checks.custom',
    );
    expect(() =>
      customChecksOf(entity('payment-success.min=high'), custom),
    ).toThrow('min must be a number');
  });

  it('fires as a rollback criterion once it has failed for its duration', () => {
    const check = configOf({ 'payment-success': PAYMENT }).checks.custom[
      'payment-success'
    ];
    const at = (iso: string, failingSince: Record<string, string>) =>
      evaluateCriteria({
        color: 'green',
        previous: 'blue',
        readings: {},
        baseline: {},
        health: { ok: true, detail: 'GET /health: 200' },
        thresholds: DEFAULT_THRESHOLDS,
        settings: withCustomCriteria(DEFAULT_CRITERIA, [check]),
        failingSince,
        now: new Date(iso),
        extra: [
          customCriterion(
            check,
            { query: 'q', values: { green: 0.9, blue: 1 } },
            'green',
          ),
        ],
      });
    const first = at('2026-01-01T00:00:00.000Z', {});
    expect(first.criteria.find(c => c.id === 'payment-success')).toMatchObject({
      status: 'fail',
      firing: false,
      action: 'rollback',
      observed: '0.90',
      threshold: '>= 0.98 for 2 min',
    });
    const later = at('2026-01-01T00:02:00.000Z', first.failingSince);
    expect(later.criteria.find(c => c.id === 'payment-success')?.firing).toBe(
      true,
    );
  });
});
