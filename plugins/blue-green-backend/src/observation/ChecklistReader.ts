import { LRUCache } from 'lru-cache';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  Checklist,
  Color,
  HistoryEntry,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { BlueGreenConfig } from '../config';
import { ChecklistStatusStore } from '../database/ChecklistStatusStore';
import {
  skippedItemsOf,
  sloOf,
  thresholdsOf,
} from '../decisions/checkSettings';
import { criteriaOf } from '../decisions/criteriaSettings';
import { customChecksOf, withCustomCriteria } from '../decisions/customChecks';
import {
  buildChecklist,
  ChecklistSettings,
  Phase,
  phaseColors,
} from '../decisions/checklist/checklist';
import { ChecklistEvidence } from '../decisions/checklist/evidence';
import { versionKey } from '../decisions/revision';
import { EntityContext } from '../entities/EntityResolver';
import { errorMessage } from '../operations/OperationRecorder';
import { EvidenceReader } from './EvidenceReader';

/** A checklist and the evidence it was built on (other checklists can be built from it too). */
export type EvaluatedChecklist = {
  checklist: Checklist;
  evidence: ChecklistEvidence;
};

/**
 * Evaluates checklists — the evidence read in one round, then the pure builders — and reuses an
 * evaluation for `checks.cacheTtl` (status polls, a promote right after a look). Each pre-deploy
 * result is saved for the fleet page.
 */
export class ChecklistReader {
  readonly #evidence: EvidenceReader;
  readonly #statuses: ChecklistStatusStore;
  readonly #config: BlueGreenConfig;
  readonly #logger: LoggerService;
  readonly #cache = new LRUCache<string, { at: number; checklist: Checklist }>({
    max: 5000,
  });

  constructor(options: {
    evidence: EvidenceReader;
    statuses: ChecklistStatusStore;
    config: BlueGreenConfig;
    logger: LoggerService;
  }) {
    this.#evidence = options.evidence;
    this.#statuses = options.statuses;
    this.#config = options.config;
    this.#logger = options.logger;
  }

  /** Whether promote waits for the pre-deploy checklist's required items. */
  get requiredForPromote(): boolean {
    return this.#config.checks.requiredForPromote;
  }

  /** What the entity's checklists are judged against: config, then its annotations. */
  settings(context: EntityContext): ChecklistSettings {
    const custom = customChecksOf(context.entity, this.#config.checks.custom);
    return {
      thresholds: thresholdsOf(context.entity, this.#config.checks.thresholds),
      slo: sloOf(context.entity, this.#config.slo),
      healthPath: context.target.healthPath,
      skipped: skippedItemsOf(context.entity),
      items: this.#config.checks.items,
      criteria: withCustomCriteria(
        criteriaOf(context.entity, this.#config.watch.criteria),
        custom,
      ),
      custom,
    };
  }

  #key(
    context: EntityContext,
    snapshot: StrategySnapshot,
    phase: Phase,
    color: Color,
  ) {
    return `${context.entityRef}|${phase}|${color}|${versionKey(
      snapshot,
      color,
    )}|${snapshot.live}`;
  }

  /** A checklist evaluated less than `checks.cacheTtl` ago for the same state, if any. */
  cached(
    context: EntityContext,
    snapshot: StrategySnapshot,
    phase: Phase,
    lastSwitch?: HistoryEntry,
  ): Checklist | undefined {
    const { color } = phaseColors(snapshot, phase, lastSwitch);
    const hit = this.#cache.get(this.#key(context, snapshot, phase, color));
    return hit && Date.now() - hit.at < this.#config.checks.cacheTtlMs
      ? hit.checklist
      : undefined;
  }

  /**
   * Evaluates a phase's checklist now. `alsoColors` reads the pre-deploy evidence of more colors
   * in the same round (a promote reads the live color's too, to build its checklist once it is
   * idle).
   */
  async evaluate(
    context: EntityContext,
    snapshot: StrategySnapshot,
    phase: Phase,
    options: { lastSwitch?: HistoryEntry; alsoColors?: Color[] } = {},
  ): Promise<EvaluatedChecklist> {
    const settings = this.settings(context);
    const { color } = phaseColors(snapshot, phase, options.lastSwitch);
    const colors = [color, ...(options.alsoColors ?? [])];
    let evidence: ChecklistEvidence;
    if (phase === 'pre') {
      evidence = await this.#evidence.preDeploy(context, snapshot, {
        colors,
        slo: settings.slo,
        custom: settings.custom,
      });
    } else {
      const last = options.lastSwitch;
      evidence = await this.#evidence.postDeploy(context, snapshot, {
        color,
        slo: settings.slo,
        switchedAt:
          last?.to === color && last.outcome === 'succeeded'
            ? new Date(last.createdAt)
            : undefined,
        signOffColors: colors,
        custom: settings.custom,
      });
    }
    const checklist = await this.build(context, snapshot, phase, evidence, {
      lastSwitch: options.lastSwitch,
      settings,
    });
    return { checklist, evidence };
  }

  /** Builds a checklist from evidence already read, and remembers it (pre-deploy: for the fleet too). */
  async build(
    context: EntityContext,
    snapshot: StrategySnapshot,
    phase: Phase,
    evidence: ChecklistEvidence,
    options: { lastSwitch?: HistoryEntry; settings?: ChecklistSettings } = {},
  ): Promise<Checklist> {
    const checklist = buildChecklist({
      phase,
      snapshot,
      lastSwitch: options.lastSwitch,
      settings: options.settings ?? this.settings(context),
      evidence,
    });
    this.#cache.set(this.#key(context, snapshot, phase, checklist.color), {
      at: Date.now(),
      checklist,
    });
    if (phase === 'pre') {
      // For the fleet; a failed save only leaves its column older.
      await this.#statuses
        .save({
          entityRef: context.entityRef,
          color: checklist.color,
          version: versionKey(snapshot, checklist.color),
          status: checklist.status,
        })
        .catch(error =>
          this.#logger.warn(
            `Could not save the pre-deploy status of ${
              context.entityRef
            }: ${errorMessage(error)}`,
          ),
        );
    }
    return checklist;
  }

  /** Forgets an entity's evaluations (a sign-off changed them). */
  forget(entityRef: string): void {
    for (const key of [...this.#cache.keys()]) {
      if (key.startsWith(`${entityRef}|`)) this.#cache.delete(key);
    }
  }
}
