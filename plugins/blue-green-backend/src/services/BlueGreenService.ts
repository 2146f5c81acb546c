import { LRUCache } from 'lru-cache';
import {
  AuditorService,
  AuditorServiceEvent,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  Entity,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  BLUE_GREEN_ANNOTATIONS,
  blueGreenForcePermission,
  blueGreenPromotePermission,
  blueGreenRollbackPermission,
  blueGreenScalePermission,
  blueGreenSignOffPermission,
  BlueGreenTarget,
  Checklist,
  Color,
  Diagnostics,
  EntityStatus,
  HistoryEntry,
  otherColor,
  HistoryPage,
  resolveBlueGreenTarget,
  ScaleRequest,
  SwitchRequest,
  SwitchResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeClient,
  KubernetesGateway,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { Request } from 'express';
import { BlueGreenConfig } from '../config';
import {
  SentRequest,
  STRATEGIES,
  StrategySnapshot,
  SwitchStrategyHandler,
  Verification,
} from '../strategies';
import { decideActions, revisionOf } from './decide';
import { diagnose } from './diagnostics';
import { HistoryStore, ScheduledScaleDown } from './HistoryStore';
import { EntityDecision, EntityPermissions } from './EntityPermissions';
import { ChecksService } from '../checks/ChecksService';
import { StoredWatch, toWatchStatus } from '../checks/ChecksStore';
import {
  annotateGrafana,
  grafanaDashboard,
  prometheusRule,
} from '../checks/monitoring';

/** An entity resolved down to its cluster objects' names and the strategy that switches it. */
type EntityContext = {
  entity: Entity;
  entityRef: string;
  target: BlueGreenTarget;
  handler: SwitchStrategyHandler;
  kube: KubeClient;
};

/** Where an entity's objects are, as its annotations said when the catalog last answered. */
type Placement = Pick<EntityContext, 'entityRef' | 'target'>;

/** What an entity's status is decided on: its cluster objects and its history's facts. */
type Reads = {
  snapshot: StrategySnapshot;
  lastSwitch?: HistoryEntry;
  inProgress?: HistoryEntry;
  scaleDown?: ScheduledScaleDown;
  watch?: StoredWatch;
};

/** The catalog looks entities up case-insensitively; so does the placements' memory. */
const refKey = (ref: CompoundEntityRef) =>
  stringifyEntityRef(ref).toLocaleLowerCase('en-US');

const samePlacement = (a: Placement, b: Placement) =>
  a.entityRef === b.entityRef &&
  JSON.stringify(a.target) === JSON.stringify(b.target);

/** One read of the world: the strategy's snapshot, the history facts, and the status built from them. */
type Observation = {
  snapshot: StrategySnapshot;
  status: EntityStatus;
  /** The pre-deploy checklist promote was decided on, when checks are on. */
  checklist?: Checklist;
};

/** What a switch's write went by, and what it left. */
type Written = {
  /** The snapshot the write was decided on (a fresh one after a retry). */
  decidedOn: StrategySnapshot;
  /** The snapshot the write left, when the strategy can tell (see `switchTo`). */
  after?: StrategySnapshot;
};

type Caller = {
  credentials: BackstageCredentials;
  /** The HTTP request, for the audit event; absent for actions and background work. */
  request?: Request;
};

/** The identity written to history: a user or service entity ref. */
export function actorOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as any;
  if (principal?.type === 'user') return principal.userEntityRef;
  if (principal?.type === 'service') return principal.subject;
  return 'anonymous';
}

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

/** The same kind of error (so the same HTTP status), saying what the cluster shows now. */
function withClusterState(error: unknown, cluster: string): Error {
  const text = `${message(error)} (${cluster})`;
  if (error instanceof ConflictError) return new ConflictError(text);
  if (error instanceof ServiceUnavailableError) {
    return new ServiceUnavailableError(text);
  }
  return isError(error) ? error : new Error(text);
}

/**
 * The switch engine: reads an entity's colors from its cluster, decides whether promote and rollback
 * may run, performs them as compare-and-swap writes, verifies them, and records everything.
 */
export class BlueGreenService {
  readonly #catalog: CatalogService;
  readonly #gateway: KubernetesGateway;
  readonly #history: HistoryStore;
  readonly #permissions: EntityPermissions;
  readonly #auditor: AuditorService;
  readonly #logger: LoggerService;
  readonly #config: BlueGreenConfig;
  readonly #notifications?: NotificationService;
  readonly #signals?: SignalsService;
  readonly #checks?: ChecksService;
  /** Placements remembered, at most one per entity of a large catalog, least recently used out. */
  readonly #placements = new LRUCache<string, Placement>({ max: 10_000 });

  static create(options: {
    catalog: CatalogService;
    gateway: KubernetesGateway;
    history: HistoryStore;
    permissions: PermissionsService;
    auditor: AuditorService;
    logger: LoggerService;
    config: BlueGreenConfig;
    notifications?: NotificationService;
    signals?: SignalsService;
    checks?: ChecksService;
  }) {
    return new BlueGreenService(options);
  }

