import {
  Checklist,
  Color,
  EntityStatus,
  HistoryEntry,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { StrategySnapshot } from '@bluegreen-backstage/plugin-blue-green-node';
import { HistoryStore } from '../database/HistoryStore';
import { ScaleDownStore } from '../database/ScaleDownStore';
import { SignOffs } from '../database/SignOffStore';
import { StoredWatch, WatchStore } from '../database/WatchStore';
import { promoteReasonsOf } from '../decisions/checklist/checklist';
import { ChecklistEvidence } from '../decisions/checklist/evidence';
import { contractReasons } from '../decisions/checklist/manualItems';
import { versionKey } from '../decisions/revision';
import { CheckFacts, composeStatus, HistoryFacts } from '../decisions/status';
import { liveColorOf } from '../decisions/switchDecision';
import { EntityContext, EntityPlace } from '../entities/EntityResolver';
import { ChecklistReader } from './ChecklistReader';
import { EvidenceReader, WatchEvidence } from './EvidenceReader';

/** The first round of every request: the strategy's snapshot and the history's facts. */
export type Reads = { snapshot: StrategySnapshot; facts: HistoryFacts };

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
export type Observation = {
  snapshot: StrategySnapshot;
  facts: HistoryFacts;
  checks: CheckFacts;
  /** The pre-deploy checklist promote was decided on, when it gates promote. */
  checklist?: Checklist;
  /** What that checklist was built on (`promote`: of both colors). */
  evidence?: ChecklistEvidence;
  /** Sign-offs read, by color, with the version they belong to. */
  signOffs: Map<Color, { version: string; signOffs: SignOffs }>;
  /** `watch`: the watch's evidence. */
  watchEvidence?: WatchEvidence;
  status: EntityStatus;
};

const NO_CHECKS: CheckFacts = { promote: [], rollback: [] };

/**
 * Reads an entity once per request: its strategy's snapshot and history facts in one parallel
 * round (started early, while the catalog answers, when the entity was seen before), then the
 * evidence its purpose needs in a second one. The status is composed from that, purely.
 */
export class ObservationReader {
  readonly #history: HistoryStore;
  readonly #scaleDowns: ScaleDownStore;
  readonly #watches: WatchStore;
  readonly #checklists: ChecklistReader;
  readonly #evidence: EvidenceReader;

  constructor(options: {
    history: HistoryStore;
    scaleDowns: ScaleDownStore;
    watches: WatchStore;
    checklists: ChecklistReader;
    evidence: EvidenceReader;
  }) {
    this.#history = options.history;
    this.#scaleDowns = options.scaleDowns;
    this.#watches = options.watches;
    this.#checklists = options.checklists;
    this.#evidence = options.evidence;
  }

  /** The cluster objects and the history facts of an entity, read in parallel. */
  read = async (place: EntityPlace): Promise<Reads> => {
    const [snapshot, lastSwitch, inProgress, scaleDown, watch] =
      await Promise.all([
        place.strategy.read(place.kube, place.target),
        this.#history.lastSwitch(place.entityRef),
        this.#history.inProgress(place.entityRef),
        this.#scaleDowns.scheduled(place.entityRef),
        this.#watches.latest(place.entityRef),
      ]);
    return { snapshot, facts: { lastSwitch, inProgress, scaleDown, watch } };
  };

  /** Observes an entity for a purpose; `reads` are the first round, when already started. */
  async observe(
    context: EntityContext,
    purpose: Purpose,
    options: { reads?: Promise<Reads>; watch?: StoredWatch } = {},
  ): Promise<Observation> {
    const { snapshot, facts } = await (options.reads ?? this.read(context));
    const [checked, heading, watchEvidence] = await Promise.all([
      purpose === 'cluster'
        ? undefined
        : this.#checks(context, snapshot, facts.lastSwitch, purpose),
      // Traffic split between colors: promote finishes, and rollback undoes, the last shift tried.
      snapshot.live === 'split'
        ? this.#history.lastSwitch(context.entityRef, { attempts: true })
        : undefined,
      purpose === 'watch' && options.watch
        ? this.#evidence.watch(
            context,
            snapshot,
            options.watch,
            this.#checklists.settings(context).slo,
          )
        : undefined,
    ]);
    const checks = checked?.checks ?? NO_CHECKS;
    return {
      snapshot,
      facts,
      checks,
      checklist: checked?.checklist,
      evidence: checked?.evidence,
      signOffs: checked?.signOffs ?? new Map(),
      watchEvidence,
      status: this.compose(
        context,
        snapshot,
        {
          ...facts,
          lastSwitch: heading ?? facts.lastSwitch,
        },
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
      snapshot,
      facts,
      checks,
    });
  }

  /**
   * What the checklists say about the state a switch left, without evaluating again: a promote
   * builds the new idle color's pre-deploy checklist from the evidence its own observation read
   * of it; otherwise a fresh evaluation is reused when there is one. The live color's sign-offs
   * are read unless the observation read them.
   */
  async checksAfterSwitch(
    context: EntityContext,
    before: Observation,
    after: StrategySnapshot,
  ): Promise<CheckFacts> {
    const live = liveColorOf(after);
    if (!live) return NO_CHECKS;
    const known = before.signOffs.get(live);
    const [promote, liveSignOffs] = await Promise.all([
      this.#afterPromoteReasons(context, before, after, otherColor(live)),
      known?.version === versionKey(after, live)
        ? known.signOffs
        : this.#evidence
            .signOffs(context, after, [live])
            .then(all => all.get(live) ?? new Map()),
    ]);
    return {
      promote,
      rollback: contractReasons(live, after.colors[live].version, liveSignOffs),
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

  /** What the checklists say about promote and rollback. */
  async #checks(
    context: EntityContext,
    snapshot: StrategySnapshot,
    lastSwitch: HistoryEntry | undefined,
    purpose: Purpose,
  ): Promise<{
    checks: CheckFacts;
    checklist?: Checklist;
    evidence?: ChecklistEvidence;
    signOffs: Observation['signOffs'];
  }> {
    const live = liveColorOf(snapshot);
    if (!live) return { checks: NO_CHECKS, signOffs: new Map() };
    const gates =
      (purpose === 'status' || purpose === 'promote') &&
      this.#checklists.requiredForPromote;
    let checklist: Checklist | undefined;
    let evidence: ChecklistEvidence | undefined;
    let read: Map<Color, SignOffs>;
    const cached =
      gates && purpose === 'status'
        ? this.#checklists.cached(context, snapshot, 'pre', lastSwitch)
        : undefined;
    if (gates && !cached) {
      ({ checklist, evidence } = await this.#checklists.evaluate(
        context,
        snapshot,
        'pre',
        {
          lastSwitch,
          alsoColors: purpose === 'promote' ? [live] : [],
          signOffColors: [live],
        },
      ));
      read = evidence.signOffs;
    } else {
      checklist = cached;
      // Both colors' in one query: after a switch the other one is live, and its are known.
      read = await this.#evidence.signOffs(context, snapshot, [
        live,
        otherColor(live),
      ]);
    }
    const signOffs: Observation['signOffs'] = new Map(
      [...read].map(([color, s]) => [
        color,
        { version: versionKey(snapshot, color), signOffs: s },
      ]),
    );
    return {
      checks: {
        promote: checklist ? promoteReasonsOf(checklist) : [],
        rollback: contractReasons(
          live,
          snapshot.colors[live].version,
          read.get(live) ?? new Map(),
        ),
      },
      checklist,
      evidence,
      signOffs,
    };
  }
}
