import { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { BLUE_GREEN_ANNOTATIONS } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  DEFAULT_THRESHOLDS,
  isWholeDays,
  SloConfig,
  Thresholds,
} from './thresholds';

/**
 * An annotation of `key=number` pairs; a key not allowed, or a value that is not a number >= 0,
 * is the entity author's to fix (400).
 */
function keyValues(
  entity: Entity,
  annotation: string,
  allowed: readonly string[],
): Record<string, number> {
  const raw = entity.metadata.annotations?.[annotation];
  const result: Record<string, number> = {};
  if (!raw) return result;
  for (const part of raw
    .split(',')
    .map(p => p.trim())
    .filter(Boolean)) {
    const [key, value] = part.split('=').map(p => p.trim());
    const parsed = Number(value);
    if (
      !allowed.includes(key) ||
      value === undefined ||
      !Number.isFinite(parsed) ||
      parsed < 0
    ) {
      throw new InputError(
        `annotation ${annotation} has "${part}"; use key=number with keys ${allowed.join(
          ', ',
        )}`,
      );
    }
    result[key] = parsed;
  }
  return result;
}

/** A comma-separated annotation as its trimmed, non-empty parts. */
const listOf = (entity: Entity, annotation: string) =>
  (entity.metadata.annotations?.[annotation] ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);

/** Thresholds for an entity: config, then its annotation. */
export function thresholdsOf(
  entity: Entity,
  configured: Thresholds,
): Thresholds {
  return {
    ...configured,
    ...keyValues(entity, BLUE_GREEN_ANNOTATIONS.thresholds, [
      ...Object.keys(DEFAULT_THRESHOLDS),
      'rpsMin',
      'rpsMax',
    ]),
  };
}

/** Service level objectives for an entity: config, then its annotation. */
export function sloOf(entity: Entity, configured: SloConfig): SloConfig {
  const o = keyValues(entity, BLUE_GREEN_ANNOTATIONS.slo, [
    'availability',
    'latency',
    'latencyMs',
    'windowDays',
  ]);
  if (o.windowDays !== undefined && !isWholeDays(o.windowDays)) {
    throw new InputError(
      `annotation ${BLUE_GREEN_ANNOTATIONS.slo} has "windowDays=${o.windowDays}"; it must be a whole number of days from 1 to 365`,
    );
  }
  return {
    availability: o.availability ?? configured.availability,
    latency: o.latency ?? configured.latency,
    latencyThresholdMs: o.latencyMs ?? configured.latencyThresholdMs,
    // An entity with its own threshold counts the bucket of that threshold.
    latencyBucket:
      o.latencyMs === undefined ? configured.latencyBucket : undefined,
    windowDays: o.windowDays ?? configured.windowDays,
  };
}

/** Whether the post-promote watch rolls back by itself: the annotation, else config. */
export function autoRollbackOf(entity: Entity, configured: boolean): boolean {
  const raw =
    entity.metadata.annotations?.[BLUE_GREEN_ANNOTATIONS.autoRollback];
  if (raw === undefined) return configured;
  if (raw !== 'true' && raw !== 'false') {
    throw new InputError(
      `annotation ${BLUE_GREEN_ANNOTATIONS.autoRollback} is "${raw}"; it must be true or false`,
    );
  }
  return raw === 'true';
}

/** Checklist item ids the entity leaves out. */
export const skippedItemsOf = (entity: Entity) =>
  new Set(listOf(entity, BLUE_GREEN_ANNOTATIONS.skipChecks));

/** The dependencies the pre-deploy checklist probes (at most 20); undefined when none are named. */
export function dependenciesOf(entity: Entity): string[] | undefined {
  const raw =
    entity.metadata.annotations?.[BLUE_GREEN_ANNOTATIONS.dependencies];
  if (!raw?.trim()) return undefined;
  return listOf(entity, BLUE_GREEN_ANNOTATIONS.dependencies).slice(0, 20);
}

/**
 * How long after a promote the idle color is scaled down: the annotation (seconds, or `off`),
 * else the configured delay when scale-down is enabled; undefined for none.
 */
export function scaleDownDelayOf(
  entity: Entity,
  configured: { enabled: boolean; delayMs: number },
): number | undefined {
  const annotation =
    entity.metadata.annotations?.[BLUE_GREEN_ANNOTATIONS.scaleDownDelaySeconds];
  if (annotation === 'off') return undefined;
  if (
    annotation !== undefined &&
    Number.isFinite(Number(annotation)) &&
    Number(annotation) >= 0
  ) {
    return Number(annotation) * 1000;
  }
  return configured.enabled ? configured.delayMs : undefined;
}