  private constructor(options: Parameters<typeof BlueGreenService.create>[0]) {
    this.#catalog = options.catalog;
    this.#gateway = options.gateway;
    this.#history = options.history;
    this.#permissions = EntityPermissions.create({
      permissions: options.permissions,
    });
    this.#auditor = options.auditor;
    this.#logger = options.logger;
    this.#config = options.config;
    this.#notifications = options.notifications;
    this.#signals = options.signals;
    this.#checks = options.checks;
  }

  /** `GET /entities/:namespace/:kind/:name` */
  async getStatus(
    ref: CompoundEntityRef,
    caller: Caller,
  ): Promise<EntityStatus> {
    const { context, reads } = await this.#contextWithReads(
      ref,
      caller.credentials,
    );
    return (await this.#observe(context, { reads })).status;
  }

  /** `POST …/promote` and `POST …/rollback` */
  async switch(
    ref: CompoundEntityRef,
    action: 'promote' | 'rollback',
    request: SwitchRequest,
    caller: Caller,
  ): Promise<SwitchResponse> {
    const permission =
      action === 'promote'
        ? blueGreenPromotePermission
        : blueGreenRollbackPermission;
    // The policy's decisions need only the caller: they are asked for while the entity is read.
    const decisions = this.#permissions.decide(
      request.force ? [permission, blueGreenForcePermission] : [permission],
      caller.credentials,
    );
    const { context, reads } = await this.#contextWithReads(
      ref,
      caller.credentials,
    );
    const actor = actorOf(caller.credentials);
    const base = {
      entityRef: context.entityRef,
      action,
      actor,
      reason: request.reason,
      forced: Boolean(request.force),
    } as const;

    if (request.steps && context.target.strategy !== 'istio') {
      throw new InputError('steps are only supported for the istio strategy');
    }
    if (request.full && context.target.strategy !== 'argo-rollouts') {
      throw new InputError(
        'full is only supported for the argo-rollouts strategy',
      );
    }
    // The permission check and the cluster read are independent: run them together. Nothing is
    // written before both are in.
    const [observed, authorized] = await Promise.allSettled([
      this.#observe(context, { freshChecks: action === 'promote', reads }),
      this.#authorize(context, decisions, caller, base),
    ]);
    // A refusal by the permission framework comes first (it is recorded as refused).
    if (authorized.status === 'rejected') throw authorized.reason;
    if (observed.status === 'rejected') {
      // The cluster could not be read: nothing was decided or written, and history says so.
      const cluster =
        'untouched: the cluster could not be read, nothing was written';
      await this.#history.record(
        {
          ...base,
          error: message(observed.reason),
          details: { strategy: context.target.strategy, cluster },
        },
        'failed',
      );
      throw withClusterState(observed.reason, cluster);
    }
    const observation = observed.value;
    const { status } = observation;
    const decision = status[action];
    const refuse = async (reasons: string[]) => {
      await this.#history.record(
        {
          ...base,
          from:
            status.live === 'blue' || status.live === 'green'
              ? status.live
              : undefined,
          to: decision.target,
          error: reasons.join('; '),
          details: {
            strategy: context.target.strategy,
            revision: status.revision,
          },
        },
        'refused',
      );
      throw new ConflictError(`${action} refused: ${reasons.join('; ')}`);
    };

    if (request.revision && request.revision !== status.revision) {
      await refuse([
        `the live state changed since revision ${request.revision} (now ${status.revision}); reload and decide again`,
      ]);
    }
    if (!decision.allowed && !(request.force && decision.forceable)) {
      await refuse(decision.reasons);
    }

    return this.#runSwitch(context, observation, {
      ...base,
      to: decision.target!,
      forcedReasons: decision.allowed ? [] : decision.reasons,
      request,
      caller,
      checklist: action === 'promote' ? observation.checklist : undefined,
    });
  }

  /** Performs a decided switch: history, audit, write, verify, notify. */
  async #runSwitch(
    context: EntityContext,
    observation: Observation,
    run: {
      action: 'promote' | 'rollback' | 'auto-rollback';
      actor: string;
      reason?: string;
      forced: boolean;
      to: Color;
      forcedReasons: string[];
      request: SwitchRequest;
      caller?: Caller;
      evidence?: Record<string, unknown>;
      checklist?: Checklist;
    },
  ): Promise<SwitchResponse> {
    const { snapshot, status } = observation;
    const from = status.live;
    const entry = await this.#history.start({
      entityRef: context.entityRef,
      action: run.action,
      from: from === 'blue' || from === 'green' ? from : undefined,
      to: run.to,
      actor: run.actor,
      reason: run.reason,
      forced: run.forced,
      details: {
        strategy: context.target.strategy,
        cluster: context.kube.cluster,
        revision: status.revision,
        fromState: from,
        ...(run.forcedReasons.length && { forcedPast: run.forcedReasons }),
        ...(run.evidence && { evidence: run.evidence }),
        ...(run.checklist && {
          checklist: {
            status: run.checklist.status,
            color: run.checklist.color,
            version: run.checklist.version,
            items: run.checklist.items.map(i => ({
              id: i.id,
              status: i.status,
              observed: i.observed,
              signOff: i.signOff?.by,
            })),
          },
        }),
      },
    });
    // The history record exists before anything is written (a crash leaves it "in progress", later
    // marked interrupted); the audit event and the signal only need its id, and go out together.
    const [audit] = await Promise.all([
      this.#auditor.createEvent({
        eventId: 'color-switch',
        severityLevel: 'high',
        request: run.caller?.request,
        meta: {
          actionType: run.action,
          entityRef: context.entityRef,
          from,
          to: run.to,
          forced: run.forced,
          historyId: entry.id,
        },
      }),
      this.#publish(context.entityRef, entry),
    ]);

    const sent: SentRequest[] = [];
    let cluster: string | undefined;
    let written: Written;
    try {
      written = await this.#writeWithRetry(
        context,
        snapshot,
        status.revision,
        { ...run, switchId: entry.id },
        sent,
      );
    } catch (error) {
      // Returns only when a re-read shows the switch landed although its answer was lost; what the
      // write left is then unknown, so the status is read again.
      written = { decidedOn: snapshot };
      cluster = await this.#failSwitch(
        context,
        observation,
        entry,
        audit,
        run,
        sent,
        error,
      );
    }

    // The switch is in the cluster: from here on, an error says so instead of hiding it.
    const verification = await context.handler
      .verify(
        context.kube,
        context.target,
        written.decidedOn,
        run.to,
        this.#config.verifyTimeoutMs,
      )
      .catch(
        (error): Verification => ({
          verified: false,
          message: `could not verify the switch: ${message(error)}`,
        }),
      );
    // The status after the switch: when the strategy knows what its write left (the cluster's
    // answer to it) and the switch is verified, that; otherwise a fresh read. Either runs while
    // history is written; the status is composed from both.
    const [finished, after, scaleDown, watch] = await Promise.all([
      this.#history.finish(entry, {
        outcome: 'succeeded',
        details: {
          requests: sent,
          verification,
          ...(cluster && { cluster }),
        },
      }),
      (written.after && verification.verified
        ? Promise.resolve(written.after)
        : context.handler.read(context.kube, context.target)
      )
        .then(async fresh => ({
          snapshot: fresh,
          facts: await this.#checkFacts(context, fresh),
        }))
        .catch(error => error as Error),
      run.action === 'promote'
        ? this.#scheduleScaleDown(context, run.to, entry.id)
        : this.#history
            .cancelScaleDown(context.entityRef)
            .then(() => undefined),
      this.#afterSwitch(context, run, from, entry.id),
    ]);
    await audit.success({ meta: { verified: verification.verified } });
    // Owners and open tabs hear about it without holding up the answer.
    void this.#announce(context, finished, verification);
    if (after instanceof Error) {
      throw new ServiceUnavailableError(
        `${run.action} to ${run.to} was written (history ${
          finished.id
        }), but the cluster could not be read afterwards: ${message(after)}`,
      );
    }
    return {
      entry: finished,
      verification,
      status: this.#compose(context, after.snapshot, {
        lastSwitch: finished,
        scaleDown,
        watch,
        ...after.facts,
      }),
    };
  }

  /**
   * The write, as compare-and-swap. When the cluster refuses it but a fresh read shows the same
   * decision inputs (same revision: only unrelated fields moved, such as a Rollout's status), the
   * write is decided again on the fresh objects; a real change of the live state is a 409.
   */
  async #writeWithRetry(
    context: EntityContext,
    snapshot: StrategySnapshot,
    revision: string,
    run: {
      action: 'promote' | 'rollback' | 'auto-rollback';
      to: Color;
      request: SwitchRequest;
      switchId: string;
    },
    sent: SentRequest[],
  ): Promise<Written> {
    let current = snapshot;
    for (let attempt = 1; ; attempt++) {
      try {
        const after = await context.handler.switchTo(
          context.kube,
          context.target,
          current,
          {
            action: run.action,
            from: current.live,
            to: run.to,
            steps: run.request.steps,
            stepIntervalMs:
              run.request.stepIntervalSeconds !== undefined
                ? run.request.stepIntervalSeconds * 1000
                : this.#config.stepIntervalMs,
            full: run.request.full,
            switchId: run.switchId,
          },
          sent,
        );
        return { decidedOn: current, after: after || undefined };
      } catch (error) {
        if (
          !(error instanceof ConflictError) ||
          sent.length > 0 ||
          attempt >= 3
        ) {
          throw error;
        }
        current = await context.handler.read(context.kube, context.target);
        if (revisionOf(current) !== revision) {
          throw new ConflictError(
            `${run.action} refused: the live state changed while switching (another switch won); reload and decide again`,
          );
        }
      }
    }
  }

  /**
   * A write failed. History says what the cluster shows now, and the caller hears it too:
   * - the cluster refused the compare-and-swap before anything was written: untouched, refused
   *   (another switch won) — definitive, no re-read needed;
   * - otherwise (an error, a timeout, a dropped connection: the write may or may not have landed) a
   *   re-read decides: the target is live → the switch landed and its answer was lost, which is
   *   returned to carry on as a success; the previous state is live → untouched; anything else
   *   (a stepped shift stopped half-way) → the strategy puts the previous split back where it can,
   *   so the cluster ends fully switched or untouched, and partial only when even that fails.
   */
  async #failSwitch(
    context: EntityContext,
    observation: Observation,
    entry: HistoryEntry,
    audit: AuditorServiceEvent,
    run: { action: string; to: Color },
    sent: SentRequest[],
    error: unknown,
  ): Promise<string> {
    const before = observation.snapshot;
    const refusedCas = error instanceof ConflictError && sent.length === 0;
    let observed: string = before.live;
    let cluster = `untouched: the cluster refused the compare-and-swap; live is ${before.live}`;
    if (!refusedCas) {
      const read = () => context.handler.read(context.kube, context.target);
      let after = await read().catch(readError => readError as Error);
      // The target is live — by this write, when the object carries its switch id (a concurrent
      // switch to the same color is someone else's success, not this one's).
      if (
        !(after instanceof Error) &&
        after.live === run.to &&
        (!context.handler.marksSwitches || after.switchId === entry.id)
      ) {
        return `switched: ${
          run.to
        } is live although the cluster's answer was lost (${message(error)})`;
      }
      if (
        !(after instanceof Error) &&
        after.live !== before.live &&
        sent.length > 0 &&
        context.handler.restore
      ) {
        const restoring: SentRequest[] = [];
        try {
          await context.handler.restore(
            context.kube,
            context.target,
            before,
            after,
            restoring,
          );
        } catch (restoreError) {
          this.#logger.warn(
            `Could not restore ${
              context.entityRef
            } after a failed switch: ${message(restoreError)}`,
          );
        }
        sent.push(...restoring);
        after = await read().catch(readError => readError as Error);
      }
      if (after instanceof Error) {
        observed = `unknown (${message(after)})`;
        cluster = `unknown: the cluster could not be read after the error (${message(
          after,
        )}); ${sent.length} request(s) were accepted`;
      } else {
        observed = after.live;
        if (after.live === before.live) {
          cluster = `untouched: live is ${after.live}${
            sent.length
              ? ` (${sent.length} request(s) accepted; the previous traffic split is back)`
              : ''
          }`;
        } else if (sent.length > 0) {
          cluster = `partial: ${sent.length} request(s) accepted before the error; live is ${after.live}`;
        } else if (context.handler.marksSwitches) {
          // The object does not carry this switch's id: another switch moved it meanwhile.
          cluster = `untouched by this request: live is ${after.live}, switched by another request`;
        } else {
          cluster = `unknown: live is ${after.live}, switched by this write or a concurrent one`;
        }
      }
    }
    const finished = await this.#history.finish(entry, {
      outcome: refusedCas ? 'refused' : 'failed',
      error: message(error),
      details: { requests: sent, cluster, observedLive: observed },
    });
    await audit.fail({
      error: isError(error) ? error : new Error(message(error)),
    });
    await this.#publish(context.entityRef, finished);
    throw withClusterState(error, cluster);
  }

  /**
   * After a switch: a promote starts the post-promote watch (seed 000 §1.3); any rollback ends the
   * running one.
   */
  async #afterSwitch(
    context: EntityContext,
    run: { action: 'promote' | 'rollback' | 'auto-rollback'; to: Color },
    from: EntityStatus['live'],
    historyId: string,
  ): Promise<StoredWatch | undefined> {
    if (!this.#checks) return undefined;
    const { store, config } = this.#checks;
    if (run.action === 'promote') {
      if (!config.watch.enabled) return undefined;
      return store.startWatch({
        entityRef: context.entityRef,
        historyId,
        promotedTo: run.to,
        previous:
          from === 'blue' || from === 'green' ? from : otherColor(run.to),
        autoRollback: this.#checks.autoRollback(context.entity),
        windowSeconds: config.watch.windowSeconds,
      });
    }
    if (run.action === 'rollback') {
      await store.stopWatches(
        context.entityRef,
        'stopped',
        `rolled back by hand (${historyId})`,
      );
    }
    return store.latestWatch(context.entityRef);
  }

  #requireChecks(): ChecksService {
    if (!this.#checks) {
      throw new NotFoundError('checklists are not enabled in this backend');
    }
    return this.#checks;
  }

  /** `GET …/checklist?phase=pre|post` */
  async checklist(
    ref: CompoundEntityRef,
    phase: 'pre' | 'post',
    caller: Caller,
  ): Promise<Checklist> {
    const checks = this.#requireChecks();
    const context = await this.#context(ref, caller.credentials);
    const [snapshot, lastSwitch] = await Promise.all([
      context.handler.read(context.kube, context.target),
      this.#history.lastSwitch(context.entityRef),
    ]);
    return checks.checklist(context, snapshot, phase, lastSwitch);
  }

  /** `POST …/checklist/:itemId/sign-off` and `DELETE` (withdraw): returns the updated checklist. */
  async signOff(
    ref: CompoundEntityRef,
    itemId: string,
    signOff: { note?: string } | undefined,
    caller: Caller,
  ): Promise<Checklist> {
    const checks = this.#requireChecks();
    const decisions = this.#permissions.decide(
      [blueGreenSignOffPermission],
      caller.credentials,
    );
    const context = await this.#context(ref, caller.credentials);
    const actor = actorOf(caller.credentials);
    const base = {
      entityRef: context.entityRef,
      action: signOff ? ('sign-off' as const) : ('sign-off-withdrawn' as const),
      actor,
      reason: signOff?.note,
      forced: false,
    };
    const [snapshot, lastSwitch] = await Promise.all([
      context.handler.read(context.kube, context.target),
      this.#history.lastSwitch(context.entityRef),
      this.#authorize(context, decisions, caller, base),
    ]);
    const result = await checks.setSignOff(
      context,
      snapshot,
      itemId,
      signOff && { by: actor, note: signOff.note },
      lastSwitch,
    );
    if (!signOff && !result.changed) {
      throw new NotFoundError(
        `${itemId} has no sign-off for ${result.color}'s current version`,
      );
    }
    const entry = await this.#history.record(
      {
        ...base,
        to: result.color,
        details: {
          item: itemId,
          version: snapshot.colors[result.color].version,
        },
      },
      'succeeded',
    );
    await this.#auditor
      .createEvent({
        eventId: 'checklist-sign-off',
        severityLevel: 'medium',
        request: caller.request,
        meta: {
          actionType: base.action,
          entityRef: context.entityRef,
          item: itemId,
          color: result.color,
        },
      })
      .then(event => event.success());
    await this.#publish(context.entityRef, entry);
    return checks.checklist(context, snapshot, result.phase, lastSwitch, {
      fresh: true,
    });
  }

  /** `GET …/metrics?range=&step=` */
  async metrics(
    ref: CompoundEntityRef,
    range: { seconds: number; stepSeconds: number },
    caller: Caller,
  ) {
    const checks = this.#requireChecks();
    const context = await this.#context(ref, caller.credentials);
    const snapshot = await context.handler.read(context.kube, context.target);
    return checks.metrics(context, snapshot, range);
  }

  /** `GET …/monitoring/prometheus-rules` and `…/monitoring/grafana-dashboard` */
  async monitoring(
    ref: CompoundEntityRef,
    kind: 'prometheus-rules' | 'grafana-dashboard',
    caller: Caller,
  ): Promise<object> {
    const checks = this.#requireChecks();
    const context = await this.#context(ref, caller.credentials);
    const snapshot = await context.handler.read(context.kube, context.target);
    const scope = checks.scope(context, snapshot);
    const entity = {
      name: context.entity.metadata.name,
      namespace: context.target.namespace,
      entityRef: context.entityRef,
    };
    return kind === 'prometheus-rules'
      ? prometheusRule(
          checks.config,
          scope,
          entity,
          checks.thresholds(context.entity),
        )
      : grafanaDashboard(checks.config, scope, entity);
  }

  /**
   * Evaluates every running post-promote watch (run by the scheduler, once across backend
   * replicas): immediate-rollback criteria that fire roll back when the entity allows it;
   * investigate criteria notify the owners. A window that ends quietly passes.
   */
  async runWatches(credentials: BackstageCredentials): Promise<void> {
    const checks = this.#checks;
    if (!checks) return;
    for (const watch of await checks.store.runningWatches()) {
      try {
        await this.#evaluateWatch(checks, watch, credentials);
      } catch (error) {
        this.#logger.warn(
          `Watch of ${watch.entityRef} could not be evaluated: ${message(
            error,
          )}`,
        );
      }
    }
  }

  async #evaluateWatch(
    checks: ChecksService,
    watch: StoredWatch,
    credentials: BackstageCredentials,
  ): Promise<void> {
    const context = await this.#contextOf(watch.entityRef, credentials);
    // The watch decides rollback only: the pre-deploy checklist is not needed.
    const observation = await this.#observe(context, { promoteChecks: false });
    const { snapshot } = observation;
    if (snapshot.live !== watch.promotedTo) {
      await checks.store.stopWatches(
        watch.entityRef,
        'stopped',
        `${watch.promotedTo} is no longer live (live: ${snapshot.live})`,
      );
      return;
    }
    const result = await checks.evaluateWatch(context, snapshot, watch);
    const firing = result.criteria.filter(c => c.firing);
    const rollback = firing.filter(c => c.action === 'rollback');
    const investigate = firing.filter(
      c => c.action === 'investigate' && !watch.notified.includes(c.id),
    );
    const ended = Date.now() >= new Date(watch.endsAt).getTime();
    const passed = ended && rollback.length === 0;
    const saved = await checks.store.saveEvaluation(watch.id, {
      criteria: result.criteria,
      streaks: result.streaks,
      notified: [...watch.notified, ...investigate.map(c => c.id)],
      ...(passed && {
        state: 'passed' as const,
        result: `no rollback criterion fired in the window${
          result.warnings.length ? ` (${result.warnings.join('; ')})` : ''
        }`,
      }),
    });
    if (!saved) return; // stopped meanwhile
    if (investigate.length > 0) {
      await this.#notifyOwners(context, {
        title: `${context.entity.metadata.name}: investigate ${watch.promotedTo}`,
        description: investigate
          .map(c => `${c.title}: ${c.observed} (${c.threshold})`)
          .join('; '),
        severity: 'high',
      });
    }
    if (rollback.length === 0) {
      await this.#publishWatch(context.entityRef, watch.id);
      return;
    }
    const evidence = {
      watchId: watch.id,
      criteria: rollback.map(c => ({
        id: c.id,
        title: c.title,
        observed: c.observed,
        threshold: c.threshold,
        evidence: c.evidence,
      })),
    };
    const why = rollback.map(c => `${c.title}: ${c.observed}`).join('; ');
    if (!watch.autoRollback) {
      if (!watch.notified.includes('rollback')) {
        await checks.store.saveEvaluation(watch.id, {
          criteria: result.criteria,
          streaks: result.streaks,
          notified: [
            ...watch.notified,
            ...investigate.map(c => c.id),
            'rollback',
          ],
        });
        await this.#notifyOwners(context, {
          title: `${context.entity.metadata.name}: roll back ${watch.promotedTo}`,
          description: `Rollback criteria fire (automatic rollback is off): ${why}`,
          severity: 'critical',
        });
      }
      return;
    }
    // Only one evaluation (of one replica) rolls back.
    if (!(await checks.store.claimRollback(watch.id))) return;
    const decision = observation.status.rollback;
    try {
      // Never forced: a previous color that is not ready, or a signed-off contract phase, needs a
      // person; the owners are told below.
      if (!decision.target || !decision.allowed) {
        throw new ConflictError(
          `automatic rollback impossible: ${decision.reasons.join('; ')}`,
        );
      }
      await this.#runSwitch(context, observation, {
        action: 'auto-rollback',
        actor: actorOf(credentials),
        reason: `automatic rollback: ${why}`,
        forced: false,
        to: decision.target,
        forcedReasons: [],
        request: {},
        evidence,
      });
      await checks.store.finishRollback(
        watch.id,
        'rolled-back',
        `rolled back to ${decision.target}: ${why}`,
      );
    } catch (error) {
      await checks.store.finishRollback(
        watch.id,
        'stopped',
        `automatic rollback failed: ${message(error)}`,
      );
      await this.#notifyOwners(context, {
        title: `${context.entity.metadata.name}: automatic rollback failed`,
        description: `${why}. ${message(error)}`,
        severity: 'critical',
      });
    }
    await this.#publishWatch(context.entityRef, watch.id);
  }

  async #publishWatch(entityRef: string, watchId: string): Promise<void> {
    try {
      await this.#signals?.publish({
        recipients: { type: 'broadcast' },
        channel: `blue-green:${entityRef}`,
        message: { entityRef, watchId },
      });
    } catch (error) {
      this.#logger.debug(`Could not publish a signal: ${message(error)}`);
    }
  }

  async #contextOf(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<EntityContext> {
    const [kind, rest] = entityRef.split(':');
    const [namespace, name] = rest.split('/');
    return this.#context({ kind, namespace, name }, credentials);
  }

  /** `POST …/scale` */
  async scale(
    ref: CompoundEntityRef,
    request: ScaleRequest,
    caller: Caller,
  ): Promise<EntityStatus> {
    const decisions = this.#permissions.decide(
      [blueGreenScalePermission],
      caller.credentials,
    );
    const context = await this.#context(ref, caller.credentials);
    const base = {
      entityRef: context.entityRef,
      action: 'scale' as const,
      actor: actorOf(caller.credentials),
      reason: request.reason,
      forced: false,
      to: request.color,
    };
    await this.#authorize(context, decisions, caller, base);
    const { status, snapshot } = await this.#observe(context);
    if (status.live === request.color && request.replicas === 0) {
      await this.#history.record(
        { ...base, error: `${request.color} is live` },
        'refused',
      );
      throw new ConflictError(
        `scale refused: ${request.color} takes the live traffic; scaling it to 0 would drop every request`,
      );
    }
    await this.#mutate(context, base, caller, async () => {
      const write = await context.handler.scale(
        context.kube,
        context.target,
        snapshot,
        request.color,
        request.replicas,
      );
      return { requests: write.requests, replicas: request.replicas };
    });
    return (await this.#observe(context)).status;
  }

  /** `POST …/preview-route` (Istio): the `x-canary: true` header route to the idle color. */
  async setPreviewRoute(
    ref: CompoundEntityRef,
    enabled: boolean,
    caller: Caller,
  ): Promise<EntityStatus> {
    return this.#istioTraffic(
      ref,
      caller,
      'preview-route',
      { enabled },
      (h, c, s) => h.setPreviewRoute!(c.kube, c.target, s, enabled),
    );
  }

  /** `POST …/mirror` (Istio): copy a share of live traffic to the idle color. */
  async setMirror(
    ref: CompoundEntityRef,
    mirror: { enabled: boolean; percent: number },
    caller: Caller,
  ): Promise<EntityStatus> {
    return this.#istioTraffic(ref, caller, 'mirror', mirror, (h, c, s) =>
      h.setMirror!(c.kube, c.target, s, mirror),
    );
  }

  async #istioTraffic(
    ref: CompoundEntityRef,
    caller: Caller,
    action: 'preview-route' | 'mirror',
    settings: Record<string, unknown>,
    write: (
      handler: SwitchStrategyHandler,
      context: EntityContext,
      snapshot: StrategySnapshot,
    ) => Promise<{ requests: SentRequest[] }>,
  ): Promise<EntityStatus> {
    const decisions = this.#permissions.decide(
      [blueGreenPromotePermission],
      caller.credentials,
    );
    const context = await this.#context(ref, caller.credentials);
    if (!context.handler.setPreviewRoute || !context.handler.setMirror) {
      throw new InputError(
        `${action} needs the istio strategy; ${context.entityRef} uses ${context.target.strategy}`,
      );
    }
    const base = {
      entityRef: context.entityRef,
      action,
      actor: actorOf(caller.credentials),
      forced: false,
    };
    await this.#authorize(context, decisions, caller, base);
    const { snapshot } = await this.#observe(context);
    if (snapshot.problems.length > 0) {
      throw new ConflictError(
        `${action} refused: ${snapshot.problems.join('; ')}`,
      );
    }
    await this.#mutate(context, base, caller, async () => {
      const result = await write(context.handler, context, snapshot);
      return { requests: result.requests, ...settings };
    });
    return (await this.#observe(context)).status;
  }

  /** A single-request mutation (scale, preview route, mirror): history, audit, signal. */
  async #mutate(
    context: EntityContext,
    base: Parameters<HistoryStore['start']>[0],
    caller: Caller | undefined,
    work: () => Promise<Record<string, unknown>>,
  ): Promise<HistoryEntry> {
    const entry = await this.#history.start(base);
    const audit = await this.#auditor.createEvent({
      eventId: 'color-switch',
      severityLevel: 'medium',
      request: caller?.request,
      meta: {
        actionType: base.action,
        entityRef: context.entityRef,
        historyId: entry.id,
      },
    });
    try {
      const details = await work();
      const finished = await this.#history.finish(entry, {
        outcome: 'succeeded',
        details,
      });
      await audit.success();
      await this.#publish(context.entityRef, finished);
      return finished;
    } catch (error) {
      const finished = await this.#history.finish(entry, {
        outcome: 'failed',
        error: message(error),
      });
      await audit.fail({
        error: isError(error) ? error : new Error(message(error)),
      });
      await this.#publish(context.entityRef, finished);
      throw error;
    }
  }

  /** `GET …/diagnostics` */
  async diagnostics(
    ref: CompoundEntityRef,
    caller: Caller,
  ): Promise<Diagnostics> {
    const context = await this.#context(ref, caller.credentials);
    const [snapshot, events] = await Promise.all([
      context.handler.read(context.kube, context.target),
      context.kube.list(KUBE_RESOURCES.events, context.target.namespace),
    ]);
    return diagnose(snapshot, events.items);
  }

  /** `GET …/history` */
  async history(
    ref: CompoundEntityRef,
    page: { limit: number; before?: string },
    caller: Caller,
  ): Promise<HistoryPage> {
    const entity = await this.#entity(ref, caller.credentials);
    try {
      return await this.#history.list(stringifyEntityRef(entity), page);
    } catch (error) {
      if (message(error) === 'invalid cursor') {
        throw new InputError(
          'before is not a cursor returned by this endpoint',
        );
      }
      throw error;
    }
  }

  /**
   * Scales down idle colors whose delay after a promote has passed (run by the scheduler, once
   * across backend replicas). The color is only scaled if it is still idle.
   */
  async runDueScaleDowns(credentials: BackstageCredentials): Promise<void> {
    for (const due of await this.#history.dueScaleDowns(new Date())) {
      await this.#history.cancelScaleDown(due.entityRef);
      try {
        const context = await this.#contextOf(due.entityRef, credentials);
        const { status, snapshot } = await this.#observe(context);
        if (
          status.live === due.color ||
          status.colors[due.color].replicas.desired <= due.replicas
        ) {
          continue;
        }
        await this.#mutate(
          context,
          {
            entityRef: context.entityRef,
            action: 'scale-down',
            actor: actorOf(credentials),
            reason: `scheduled after promote ${due.historyId ?? ''}`.trim(),
            forced: false,
            to: due.color,
          },
          undefined,
          async () => {
            const write = await context.handler.scale(
              context.kube,
              context.target,
              snapshot,
              due.color,
              due.replicas,
            );
            return { requests: write.requests, replicas: due.replicas };
          },
        );
      } catch (error) {
        this.#logger.warn(
          `Scheduled scale-down of ${due.entityRef} failed: ${message(error)}`,
        );
      }
    }
  }

  /**
   * Marks operations left "in progress" by a backend that stopped mid-switch as interrupted, with
   * what the cluster shows now.
   */
  async sweepInterrupted(credentials: BackstageCredentials): Promise<void> {
    for (const stale of await this.#history.staleInProgress(
      this.#config.interruptedAfterMs,
    )) {
      let observed = 'unknown';
      try {
        const context = await this.#contextOf(stale.entityRef, credentials);
        observed = (await context.handler.read(context.kube, context.target))
          .live;
      } catch (error) {
        observed = `unknown (${message(error)})`;
      }
      const isSwitch = ['promote', 'rollback', 'auto-rollback'].includes(
        stale.action,
      );
      let cluster: string | undefined;
      if (isSwitch && observed === stale.to) {
        cluster = `switched: ${stale.to} is live`;
      } else if (isSwitch && observed === (stale.from ?? 'none')) {
        cluster = `untouched: live is ${observed}`;
      } else if (isSwitch) {
        cluster = `partial: live is ${observed}; promote or roll back to finish`;
      }
      await this.#history.finish(stale, {
        outcome: 'interrupted',
        error: 'the backend stopped before the operation finished',
        details: { observedLive: observed, ...(cluster && { cluster }) },
      });
    }
  }

  async #scheduleScaleDown(
    context: EntityContext,
    promoted: Color,
    historyId: string,
  ): Promise<ScheduledScaleDown | undefined> {
    if (context.target.strategy === 'argo-rollouts') return undefined; // Argo has scaleDownDelaySeconds itself
    const annotation =
      context.entity.metadata.annotations?.[
        BLUE_GREEN_ANNOTATIONS.scaleDownDelaySeconds
      ];
    let delaySeconds: number | undefined = this.#config.scaleDown.enabled
      ? this.#config.scaleDown.delaySeconds
      : undefined;
    if (annotation === 'off') delaySeconds = undefined;
    else if (
      annotation !== undefined &&
      Number.isFinite(Number(annotation)) &&
      Number(annotation) >= 0
    ) {
      delaySeconds = Number(annotation);
    }
    if (delaySeconds === undefined) {
      await this.#history.cancelScaleDown(context.entityRef);
      return undefined;
    }
    const scaleDown: ScheduledScaleDown = {
      entityRef: context.entityRef,
      color: otherColor(promoted),
      replicas: this.#config.scaleDown.replicas,
      dueAt: new Date(Date.now() + delaySeconds * 1000),
      historyId,
    };
    await this.#history.scheduleScaleDown(scaleDown);
    return scaleDown;
  }

  /** The cluster objects and the history facts of an entity, read in parallel. */
  async #read(
    place: Pick<EntityContext, 'entityRef' | 'target' | 'handler' | 'kube'>,
  ): Promise<Reads> {
    const [snapshot, lastSwitch, inProgress, scaleDown, watch] =
      await Promise.all([
        place.handler.read(place.kube, place.target),
        this.#history.lastSwitch(place.entityRef),
        this.#history.inProgress(place.entityRef),
        this.#history.scheduledScaleDown(place.entityRef),
        this.#checks?.store.latestWatch(place.entityRef),
      ]);
    return { snapshot, lastSwitch, inProgress, scaleDown, watch };
  }

  /**
   * `#context`, with the entity's reads started while the catalog answers, where its objects were
   * when the catalog last answered for this ref. The reads are used only when the entity, read now
   * with the caller's credentials, still places them there; nothing is decided or written before
   * it is in, so a moved or hidden entity costs a wasted read, never a stale decision.
   */
  async #contextWithReads(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<{ context: EntityContext; reads?: Promise<Reads> }> {
    const known = this.#placements.get(refKey(ref));
    const early =
      known &&
      this.#gateway.client(known.target.cluster).then(kube =>
        this.#read({
          ...known,
          kube,
          handler: STRATEGIES[known.target.strategy],
        }),
      );
    // Reads not used are waited for (never failing), so that their requests end within this one.
    const drop = async () => {
      await early?.catch(() => undefined);
    };
    let context: EntityContext;
    try {
      context = await this.#context(ref, credentials);
    } catch (error) {
      await drop();
      throw error;
    }
    if (known && samePlacement(known, context)) {
      return { context, reads: early };
    }
    await drop();
    return { context };
  }

  async #observe(
    context: EntityContext,
    options: {
      freshChecks?: boolean;
      promoteChecks?: boolean;
      /** Reads already started for this context (see `#contextWithReads`). */
      reads?: Promise<Reads>;
    } = {},
  ): Promise<Observation> {
    const { snapshot, lastSwitch, inProgress, scaleDown, watch } =
      await (options.reads ?? this.#read(context));
    const [facts, heading] = await Promise.all([
      this.#checkFacts(context, snapshot, lastSwitch, {
        fresh: options.freshChecks,
        promote: options.promoteChecks,
      }),
      // Traffic split between colors: promote finishes, and rollback undoes, the last shift tried.
      snapshot.live === 'split'
        ? this.#history.lastSwitch(context.entityRef, { attempts: true })
        : undefined,
    ]);
    return {
      snapshot,
      checklist: facts.checklist,
      status: this.#compose(context, snapshot, {
        lastSwitch: heading ?? lastSwitch,
        inProgress,
        scaleDown,
        watch,
        ...facts,
      }),
    };
  }

  /** What the checklists say about promote (required items) and rollback (contract sign-off). */
  async #checkFacts(
    context: EntityContext,
    snapshot: StrategySnapshot,
    lastSwitch?: HistoryEntry,
    options: { fresh?: boolean; promote?: boolean } = {},
  ): Promise<{
    checkReasons: string[];
    rollbackReasons: string[];
    checklist?: Checklist;
  }> {
    if (!this.#checks) return { checkReasons: [], rollbackReasons: [] };
    const hasIdle =
      (snapshot.live === 'blue' || snapshot.live === 'green') &&
      options.promote !== false;
    const [promote, rollbackReasons] = await Promise.all([
      hasIdle
        ? this.#checks.promoteReasons(context, snapshot, lastSwitch, options)
        : Promise.resolve({ reasons: [] as string[], checklist: undefined }),
      this.#checks.rollbackReasons(context, snapshot),
    ]);
    return {
      checkReasons: promote.reasons,
      rollbackReasons,
      checklist: promote.checklist,
    };
  }

  /** The entity's status: the cluster snapshot and the history's facts, decided. */
  #compose(
    context: EntityContext,
    snapshot: StrategySnapshot,
    facts: {
      lastSwitch?: HistoryEntry;
      inProgress?: HistoryEntry;
      scaleDown?: ScheduledScaleDown;
      watch?: StoredWatch;
      checkReasons?: string[];
      rollbackReasons?: string[];
    },
  ): EntityStatus {
    const { lastSwitch, inProgress, scaleDown, watch } = facts;
    const decisions = decideActions({
      snapshot,
      handler: context.handler,
      lastSwitch,
      inProgress,
      checkReasons: facts.checkReasons,
      rollbackReasons: facts.rollbackReasons,
      readOnly: context.kube.readOnly,
    });
    return {
      entityRef: context.entityRef,
      strategy: context.target.strategy,
      cluster: context.kube.cluster,
      namespace: context.target.namespace,
      live: snapshot.live,
      colors: snapshot.colors,
      details: snapshot.details,
      promote: decisions.promote,
      rollback: decisions.rollback,
      revision: revisionOf(snapshot),
      problems: snapshot.problems,
      inProgress,
      scaleDown: scaleDown && {
        color: scaleDown.color,
        replicas: scaleDown.replicas,
        at: scaleDown.dueAt.toISOString(),
      },
      watch: watch && toWatchStatus(watch),
      ...(context.kube.readOnly && { readOnly: context.kube.readOnly }),
    };
  }

  async #entity(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    // Read access follows catalog read access: an entity the caller cannot see does not exist.
    const entity = await this.#catalog.getEntityByRef(ref, { credentials });
    if (!entity) {
      throw new NotFoundError(`entity ${stringifyEntityRef(ref)} not found`);
    }
    return entity;
  }

  async #context(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<EntityContext> {
    const key = refKey(ref);
    const entity = await this.#entity(ref, credentials).catch(error => {
      this.#placements.delete(key);
      throw error;
    });
    const resolved = resolveBlueGreenTarget(entity);
    const entityRef = stringifyEntityRef(entity);
    // Remembered for the next request's early reads (`#contextWithReads`).
    if (resolved.ok) {
      this.#placements.set(key, { entityRef, target: resolved.target });
    } else {
      this.#placements.delete(key);
      throw new InputError(
        `${entityRef} is not set up for blue/green: ${resolved.problems.join(
          '; ',
        )}`,
      );
    }
    const kube = await this.#gateway.client(resolved.target.cluster);
    return {
      entity,
      entityRef,
      target: resolved.target,
      handler: STRATEGIES[resolved.target.strategy],
      kube,
    };
  }

  /**
   * Applies the policy's decisions to the entity, in order; the first one that does not allow is
   * recorded as a refusal and answered with 403.
   */
  async #authorize(
    context: EntityContext,
    decisions: Promise<EntityDecision[]>,
    caller: Caller,
    refused: Parameters<HistoryStore['record']>[0],
  ): Promise<void> {
    for (const decision of await decisions) {
      if (
        await this.#permissions.allows(
          decision,
          context.entity,
          caller.credentials,
        )
      ) {
        continue;
      }
      const permission: ResourcePermission = decision.permission;
      await this.#history.record(
        { ...refused, error: `not allowed: ${permission.name}` },
        'refused',
      );
      throw new NotAllowedError(
        `${actorOf(caller.credentials)} may not ${permission.name.replace(
          'blue-green.',
          '',
        )} ${context.entityRef}`,
      );
    }
  }

  async #publish(entityRef: string, entry: HistoryEntry): Promise<void> {
    try {
      await this.#signals?.publish({
        recipients: { type: 'broadcast' },
        channel: `blue-green:${entityRef}`,
        message: {
          entityRef,
          historyId: entry.id,
          action: entry.action,
          outcome: entry.outcome,
        },
      });
    } catch (error) {
      this.#logger.debug(
        `Could not publish a signal for ${entityRef}: ${message(error)}`,
      );
    }
  }

  /**
   * Tells the entity's owners (Backstage notifications), refreshes open tabs (signals) and marks the
   * switch in Grafana when configured.
   */
  async #announce(
    context: EntityContext,
    entry: HistoryEntry,
    verification: Verification,
  ): Promise<void> {
    const text = `${entry.actor} switched ${context.entityRef} from ${
      entry.from ?? 'none'
    } to ${entry.to}${entry.reason ? ` (${entry.reason})` : ''}.`;
    const grafana = this.#checks?.config.grafana;
    await Promise.all([
      this.#publish(context.entityRef, entry),
      this.#notifyOwners(context, {
        title: `${context.entity.metadata.name}: ${entry.action} to ${entry.to}`,
        description: `${text} ${verification.message}`,
        severity: entry.action === 'promote' ? 'normal' : 'high',
      }),
      grafana &&
        annotateGrafana(grafana, {
          entityRef: context.entityRef,
          text: `${entry.action}: ${text}`,
          time: new Date(entry.createdAt),
        }).catch(error =>
          this.#logger.warn(
            `Could not annotate Grafana for ${context.entityRef}: ${message(
              error,
            )}`,
          ),
        ),
    ]);
  }

  async #notifyOwners(
    context: EntityContext,
    payload: {
      title: string;
      description: string;
      severity: 'normal' | 'high' | 'critical';
    },
  ): Promise<void> {
    const owners = (context.entity.relations ?? [])
      .filter(r => r.type === RELATION_OWNED_BY)
      .map(r => r.targetRef);
    if (!this.#notifications || owners.length === 0) return;
    const { namespace, name } = context.entity.metadata;
    try {
      await this.#notifications.send({
        recipients: { type: 'entity', entityRef: owners },
        payload: {
          ...payload,
          link: `/catalog/${
            namespace ?? 'default'
          }/${context.entity.kind.toLocaleLowerCase(
            'en-US',
          )}/${name}/blue-green`,
          topic: `blue-green:${context.entityRef}`,
        },
      });
    } catch (error) {
      this.#logger.warn(
        `Could not notify the owners of ${context.entityRef}: ${message(
          error,
        )}`,
      );
    }
  }
}
