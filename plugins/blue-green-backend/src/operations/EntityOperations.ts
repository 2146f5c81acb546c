import { CompoundEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError } from '@backstage/errors';
import {
  EntityStatus,
  HistoryEntry,
  ScaleRequest,
  StrategyCapabilities,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  StrategySnapshot,
  SwitchWrite,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { Authorizer, Change } from '../authorization/Authorizer';
import { EntityContext, EntityResolver } from '../entities/EntityResolver';
import { audienceOf } from './Announcer';
import { ObservationReader } from '../observation/ObservationReader';
import {
  actorOf,
  Caller,
  Operation,
  OperationRecorder,
} from './OperationRecorder';
import { at } from '../decisions/format';

const WHAT: Record<'scale' | 'previewRoute' | 'mirror', string> = {
  scale: 'setting the replicas of a color',
  previewRoute: 'a header route to the idle color',
  mirror: 'mirroring live traffic to the idle color',
};

/**
 * The single-write operations on an entity — scale a color, the idle color's header route, the
 * mirror — each authorized, decided on one observation, and recorded.
 */
export class EntityOperations {
  readonly #resolver: EntityResolver;
  readonly #observer: ObservationReader;
  readonly #authorizer: Authorizer;
  readonly #recorder: OperationRecorder;

  constructor(options: {
    resolver: EntityResolver;
    observer: ObservationReader;
    authorizer: Authorizer;
    recorder: OperationRecorder;
  }) {
    this.#resolver = options.resolver;
    this.#observer = options.observer;
    this.#authorizer = options.authorizer;
    this.#recorder = options.recorder;
  }

  /** `POST …/scale` (and the fleet's bulk scale-down). */
  async scale(
    ref: CompoundEntityRef,
    request: ScaleRequest,
    caller: Caller,
  ): Promise<EntityStatus> {
    return this.#mutate(
      ref,
      caller,
      {
        change: 'scale',
        capability: 'scale',
        reason: request.reason,
        to: request.color,
      },
      async (context, snapshot, status, operation) => {
        if (status.live === request.color && request.replicas === 0) {
          await this.#recorder.ended(
            operation,
            'refused',
            `${request.color} is live`,
          );
          throw new ConflictError(
            `scale refused: ${request.color} takes the live traffic; scaling it to 0 would drop every request`,
          );
        }
        const watch = status.watch;
        const current = status.colors[request.color].replicas.desired;
        if (
          watch?.state === 'running' &&
          watch.previous === request.color &&
          status.live !== request.color &&
          request.replicas < current &&
          !request.confirm
        ) {
          const why = `${request.color} is the way back while the watch of ${
            watch.promotedTo
          } runs (until ${at(watch.endsAt)})`;
          await this.#recorder.ended(operation, 'refused', why);
          throw new ConflictError(
            `scale refused: ${why}; scaling it down leaves automatic rollback no ready color. Send confirm: true to scale it down anyway`,
          );
        }
        return async () => {
          const write = await context.strategy.scale!(
            context.kube,
            context.target,
            snapshot,
            request.color,
            request.replicas,
          );
          return { requests: write.requests, replicas: request.replicas };
        };
      },
    );
  }

  /** `POST …/preview-route`: the header route to the idle color. */
  async setPreviewRoute(
    ref: CompoundEntityRef,
    enabled: boolean,
    caller: Caller,
    reason?: string,
  ): Promise<EntityStatus> {
    return this.#trafficControl(
      ref,
      caller,
      { change: 'preview-route', capability: 'previewRoute', reason },
      { enabled },
      (c, s) => c.strategy.setPreviewRoute!(c.kube, c.target, s, enabled),
    );
  }

  /** `POST …/mirror`: copy a share of live traffic to the idle color. */
  async setMirror(
    ref: CompoundEntityRef,
    mirror: { enabled: boolean; percent: number; reason?: string },
    caller: Caller,
  ): Promise<EntityStatus> {
    const { reason, ...settings } = mirror;
    return this.#trafficControl(
      ref,
      caller,
      { change: 'mirror', capability: 'mirror', reason },
      settings,
      (c, s) => c.strategy.setMirror!(c.kube, c.target, s, settings),
    );
  }

  #trafficControl(
    ref: CompoundEntityRef,
    caller: Caller,
    what: {
      change: 'preview-route' | 'mirror';
      capability: 'previewRoute' | 'mirror';
      reason?: string;
    },
    settings: Record<string, unknown>,
    write: (
      context: EntityContext,
      snapshot: StrategySnapshot,
    ) => Promise<SwitchWrite>,
  ): Promise<EntityStatus> {
    return this.#mutate(ref, caller, what, async (context, snapshot) => {
      if (snapshot.problems.length > 0) {
        throw new ConflictError(
          `${what.change} refused: ${snapshot.problems.join('; ')}`,
        );
      }
      return async () => {
        const result = await write(context, snapshot);
        return { requests: result.requests, ...settings };
      };
    });
  }

  /**
   * Resolve, check the strategy can, authorize, observe, let `decide` refuse or return the write,
   * run it recorded, and answer with the status it left.
   */
  async #mutate(
    ref: CompoundEntityRef,
    caller: Caller,
    what: {
      change: Change & HistoryEntry['action'];
      capability: keyof StrategyCapabilities & keyof typeof WHAT;
      reason?: string;
      to?: ScaleRequest['color'];
    },
    decide: (
      context: EntityContext,
      snapshot: StrategySnapshot,
      status: EntityStatus,
      operation: Operation,
    ) => Promise<() => Promise<Record<string, unknown>>>,
  ): Promise<EntityStatus> {
    const pending = this.#authorizer.begin(what.change, caller.credentials);
    const context = await this.#resolver.resolve(ref, caller.credentials);
    if (!context.strategy.capabilities[what.capability]) {
      throw new InputError(
        `${context.entityRef} uses the ${
          context.target.strategy
        } strategy, which does not support ${WHAT[what.capability]}`,
      );
    }
    const actor = actorOf(caller.credentials);
    const operation: Operation = {
      entityRef: context.entityRef,
      action: what.change,
      actor,
      audience: audienceOf(context.entity, actor),
      reason: what.reason,
      forced: false,
      ...(what.to && { to: what.to }),
    };
    const reads = this.#observer.read(context);
    reads.catch(() => undefined);
    await this.#authorizer.authorize(
      pending,
      context,
      operation,
      reads.then(r => r.snapshot),
    );
    const { snapshot, status } = await this.#observer.observe(
      context,
      'cluster',
      { reads },
    );
    const work = await decide(context, snapshot, status, operation);
    await this.#recorder.run(
      operation,
      { eventId: 'color-switch', severityLevel: 'medium' },
      caller,
      work,
    );
    return (await this.#observer.observe(context, 'status')).status;
  }
}
