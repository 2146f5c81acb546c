import { LoggerService } from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  CancelShiftRequest,
  Checklist,
  Color,
  HistoryEntry,
  otherColor,
  SwitchRequest,
  SwitchResponse,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  SentRequest,
  Verification,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { Authorizer } from '../authorization/Authorizer';
import { BlueGreenConfig } from '../config';
import { versionKey } from '../decisions/revision';
import { liveColorOf, runningShift } from '../decisions/switchDecision';
import { workloadKey } from '../decisions/watchVerdict';
import { ShiftStopStore } from '../database/ShiftStopStore';
import { StoredWatch, WatchStore } from '../database/WatchStore';
import { EntityContext, EntityResolver } from '../entities/EntityResolver';
import {
  Observation,
  ObservationReader,
} from '../observation/ObservationReader';
import { Announcer, audienceOf } from './Announcer';
import { FailedVersions } from './FailedVersions';
import { observeAuthorized } from './observeAuthorized';
import {
  actorOf,
  Caller,
  errorMessage,
  Operation,
  OperationRecorder,
  withClusterState,
} from './OperationRecorder';
import { StrategyRegistry } from '../strategies/StrategyRegistry';
import { SwitchFollowUp } from './SwitchFollowUp';
import { ShiftGate, ShiftStopped, StepFailed } from './ShiftGate';
import { recoverFailedWrite, Written, writeWithRetry } from './switchWrite';

/** Who a step analysis that stopped a shift is recorded as. */
const STEP_ANALYSIS = 'blue-green step analysis';

/** A switch decided and allowed, about to be written. */
export type DecidedSwitch = {
  action: 'promote' | 'rollback' | 'auto-rollback';
  actor: string;
  reason?: string;
  forced: boolean;
  to: Color;
  /** Reasons a forced switch went past. */
  forcedReasons: string[];
  request: SwitchRequest;
  caller?: Caller;
  /** Why an automatic rollback ran. */
  evidence?: Record<string, unknown>;
  /** The pre-deploy checklist a promote was decided on. */
  checklist?: Checklist;
};

/** The checklist as history keeps it with a promote: each item's status, not its evidence. */
const checklistRecord = (checklist: Checklist) => ({
  status: checklist.status,
  color: checklist.color,
  version: checklist.version,
  items: checklist.items.map(i => ({
    id: i.id,
    status: i.status,
    observed: i.observed,
    signOff: i.signOff?.by,
  })),
});

/**
 * Promote and rollback: decides on one observation of the entity (authorized meanwhile), writes
 * the switch as a compare-and-swap, verifies it, records it and sets its follow-ups in motion.
 */
export class SwitchService {
  readonly #resolver: EntityResolver;
  readonly #strategies: StrategyRegistry;
  readonly #observer: ObservationReader;
  readonly #authorizer: Authorizer;
  readonly #recorder: OperationRecorder;
  readonly #announcer: Announcer;
  readonly #followUp: SwitchFollowUp;
  readonly #failedVersions: FailedVersions;
  readonly #gate: ShiftGate;
  readonly #stops: ShiftStopStore;
  readonly #watches: WatchStore;
  readonly #config: BlueGreenConfig['switch'];
  readonly #logger: LoggerService;

  constructor(options: {
    resolver: EntityResolver;
    strategies: StrategyRegistry;
    observer: ObservationReader;
    authorizer: Authorizer;
    recorder: OperationRecorder;
    announcer: Announcer;
    followUp: SwitchFollowUp;
    failedVersions: FailedVersions;
    gate: ShiftGate;
    stops: ShiftStopStore;
    watches: WatchStore;
    config: BlueGreenConfig;
    logger: LoggerService;
  }) {
    this.#resolver = options.resolver;
    this.#strategies = options.strategies;
    this.#observer = options.observer;
    this.#authorizer = options.authorizer;
    this.#recorder = options.recorder;
    this.#announcer = options.announcer;
    this.#followUp = options.followUp;
    this.#failedVersions = options.failedVersions;
    this.#gate = options.gate;
    this.#stops = options.stops;
    this.#watches = options.watches;
    this.#config = options.config.switch;
    this.#logger = options.logger;
  }

