import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { BLUE_GREEN_ANNOTATIONS } from '@bluegreen-backstage/plugin-blue-green-common';

/**
 * What a rollback criterion does when it fires: roll back (automatically where the entity allows
 * it), tell the owners to investigate, or nothing.
 */
export type CriterionAction = 'rollback' | 'investigate' | 'off';

/** How one criterion is evaluated: its action, the range of its rate, how long it must fail. */
export type CriterionSettings = {
  action: CriterionAction;
  /** Range of rate()/increase() in its query, as a PromQL duration; '' for criteria without one. */
  window: string;
  /** How long it must fail before it fires; 0 fires on the first failing evaluation. */
  forMs: number;
};

/** The built-in rollback criteria. */
export const BUILT_IN_CRITERIA = [
  'error-rate',
  'restart-loop',
  'oom-kill',
  'core-function',
  'latency-p99',
  'cpu',
  'log-errors',
] as const;
export type BuiltInCriterion = (typeof BUILT_IN_CRITERIA)[number];

export type CriteriaSettings = Record<string, CriterionSettings>;

const MINUTE = 60_000;

/**
 * The documented defaults: a 5xx ratio above the rollback threshold (1 %) sustained for 5 minutes,
 * a restart loop (more than 3 restarts in 15 minutes), an OOMKill and a failing health endpoint
 * (30 s) roll back; a P99 above 2× the previous color's and CPU above 90 % of limits, both
 * sustained for 5 minutes, and an error-log spike sustained for 1 minute call for an
 * investigation.
 */
export const DEFAULT_CRITERIA: Record<BuiltInCriterion, CriterionSettings> = {
  'error-rate': { action: 'rollback', window: '1m', forMs: 5 * MINUTE },
  'restart-loop': { action: 'rollback', window: '15m', forMs: 0 },
  'oom-kill': { action: 'rollback', window: '', forMs: 0 },
  'core-function': { action: 'rollback', window: '', forMs: 30_000 },
  'latency-p99': { action: 'investigate', window: '1m', forMs: 5 * MINUTE },
  cpu: { action: 'investigate', window: '1m', forMs: 5 * MINUTE },
  // The log signal's range is blueGreen.logs.window; the criterion is left out when it is off.
  'log-errors': { action: 'investigate', window: '', forMs: MINUTE },
};

const ACTIONS: readonly CriterionAction[] = ['rollback', 'investigate', 'off'];

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: MINUTE,
  h: 60 * MINUTE,
  d: 24 * 60 * MINUTE,
};

/** `30s`, `5m`, `1h`, `0s` in milliseconds, or undefined when it is not one. */
export function shortDurationMs(value: string): number | undefined {
  const match = /^(\d{1,6})(ms|s|m|h|d)$/.exec(value);
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

/**
 * An entity's criteria: config, then the annotation `blue-green.backstage.io/rollback-criteria`,
 * e.g. `error-rate.for=2m, cpu.action=rollback, restart-loop.window=10m`. A key or value that is
 * not one is the entity author's to fix (400).
 */
export function criteriaOf(
  entity: Entity,
  configured: CriteriaSettings,
): CriteriaSettings {
  const annotation = BLUE_GREEN_ANNOTATIONS.rollbackCriteria;
  const raw = entity.metadata.annotations?.[annotation];
  const result: CriteriaSettings = Object.fromEntries(
    Object.entries(configured).map(([id, s]) => [id, { ...s }]),
  );
  if (!raw) return result;
  for (const part of raw
    .split(',')
    .map(p => p.trim())
    .filter(Boolean)) {
    const [key, value = ''] = part.split('=').map(p => p.trim());
    const dot = key.lastIndexOf('.');
    const id = key.slice(0, dot);
    const field = key.slice(dot + 1);
    const fail = (why: string): never => {
      throw new InputError(`annotation ${annotation} has "${part}": ${why}`);
    };
    if (!result[id]) {
      fail(
        `"${id}" is not a rollback criterion; use one of ${Object.keys(
          result,
        ).join(', ')}`,
      );
    }
    if (field === 'action') {
      if (!ACTIONS.includes(value as CriterionAction)) {
        fail(`action must be one of ${ACTIONS.join(', ')}`);
      }
      result[id].action = value as CriterionAction;
    } else if (field === 'for') {
      const ms = shortDurationMs(value);
      if (ms === undefined || ms > 24 * 60 * MINUTE) {
        fail('for must be a duration such as 0s, 30s, 5m or 1h (at most 1d)');
      }
      result[id].forMs = ms!;
    } else if (field === 'window') {
      const ms = shortDurationMs(value);
      if (!result[id].window) fail(`${id} has no window`);
      if (!ms || ms > 24 * 60 * MINUTE) {
        fail('window must be a duration such as 30s, 1m or 15m (at most 1d)');
      }
      result[id].window = value;
    } else {
      fail('use <criterion>.action, <criterion>.for or <criterion>.window');
    }
  }
  return result;
}

/** "5m", "30s", "at once": a criterion's sustain for people. */
export function describeFor(ms: number): string {
  if (ms === 0) return 'at once';
  if (ms % MINUTE === 0) return `for ${ms / MINUTE} min`;
  return `for ${Math.round(ms / 1000)} s`;
}
