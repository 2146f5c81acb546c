import {
  Checklist,
  Color,
  EntityStatus,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { FailedVersionStore } from '../database/FailedVersionStore';
import { HistoryStore } from '../database/HistoryStore';
import { ScaleDownStore } from '../database/ScaleDownStore';
import { SignOff, SignOffStore } from '../database/SignOffStore';
import { StoredWatch, WatchStore } from '../database/WatchStore';
import { promoteReasonsOf } from '../decisions/checklist/checklist';
import { ChecklistEvidence } from '../decisions/checklist/evidence';
import {
  CONTRACT_ITEM,
  contractReasons,
} from '../decisions/checklist/manualItems';
import { versionKey } from '../decisions/revision';
import { CheckFacts, composeStatus, HistoryFacts } from '../decisions/status';
import { liveColorOf } from '../decisions/switchDecision';
import { EntityContext, EntityPlace } from '../entities/EntityResolver';
import { ChecklistReader } from './ChecklistReader';
import { EvidenceReader, WatchEvidence } from './EvidenceReader';

/**
 * The first round of every request: the strategy's snapshot, the history's facts, and the
 * contract-phase sign-offs of every version (which decide whether rollback may run).
 */
export type Reads = {
  snapshot: StrategySnapshot;
  facts: HistoryFacts;
  /** By `color|version`. */
  contracts: Map<string, SignOff>;
};

/**
 * Why a request observes an entity, which decides what it reads:
 * - `status`: the tab; the pre-deploy checklist gates promote (reused while fresh);
 * - `promote`: the same, evaluated now, with the live color's evidence for after the switch;
 * - `rollback`: no pre-deploy checklist;
 * - `watch`: a post-promote watch's evidence;
 * - `cluster`: the objects and the history only (scale, traffic controls, background work).
 */
export type Purpose = 'status' | 'promote' | 'rollback' | 'watch' | 'cluster';

/** One observation of an entity: everything a request decides on, read in at most two rounds. */
export type Observation = Reads & {
  checks: CheckFacts;
  /** The pre-deploy checklist promote was decided on, when it gates promote. */
  checklist?: Checklist;
  /** What that checklist was built on (`promote`: of both colors). */
  evidence?: ChecklistEvidence;
  /** `watch`: the watch's evidence. */
  watchEvidence?: WatchEvidence;
  status: EntityStatus;
};

const NO_CHECKS: CheckFacts = { promote: [], rollback: [] };

/** Why rollback must wait: the live version's contract phase, when signed off. */
function rollbackReasons(
  snapshot: StrategySnapshot,
  contracts: Reads['contracts'],
): string[] {
  const live = liveColorOf(snapshot);
  if (!live) return [];
  return contractReasons(
    live,
    snapshot.colors[live].version,
    contracts.get(`${live}|${versionKey(snapshot, live)}`),
  );
}

/**
 * Reads an entity once per request: its strategy's snapshot and history facts in one parallel
 * round (started early, while the catalog answers, when the entity was seen before), then the
 * evidence its purpose needs in a second one, if any. The status is composed from that, purely.
 */
export class ObservationReader {
  readonly #history: HistoryStore;
  readonly #scaleDowns: ScaleDownStore;
  readonly #watches: WatchStore;
  readonly #signOffs: SignOffStore;
  readonly #failedVersions: FailedVersionStore;
  readonly #checklists: ChecklistReader;
  readonly #evidence: EvidenceReader;

  constructor(options: {
    history: HistoryStore;
    scaleDowns: ScaleDownStore;
    watches: WatchStore;
    signOffs: SignOffStore;
    failedVersions: FailedVersionStore;
    checklists: ChecklistReader;
    evidence: EvidenceReader;
  }) {
    this.#history = options.history;
    this.#scaleDowns = options.scaleDowns;
    this.#watches = options.watches;
    this.#signOffs = options.signOffs;
    this.#failedVersions = options.failedVersions;
    this.#checklists = options.checklists;
    this.#evidence = options.evidence;
  }

  /** The cluster objects, the history facts and the contract sign-offs, read in parallel. */
  read = async (place: EntityPlace): Promise<Reads> => {
    const [
      snapshot,
      lastSwitch,
      inProgress,
      scaleDown,
      watch,
      contracts,
      failedVersions,
    ] = await Promise.all([
      place.strategy.read(place.kube, place.target),
      this.#history.lastSwitch(place.entityRef),
      this.#history.inProgress(place.entityRef),
      this.#scaleDowns.scheduled(place.entityRef),
      this.#watches.latest(place.entityRef),
      this.#signOffs.ofItem(place.entityRef, CONTRACT_ITEM),
      this.#failedVersions.ofEntity(place.entityRef),
    ]);
    return {
      snapshot,
      facts: {
        lastSwitch,
        inProgress,
        scaleDown,
        watch,
        failedVersions,
      },
      contracts,
    };
  };

  /** Observes an entity for a purpose; `reads` are the first round, when already started. */
  async observe(
    context: EntityContext,
    purpose: Purpose,
    options: { reads?: Promise<Reads>; watch?: StoredWatch } = {},
  ): Promise<Observation> {
    const reads = await (options.reads ?? this.read(context));
    const { snapshot, facts } = reads;
    const live = liveColorOf(snapshot);
    const gates =
      live &&
      (purpose === 'status' || purpose === 'promote') &&
      this.#checklists.requiredForPromote;
    const cached =
      gates && purpose === 'status'
        ? this.#checklists.cached(context, snapshot, 'pre', facts.lastSwitch)
        : undefined;
    const [evaluated, heading, watchEvidence] = await Promise.all([
      gates && !cached
        ? this.#checklists.evaluate(context, snapshot, 'pre', {
            lastSwitch: facts.lastSwitch,
            alsoColors: purpose === 'promote' ? [live] : [],
          })
        : undefined,
      // Traffic split between colors: promote finishes, and rollback undoes, the last shift tried.
      snapshot.live === 'split'
        ? this.#history.lastSwitch(context.entityRef, { attempts: true })
        : undefined,
      purpose === 'watch' && options.watch
        ? this.#evidence.watch(
            context,
            snapshot,
            options.watch,
            this.#checklists.settings(context),
          )
        : undefined,
    ]);
    const checklist = cached ?? evaluated?.checklist;
    const checks: CheckFacts = {
      promote: checklist ? promoteReasonsOf(checklist) : [],
      rollback: rollbackReasons(snapshot, reads.contracts),
    };
    return {
      ...reads,
      checks,
      checklist,
      evidence: evaluated?.evidence,
      watchEvidence,
      status: this.compose(
        context,
        snapshot,
        { ...facts, lastSwitch: heading ?? facts.lastSwitch },
        checks,
      ),
    };
  }

  /** The status of a snapshot with these facts. */
  compose(
    context: EntityPlace,
    snapshot: StrategySnapshot,
    facts: HistoryFacts,
    checks: CheckFacts = NO_CHECKS,
  ): EntityStatus {
    return composeStatus({
      entityRef: context.entityRef,
      target: context.target,
      strategy: context.strategy,
      cluster: context.kube.cluster,
      readOnly: context.kube.readOnly,
      snapshot,
      facts,
      checks,
    });
  }

  /**
   * What the checklists say about the state a switch left, without reading again: a promote
   * builds the new idle color's pre-deploy checklist from the evidence its own observation read
   * of it; otherwise a fresh evaluation is reused when there is one. Rollback follows the
   * contract sign-offs already read.
   */
  async checksAfterSwitch(
    context: EntityContext,
    before: Observation,
    after: StrategySnapshot,
  ): Promise<CheckFacts> {
    const live = liveColorOf(after);
    if (!live) return NO_CHECKS;
    return {
      promote: await this.#afterPromoteReasons(
        context,
        before,
        after,
        otherColor(live),
      ),
      rollback: rollbackReasons(after, before.contracts),
    };
  }

  async #afterPromoteReasons(
    context: EntityContext,
    before: Observation,
    after: StrategySnapshot,
    idle: Color,
  ): Promise<string[]> {
    if (!this.#checklists.requiredForPromote) return [];
    const checklist =
      before.evidence?.health[idle] !== undefined
        ? await this.#checklists.build(context, after, 'pre', before.evidence)
        : this.#checklists.cached(context, after, 'pre');
    return checklist
      ? promoteReasonsOf(checklist)
      : [
          `the pre-deploy checklist of ${idle} has not been evaluated since the switch; it is when the status is read again`,
        ];
  }
}
