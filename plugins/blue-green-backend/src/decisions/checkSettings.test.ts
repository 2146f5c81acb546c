import { Entity } from '@backstage/catalog-model';
import {
  autoRollbackOf,
  dependenciesOf,
  scaleDownDelayOf,
  skippedItemsOf,
  sloOf,
  thresholdsOf,
} from './checkSettings';
import { criteriaOf, DEFAULT_CRITERIA } from './criteriaSettings';
import { DEFAULT_THRESHOLDS } from './thresholds';

const entity = (annotations: Record<string, string> = {}): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'my-app', annotations },
});

const SLO = {
  availability: 0.999,
  latency: 0.95,
  latencyThresholdMs: 200,
  windowDays: 30,
};

describe('thresholdsOf', () => {
  it('takes config, then the annotation', () => {
    const t = thresholdsOf(
      entity({
        'blue-green.backstage.io/thresholds': 'errorRatio=0.002, rpsMin=10',
      }),
      DEFAULT_THRESHOLDS,
    );
    expect(t).toMatchObject({ errorRatio: 0.002, rpsMin: 10, p99Factor: 1.2 });
  });

  it.each(['errorRatio=-1', 'unknown=1', 'errorRatio', 'errorRatio=abc'])(
    'refuses %j with the keys it takes (400)',
    value => {
      expect(() =>
        thresholdsOf(
          entity({ 'blue-green.backstage.io/thresholds': value }),
          DEFAULT_THRESHOLDS,
        ),
      ).toThrow(/use key=number with keys errorRatio,/);
    },
  );
});

describe('sloOf', () => {
  it('maps latencyMs onto the threshold and keeps the rest from config', () => {
    expect(
      sloOf(
        entity({ 'blue-green.backstage.io/slo': 'latency=0.9,latencyMs=300' }),
        SLO,
      ),
    ).toEqual({ ...SLO, latency: 0.9, latencyThresholdMs: 300 });
  });

  it('refuses a window that is not whole days', () => {
    expect(() =>
      sloOf(entity({ 'blue-green.backstage.io/slo': 'windowDays=0.5' }), SLO),
    ).toThrow('it must be a whole number of days from 1 to 365');
  });
});

describe('autoRollbackOf', () => {
  it('takes the annotation, else config, and refuses anything but true or false', () => {
    expect(autoRollbackOf(entity(), true)).toBe(true);
    expect(
      autoRollbackOf(
        entity({ 'blue-green.backstage.io/auto-rollback': 'false' }),
        true,
      ),
    ).toBe(false);
    expect(() =>
      autoRollbackOf(
        entity({ 'blue-green.backstage.io/auto-rollback': 'yes' }),
        true,
      ),
    ).toThrow('it must be true or false');
  });
});

describe('lists and the scale-down delay', () => {
  it('reads skipped items and dependencies as trimmed lists', () => {
    const e = entity({
      'blue-green.backstage.io/skip-checks': ' cpu , ,memory',
      'blue-green.backstage.io/dependencies': 'db:5432, https://api',
    });
    expect([...skippedItemsOf(e)]).toEqual(['cpu', 'memory']);
    expect(dependenciesOf(e)).toEqual(['db:5432', 'https://api']);
    expect(dependenciesOf(entity())).toBeUndefined();
  });

  it('delays the scale-down by the annotation, off, or config when enabled', () => {
    const config = { enabled: true, delayMs: 30_000 };
    const delay = (value?: string) =>
      scaleDownDelayOf(
        entity(
          value
            ? { 'blue-green.backstage.io/scale-down-delay-seconds': value }
            : {},
        ),
        config,
      );
    expect(delay()).toBe(30_000);
    expect(delay('5')).toBe(5_000);
    expect(delay('off')).toBeUndefined();
    expect(delay('soon')).toBe(30_000);
    expect(scaleDownDelayOf(entity(), { ...config, enabled: false })).toBe(
      undefined,
    );
  });
});

describe('criteriaOf', () => {
  const annotated = (value?: string) =>
    entity(value ? { 'blue-green.backstage.io/rollback-criteria': value } : {});

  it('takes the configured criteria, then the annotation', () => {
    const criteria = criteriaOf(
      annotated(
        'error-rate.for=2m, cpu.action=rollback, restart-loop.window=10m',
      ),
      DEFAULT_CRITERIA,
    );
    expect(criteria['error-rate']).toEqual({
      action: 'rollback',
      window: '1m',
      forMs: 120_000,
    });
    expect(criteria.cpu.action).toBe('rollback');
    expect(criteria['restart-loop'].window).toBe('10m');
    // The defaults are not changed for the next entity.
    expect(criteriaOf(annotated(), DEFAULT_CRITERIA)['error-rate'].forMs).toBe(
      300_000,
    );
  });

  it.each([
    ['latency.for=1m', /"latency" is not a rollback criterion/],
    [
      'error-rate.action=panic',
      /action must be one of rollback, investigate, off/,
    ],
    ['error-rate.for=soon', /for must be a duration/],
    ['oom-kill.window=5m', /oom-kill has no window/],
    ['cpu.threshold=0.5', /use <criterion>.action/],
  ])('refuses %s with a message that says what to fix', (value, message) => {
    expect(() => criteriaOf(annotated(value), DEFAULT_CRITERIA)).toThrow(
      message,
    );
  });
});
