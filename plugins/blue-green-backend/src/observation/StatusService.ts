import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  Diagnostics,
  EntityStatus,
  HistoryPage,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { KUBE_RESOURCES } from '@bluegreen-backstage/plugin-blue-green-node';
import { Authorizer } from '../authorization/Authorizer';
import { HistoryStore } from '../database/HistoryStore';
import { diagnose } from '../decisions/diagnostics';
import { withObjectProblems } from '../decisions/status';
import { EntityResolver } from '../entities/EntityResolver';
import { Caller } from '../operations/OperationRecorder';
import { ObservationReader } from './ObservationReader';

/** The read-only routes of an entity: its status, diagnostics and history. */
export class StatusService {
  readonly #resolver: EntityResolver;
  readonly #observer: ObservationReader;
  readonly #authorizer: Authorizer;
  readonly #history: HistoryStore;

  constructor(options: {
    resolver: EntityResolver;
    observer: ObservationReader;
    authorizer: Authorizer;
    history: HistoryStore;
  }) {
    this.#resolver = options.resolver;
    this.#observer = options.observer;
    this.#authorizer = options.authorizer;
    this.#history = options.history;
  }

  /** `GET /entities/:namespace/:kind/:name` */
  async status(ref: CompoundEntityRef, caller: Caller): Promise<EntityStatus> {
    const { context, reads } = await this.#resolver.resolveWithReads(
      ref,
      caller.credentials,
      this.#observer.read,
    );
    const { status, snapshot } = await this.#observer.observe(
      context,
      'status',
      { reads },
    );
    // Objects the entity may not change show why at once, not only when a switch is tried.
    return withObjectProblems(
      status,
      await this.#authorizer.objectProblems(context, snapshot),
    );
  }

  /** `GET …/diagnostics` */
  async diagnostics(
    ref: CompoundEntityRef,
    caller: Caller,
  ): Promise<Diagnostics> {
    const context = await this.#resolver.resolve(ref, caller.credentials);
    const [snapshot, events] = await Promise.all([
      context.strategy.read(context.kube, context.target),
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
    const entity = await this.#resolver.entity(ref, caller.credentials);
    return this.#history.list(stringifyEntityRef(entity), page);
  }
}
