import { LoggerService } from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  isError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  Checklist,
  Color,
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
import { liveColorOf } from '../decisions/switchDecision';
import { EntityContext, EntityResolver } from '../entities/EntityResolver';
import {
  Observation,
  ObservationReader,
} from '../observation/ObservationReader';
import { Announcer, audienceOf } from './Announcer';
import {
  actorOf,
  Caller,
  errorMessage,
  Operation,
  OperationRecorder,
} from './OperationRecorder';
import { StrategyRegistry } from '../strategies/StrategyRegistry';
import { SwitchFollowUp } from './SwitchFollowUp';
import { recoverFailedWrite, Written, writeWithRetry } from './switchWrite';

/** The same kind of error (so the same HTTP status), saying what the cluster shows now. */
function withClusterState(error: unknown, cluster: string): Error {
  const text = `${errorMessage(error)} (${cluster})`;
  if (error instanceof ConflictError) return new ConflictError(text);
  if (error instanceof ServiceUnavailableError) {
    return new ServiceUnavailableError(text);
  }
  return isError(error) ? error : new Error(text);
}

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
    // The permission check and the cluster read are independent: run them together. The objects'
    // binding is judged on the first round's read. Nothing is written before both are in.
    const first = reads ?? this.#observer.read(context);
    first.catch(() => undefined);
    const [observed, authorized] = await Promise.allSettled([
      this.#observer.observe(context, action, { reads: first }),
      this.#authorizer.authorize(
        pending,
        context,
        operation,
        first.then(r => r.snapshot),
      ),
    ]);
    // A refusal by the permission framework comes first (it is recorded as refused).
    if (authorized.status === 'rejected') throw authorized.reason;
    if (observed.status === 'rejected') {
      // The cluster could not be read: nothing was decided or written, and history says so.
      const cluster =
        'untouched: the cluster could not be read, nothing was written';
      await this.#recorder.ended(
        operation,
        'failed',
        errorMessage(observed.reason),
        { strategy: context.target.strategy, cluster },
      );
      throw withClusterState(observed.reason, cluster);
    }
    const observation = observed.value;
    const { status } = observation;
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

  /** Performs a decided switch: history, audit, write, verify, follow-ups, announcement. */
  async run(
    context: EntityContext,
    observation: Observation,
    run: DecidedSwitch,
  ): Promise<SwitchResponse> {
    const { snapshot, status } = observation;
    const from = status.live;
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
          // What each color ran: a later rollback goes back only to the version that was live.
          versions: {
            blue: versionKey(snapshot, 'blue'),
            green: versionKey(snapshot, 'green'),
          },
          ...(run.forcedReasons.length && { forcedPast: run.forcedReasons }),
          ...(run.evidence && { evidence: run.evidence }),
          ...(run.checklist && { checklist: checklistRecord(run.checklist) }),
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
          stepIntervalMs: this.#config.stepIntervalMs,
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
          },
        });
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
    const [finished, after, followUps] = await Promise.all([
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
      this.#followUp.after(context, run, from, entry.id, observation.facts),
    ]);
    await recording.audit.success({
      meta: { verified: verification.verified },
    });
    // Owners and open tabs hear about it without holding up the answer.
    void this.#announcer.switched(context.entity, finished, verification);
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
        { lastSwitch: finished, ...followUps },
        after.checks,
      ),
    };
  }
}
