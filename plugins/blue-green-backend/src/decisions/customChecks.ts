import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  BLUE_GREEN_ANNOTATIONS,
  ChecklistItem,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { MetricReading } from '../prometheus/metrics';
import { JudgedCriterion } from './criteria';
import { CriteriaSettings } from './criteriaSettings';
import { CustomCheck, CustomPhase } from './customCheckSettings';
import { num } from './format';

export { CUSTOM_PHASES } from './customCheckSettings';
export type { CustomCheck, CustomPhase } from './customCheckSettings';

/** The threshold in words: `>= 0.99`, `<= 5`, `0.9..1.1`. */
export function describeRange(check: Pick<CustomCheck, 'min' | 'max'>) {
  if (check.min !== undefined && check.max !== undefined) {
    return `${num(check.min)}..${num(check.max)}`;
  }
  return check.min !== undefined
    ? `>= ${num(check.min)}`
    : `<= ${num(check.max!)}`;
}

/**
 * The custom checks of an entity: those for every entity, and those it names in the annotation
 * `blue-green.backstage.io/custom-checks`, e.g. `payment-success, payment-success.min=0.995`
 * (an entity may tighten or loosen min and max; the query stays the platform's).
 */
export function customChecksOf(
  entity: Entity,
  configured: Record<string, CustomCheck>,
): CustomCheck[] {
  const annotation = BLUE_GREEN_ANNOTATIONS.customChecks;
  const raw = entity.metadata.annotations?.[annotation];
  const chosen = new Map(
    Object.values(configured)
      .filter(c => c.allEntities)
      .map(c => [c.id, { ...c }]),
  );
  for (const part of (raw ?? '')
    .split(',')
    .map(p => p.trim())
    .filter(Boolean)) {
    const fail = (why: string): never => {
      throw new InputError(`annotation ${annotation} has "${part}": ${why}`);
    };
    const [key, value] = part.split('=').map(p => p.trim());
    const [id, field] = key.split(/\.(?=(?:min|max)$)/);
    const check = configured[id];
    if (!check) {
      fail(
        `"${id}" is not a check in blueGreen.checks.custom; use one of ${
          Object.keys(configured).join(', ') || '(none configured)'
        }`,
      );
    }
    const own = chosen.get(id) ?? { ...check };
    chosen.set(id, own);
    if (field === undefined) {
      if (value !== undefined) fail('use <check> or <check>.min=<number>');
      continue;
    }
    const n = Number(value);
    if (value === undefined || value === '' || !Number.isFinite(n)) {
      fail(`${field} must be a number`);
    }
    own[field as 'min' | 'max'] = n;
  }
  return [...chosen.values()];
}

/** A custom check's reading of one color: failing, passing, or unknown (with why). */
function judge(
  check: CustomCheck,
  reading: MetricReading | undefined,
  color: Color,
): { failing?: boolean; observed?: string; unknownReason?: string } {
  if (!reading) return { unknownReason: 'not measured' };
  if (reading.error) return { unknownReason: reading.error };
  const value = reading.values[color];
  if (value === undefined) {
    return { unknownReason: `Prometheus has no data for ${color}` };
  }
  const failing =
    (check.min !== undefined && value < check.min) ||
    (check.max !== undefined && value > check.max);
  return { failing, observed: num(value) };
}

const itemStatus = (failing: boolean | undefined) => {
  if (failing === undefined) return 'unknown' as const;
  return failing ? ('fail' as const) : ('pass' as const);
};

/** A custom check as a checklist item of the color (unknown, never pass, without data). */
export function customItem(
  check: CustomCheck,
  reading: MetricReading | undefined,
  color: Color,
  phase: 'pre' | 'post',
  warnings: string[],
): ChecklistItem {
  const judged = judge(check, reading, color);
  if (reading?.error && !warnings.includes(reading.error)) {
    warnings.push(reading.error);
  }
  return {
    id: check.id,
    category: 'monitoring',
    title: check.title,
    kind: 'auto',
    required: phase === 'pre' ? check.required : true,
    status: itemStatus(judged.failing),
    threshold: describeRange(check),
    ...(judged.observed !== undefined && { observed: judged.observed }),
    ...(judged.unknownReason && { message: judged.unknownReason }),
    evidence: reading && { type: 'promql', query: reading.query },
  };
}

/** A custom check as a rollback criterion of the color, for `evaluateCriteria`'s `extra`. */
export function customCriterion(
  check: CustomCheck,
  reading: MetricReading | undefined,
  color: Color,
): JudgedCriterion {
  const judged = judge(check, reading, color);
  return {
    id: check.id,
    title: check.title,
    failing: judged.failing,
    observed: judged.observed,
    unknownReason: judged.unknownReason,
    threshold: describeRange(check),
    evidence: reading && { type: 'promql', query: reading.query },
  };
}

/** The rollback criteria with the entity's custom checks of the rollback phase added. */
export function withCustomCriteria(
  criteria: CriteriaSettings,
  custom: CustomCheck[],
): CriteriaSettings {
  const result = { ...criteria };
  for (const check of custom) {
    if (!check.phases.includes('rollback')) continue;
    result[check.id] = {
      action: check.action,
      window: check.window,
      forMs: check.forMs,
    };
  }
  return result;
}

/** The reads of the custom checks of a phase. */
export const customReads = (custom: CustomCheck[], phase: CustomPhase) =>
  custom.filter(c => c.phases.includes(phase));