  /** `POST …/promote` and `POST …/rollback` */
  async switch(
    ref: CompoundEntityRef,
    action: 'promote' | 'rollback',
    request: SwitchRequest,
    caller: Caller,
  ): Promise<SwitchResponse> {
    // The policy's decisions need only the caller: they are asked for while the entity is read.
    const pending = this.#authorizer.begin(action, caller.credentials, {
      force: request.force,
    });
    const { context, reads } = await this.#resolver.resolveWithReads(
      ref,
      caller.credentials,
      this.#observer.read,
    );
    const actor = actorOf(caller.credentials);
    const operation: Operation = {
      entityRef: context.entityRef,
      action,
      actor,
      reason: request.reason,
      forced: Boolean(request.force),
    };
    const { capabilities } = context.strategy;
    const unsupported = (
      option: string,
      capability: 'steppedShift' | 'fullPromote',
      what: string,
    ) => {
      const names = this.#strategies.supporting(capability).join(', ');
      return new InputError(
        `${option} needs a strategy that can ${what} (${names}); ${context.entityRef} uses ${context.target.strategy}`,
      );
    };
    if (request.steps && !capabilities.steppedShift) {
      throw unsupported('steps', 'steppedShift', 'shift traffic in steps');
    }
    if (request.full && !capabilities.fullPromote) {
      throw unsupported('full', 'fullPromote', 'skip pauses and analysis');
    }
    const observation = await observeAuthorized(
      {
        observer: this.#observer,
        authorizer: this.#authorizer,
        recorder: this.#recorder,
      },
      { context, purpose: action, operation, pending, reads },
    );
    const { status } = observation;
    const shift = runningShift(status.inProgress);
    if (action === 'rollback' && shift) {
      // A rollback while a stepped shift runs stops it: traffic returns to where it started.
      return this.#stopShift(
        context,
        observation,
        shift,
        'rollback',
        operation,
        caller,
      );
    }
    const decision = status[action];
    const refuse = async (reasons: string[]): Promise<never> => {
      await this.#recorder.ended(
        { ...operation, from: liveColorOf(status), to: decision.target },
        'refused',
        reasons.join('; '),
        { strategy: context.target.strategy, revision: status.revision },
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
    return this.run(context, observation, {
      ...operation,
      action,
      to: decision.target!,
      forcedReasons: decision.allowed ? [] : decision.reasons,
      request,
      caller,
      checklist: action === 'promote' ? observation.checklist : undefined,
    });
  }

  /** `POST …/shift/cancel`: stops the running stepped shift; traffic returns to where it started. */
  async cancelShift(
    ref: CompoundEntityRef,
    request: CancelShiftRequest,
    caller: Caller,
  ): Promise<SwitchResponse> {
    const pending = this.#authorizer.begin('cancel-shift', caller.credentials);
    const { context, reads } = await this.#resolver.resolveWithReads(
      ref,
      caller.credentials,
      this.#observer.read,
    );
    const actor = actorOf(caller.credentials);
    const operation: Operation = {
      entityRef: context.entityRef,
      action: 'cancel-shift',
      actor,
      audience: audienceOf(context.entity, actor),
      reason: request.reason,
      forced: false,
    };
    // Cancelling writes the traffic back: the namespace and the objects' binding count too.
    const first = reads ?? this.#observer.read(context);
    first.catch(() => undefined);
    await this.#authorizer.authorize(
      pending,
      context,
      operation,
      first.then(r => r.snapshot),
    );
    const observation = await this.#observer.observe(context, 'cluster', {
      reads: first,
    });
    const shift = runningShift(observation.status.inProgress);
    if (!shift) {
      await this.#recorder.ended(operation, 'refused', 'no shift is running');
      throw new ConflictError(
        `no stepped shift of ${context.entityRef} is running, so there is nothing to cancel`,
      );
    }
    return this.#stopShift(
      context,
      observation,
      shift,
      'cancel',
      operation,
      caller,
    );
  }

  /**
   * Asks a running shift (in this or another backend replica) to stop, and waits until it has put
   * traffic back where it started. A rollback also marks the version failed.
   */
  async #stopShift(
    context: EntityContext,
    observation: Observation,
    shift: HistoryEntry,
    kind: 'cancel' | 'rollback',
    operation: Operation,
    caller: Caller,
  ): Promise<SwitchResponse> {
    const back = shift.from ?? otherColor(shift.to!);
    const recording = await this.#recorder.start(
      {
        ...operation,
        audience: audienceOf(context.entity, operation.actor),
        from: shift.to,
        to: back,
        details: {
          strategy: context.target.strategy,
          cluster: context.kube.cluster,
          stoppedShift: shift.id,
        },
      },
      { eventId: 'color-switch', severityLevel: 'high', meta: { to: back } },
      caller,
      { signal: true },
    );
    const stop = await this.#stops.request({
      historyId: shift.id,
      kind,
      requestedBy: operation.actor,
      reason: operation.reason,
    });
    const intervalMs = Number(shift.details?.stepIntervalMs ?? 0);
    const ended = await this.#recorder.waitForEnd(
      shift.id,
      intervalMs + 2 * this.#config.verifyTimeoutMs + 30_000,
    );
    const after = await this.#observer.observe(context, 'status');
    const verified = after.snapshot.live === back;
    const verification = {
      verified,
      message: ended
        ? `the shift stopped (${ended.outcome}); ${after.snapshot.live} is live`
        : `the shift (history ${shift.id}) did not stop in time; ${after.snapshot.live} is live`,
    };
    if (!ended || !verified) {
      const error = new ServiceUnavailableError(
        `${kind} of the running shift asked, but ${verification.message}`,
      );
      await this.#recorder.fail(recording, error, { outcome: 'failed' });
      throw error;
    }
    const [entry, failed] = await Promise.all([
      this.#recorder.finish(recording, {
        outcome: 'succeeded',
        details: { verification, stop: stop.kind },
      }),
      kind === 'rollback'
        ? this.#failedVersions.mark(context, observation.snapshot, shift.to!, {
            historyId: recording.entry.id,
            actor: operation.actor,
            reason: operation.reason || `rolled back by ${operation.actor}`,
          })
        : undefined,
    ]);
    await recording.audit.success({ meta: { verified } });
    void this.#announcer.switched(
      context.entity,
      entry,
      verification,
      context.kube.cluster,
    );
    const facts = after.facts.failedVersions ?? [];
    return {
      entry,
      verification,
      status: failed
        ? this.#observer.compose(
            context,
            after.snapshot,
            { ...after.facts, failedVersions: [failed, ...facts] },
            after.checks,
          )
        : after.status,
    };
  }

  /** Performs a decided switch: history, audit, write, verify, follow-ups, announcement. */
  async run(
    context: EntityContext,
    observation: Observation,
    run: DecidedSwitch,
  ): Promise<SwitchResponse> {
    const { snapshot, status } = observation;
    const from = status.live;
    const steps = run.request.steps ?? [];
    const stepIntervalMs =
      run.request.stepIntervalSeconds !== undefined
        ? run.request.stepIntervalSeconds * 1000
        : this.#config.stepIntervalMs;
    // The history entry exists before anything is written (a crash leaves it in progress, later
    // marked interrupted); the audit event and the signal only need its id, and go out together.
    const recording = await this.#recorder.start(
      {
        entityRef: context.entityRef,
        action: run.action,
        from: liveColorOf(status),
        to: run.to,
        actor: run.actor,
        reason: run.reason,
        forced: run.forced,
        audience: audienceOf(context.entity, run.actor),
        details: {
          strategy: context.target.strategy,
          cluster: context.kube.cluster,
          revision: status.revision,
          fromState: from,
          // What each color ran (a later rollback goes back only to the version that was live),
          // and the versions on each side, for deploy markers and for what a rollback marks failed.
          versions: {
            blue: versionKey(snapshot, 'blue'),
            green: versionKey(snapshot, 'green'),
            from:
              liveColorOf(status) &&
              status.colors[liveColorOf(status)!].version,
            to: status.colors[run.to].version,
          },
          ...(run.forcedReasons.length && { forcedPast: run.forcedReasons }),
          ...(run.evidence && { evidence: run.evidence }),
          ...(run.checklist && { checklist: checklistRecord(run.checklist) }),
          ...(steps.length > 1 && { steps, stepIntervalMs }),
        },
      },
      {
        eventId: 'color-switch',
        severityLevel: 'high',
        meta: { from, to: run.to, forced: run.forced },
      },
      run.caller,
      { signal: true },
    );
    const { entry } = recording;
    const promotedWorkload = workloadKey(snapshot.colors[run.to]);
    // A stepped promote is watched from its first step, and analysed at every step.
    const stepped =
      run.action === 'promote' && steps.length > 1
        ? await this.#followUp.startWatch(
            context,
            run,
            from,
            entry.id,
            promotedWorkload,
          )
        : undefined;

    const sent: SentRequest[] = [];
    let cluster: string | undefined;
    let written: Written;
    try {
      written = await writeWithRetry(
        context,
        snapshot,
        {
          action: run.action,
          to: run.to,
          request: run.request,
          switchId: entry.id,
          stepIntervalMs,
          beforeStep:
            stepped &&
            this.#gate.beforeStep(context, {
              historyId: entry.id,
              to: run.to,
              steps,
              stepIntervalMs,
              ...stepped,
            }),
        },
        sent,
      );
    } catch (error) {
      const failure = await recoverFailedWrite(
        context,
        snapshot,
        { to: run.to, switchId: entry.id },
        sent,
        error,
        this.#logger,
      );
      if (!failure.landed) {
        await this.#recorder.fail(recording, error, {
          outcome: failure.outcome,
          details: {
            requests: sent,
            cluster: failure.cluster,
            observedLive: failure.observedLive,
            ...(error instanceof StepFailed && { analysis: error.evidence }),
          },
        });
        if (stepped) {
          await this.#shiftStopped(
            context,
            observation,
            run,
            stepped,
            error,
            failure.cluster,
          );
        }
        throw withClusterState(error, failure.cluster);
      }
      // The switch landed although its answer was lost; what the write left is read again.
      written = { decidedOn: snapshot };
      cluster = failure.cluster;
    }

    // The switch is in the cluster: from here on, an error says so instead of hiding it.
    const verification = await context.strategy
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
          message: `could not verify the switch: ${errorMessage(error)}`,
        }),
      );
    // The status after the switch: when the strategy knows what its write left and the switch
    // is verified, that; otherwise a fresh read. Either runs while history is written.
    const [finished, after, followUps, failed] = await Promise.all([
      this.#recorder.finish(recording, {
        outcome: 'succeeded',
        details: { requests: sent, verification, ...(cluster && { cluster }) },
      }),
      (written.after && verification.verified
        ? Promise.resolve(written.after)
        : context.strategy.read(context.kube, context.target)
      )
        .then(async fresh => ({
          snapshot: fresh,
          checks: await this.#observer.checksAfterSwitch(
            context,
            observation,
            fresh,
          ),
        }))
        .catch(error => error as Error),
      this.#followUp.after(
        context,
        run,
        from,
        entry.id,
        observation.facts,
        stepped?.persisted ? stepped.watch : undefined,
        promotedWorkload,
      ),
      // A rollback marks the version it left failed: promoting it again needs a new one or force.
      run.action === 'promote'
        ? undefined
        : this.#failedVersions.mark(context, snapshot, otherColor(run.to), {
            historyId: entry.id,
            actor: run.actor,
            reason: run.reason || `rolled back by ${run.actor}`,
          }),
    ]);
    await recording.audit.success({
      meta: { verified: verification.verified },
    });
    // Owners and open tabs hear about it without holding up the answer.
    void this.#announcer.switched(
      context.entity,
      finished,
      verification,
      context.kube.cluster,
    );
    if (after instanceof Error) {
      throw new ServiceUnavailableError(
        `${run.action} to ${run.to} was written (history ${
          finished.id
        }), but the cluster could not be read afterwards: ${errorMessage(
          after,
        )}`,
      );
    }
    return {
      entry: finished,
      verification,
      status: this.#observer.compose(
        context,
        after.snapshot,
        {
          lastSwitch: finished,
          ...followUps,
          failedVersions: [
            ...(failed ? [failed] : []),
            ...(observation.facts.failedVersions ?? []),
          ],
        },
        after.checks,
      ),
    };
  }

  /**
   * A stepped shift that stopped before its last step — a step failed its analysis, or someone
   * cancelled or rolled it back: its watch ends, and a failed step marks the version failed and
   * tells the owners. (A rollback's requester marks the version itself.)
   */
  async #shiftStopped(
    context: EntityContext,
    observation: Observation,
    run: DecidedSwitch,
    stepped: { watch: StoredWatch; persisted: boolean },
    error: unknown,
    cluster: string,
  ): Promise<void> {
    const { watch, persisted } = stepped;
    const what = errorMessage(error);
    if (persisted) {
      await this.#watches.finishRollback(
        watch.id,
        error instanceof StepFailed ? 'rolled-back' : 'stopped',
        `${what} (${cluster})`,
      );
    }
    if (error instanceof ShiftStopped) {
      await this.#stops.clear(watch.historyId!);
    }
    if (!(error instanceof StepFailed)) return;
    await this.#failedVersions.mark(context, observation.snapshot, run.to, {
      historyId: watch.historyId!,
      actor: STEP_ANALYSIS,
      reason: what,
    });
    await this.#announcer.notifyOwners(context.entity, context.entityRef, {
      title: `${context.entity.metadata.name}: the shift to ${run.to} stopped`,
      description: `${what}. Traffic is back on ${watch.previous} (${cluster}).`,
      severity: 'critical',
    });
  }
}
