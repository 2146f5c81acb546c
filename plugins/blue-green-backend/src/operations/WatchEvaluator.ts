import { StoredWatch } from '../database/WatchStore';
import { evaluateCriteria } from '../decisions/criteria';
import { customCriterion, customReads } from '../decisions/customChecks';
import { logCriterion } from '../decisions/logSignal';
import {
  colorOfWorkload,
  watchVerdict,
  WatchVerdict,
} from '../decisions/watchVerdict';
import { otherColor } from '@bluegreen-backstage/plugin-blue-green-common';
import { EntityContext } from '../entities/EntityResolver';
import { ChecklistReader } from '../observation/ChecklistReader';
import {
  Observation,
  ObservationReader,
} from '../observation/ObservationReader';

/** One evaluation of a watch: what was observed, and what it calls for. */
export type WatchEvaluation = {
  observation: Observation;
  /** The watch as evaluated: its colors as the strategy names them now. */
  watch: StoredWatch;
  verdict: WatchVerdict;
};

/**
 * Evaluates a watch's rollback criteria once: its evidence read in one round, then the pure
 * criteria and verdict with the entity's settings. The post-promote watch runs it on a schedule;
 * a stepped shift runs it at every step.
 */
export class WatchEvaluator {
  readonly #observer: ObservationReader;
  readonly #checklists: ChecklistReader;

  constructor(options: {
    observer: ObservationReader;
    checklists: ChecklistReader;
  }) {
    this.#observer = options.observer;
    this.#checklists = options.checklists;
  }

  async evaluate(
    context: EntityContext,
    stored: StoredWatch,
    now: () => Date = () => new Date(),
  ): Promise<WatchEvaluation> {
    let watch = stored;
    let observation = await this.#observer.observe(context, 'watch', {
      watch,
    });
    // The promoted workload under the color its strategy gives it now (Argo Rollouts may name its
    // ReplicaSets' colors anew after a promote): the criteria are read for that color.
    const color = colorOfWorkload(
      observation.snapshot.colors,
      watch.promotedWorkload,
    );
    if (color && color !== watch.promotedTo) {
      watch = { ...watch, promotedTo: color, previous: otherColor(color) };
      observation = await this.#observer.observe(context, 'watch', { watch });
    }
    const settings = this.#checklists.settings(context);
    const evidence = observation.watchEvidence!;
    const warnings = [
      ...new Set(
        [
          ...Object.values(evidence.readings).flatMap(readings =>
            Object.values(readings),
          ),
          ...Object.values(evidence.custom ?? {}),
        ]
          .map(r => r?.error)
          .filter((e): e is string => Boolean(e)),
      ),
    ];
    if (!evidence.prometheusConfigured) {
      warnings.push('no Prometheus is configured: metric criteria are unknown');
    }
    const at = now();
    const result = evaluateCriteria({
      color: watch.promotedTo,
      previous: watch.previous,
      readings: evidence.readings,
      baseline: evidence.baseline,
      health: evidence.health,
      thresholds: settings.thresholds,
      settings: settings.criteria,
      failingSince: watch.failingSince,
      now: at,
      extra: [
        ...customReads(settings.custom, 'rollback').map(check =>
          customCriterion(check, evidence.custom?.[check.id], watch.promotedTo),
        ),
        ...(evidence.logs
          ? [logCriterion(evidence.logs, settings.thresholds)]
          : []),
      ],
    });
    const graceMs = Math.max(
      0,
      ...Object.values(settings.criteria)
        .filter(c => c.action === 'rollback')
        .map(c => c.forMs),
    );
    return {
      observation,
      watch,
      verdict: watchVerdict(watch, { ...result, warnings }, at, graceMs),
    };
  }
}
