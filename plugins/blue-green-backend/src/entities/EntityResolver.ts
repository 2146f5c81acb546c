import { LRUCache } from 'lru-cache';
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  BlueGreenTarget,
  resolveBlueGreenTarget,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubeClient,
  KubernetesGateway,
  KubeResource,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { StrategyRegistry } from '../strategies/StrategyRegistry';

/** An entity resolved down to its cluster objects and the strategy that switches them. */
export type EntityContext = {
  entity: Entity;
  entityRef: string;
  target: BlueGreenTarget;
  strategy: SwitchStrategy;
  kube: KubeClient;
  /** The cluster object a switch changes (the Service, the Rollout, the VirtualService). */
  switched: { resource: KubeResource; namespace: string; name: string };
};

/** Where an entity's objects are, without the entity: what reads need. */
export type EntityPlace = Omit<EntityContext, 'entity'>;

/** Where an entity's objects were, as its annotations said when the catalog last answered. */
type Placement = { entityRef: string; target: BlueGreenTarget };

/** The catalog looks entities up case-insensitively; so does the placements' memory. */
const refKey = (ref: CompoundEntityRef) =>
  stringifyEntityRef(ref).toLocaleLowerCase('en-US');

const samePlacement = (a: Placement, b: Placement) =>
  a.entityRef === b.entityRef &&
  JSON.stringify(a.target) === JSON.stringify(b.target);

/** A catalog entity ref (`component:default/my-app`) as a compound ref; a bad one is a 400. */
export function entityRefOf(entityRef: string): CompoundEntityRef {
  try {
    return parseEntityRef(entityRef, {
      defaultKind: 'component',
      defaultNamespace: 'default',
    });
  } catch {
    throw new InputError(
      `"${entityRef}" is not an entity ref like component:default/my-app`,
    );
  }
}

/**
 * Resolves an entity, as the caller may see it in the catalog, to its cluster objects: the
 * annotations read into a target, the strategy, and a client for its cluster.
 */
export class EntityResolver {
  readonly #catalog: CatalogService;
  readonly #gateway: KubernetesGateway;
  readonly #strategies: StrategyRegistry;
  /** Placements remembered, at most one per entity of a large catalog, least recently used out. */
  readonly #placements = new LRUCache<string, Placement>({ max: 10_000 });

  constructor(options: {
    catalog: CatalogService;
    gateway: KubernetesGateway;
    strategies: StrategyRegistry;
  }) {
    this.#catalog = options.catalog;
    this.#gateway = options.gateway;
    this.#strategies = options.strategies;
  }

  /** The entity; one the caller cannot see does not exist (read access follows catalog access). */
  async entity(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const entity = await this.#catalog.getEntityByRef(ref, { credentials });
    if (!entity) {
      throw new NotFoundError(`entity ${stringifyEntityRef(ref)} not found`);
    }
    return entity;
  }

  /** The entity and its objects; 404 when the caller cannot see it, 400 when not set up for blue/green. */
  async resolve(
    ref: CompoundEntityRef | string,
    credentials: BackstageCredentials,
  ): Promise<EntityContext> {
    const compound = typeof ref === 'string' ? entityRefOf(ref) : ref;
    const key = refKey(compound);
    const entity = await this.entity(compound, credentials).catch(error => {
      this.#placements.delete(key);
      throw error;
    });
    const resolved = resolveBlueGreenTarget(entity, {
      strategies: this.#strategies.names(),
    });
    const entityRef = stringifyEntityRef(entity);
    if (!resolved.ok) {
      this.#placements.delete(key);
      throw new InputError(
        `${entityRef} is not set up for blue/green: ${resolved.problems.join(
          '; ',
        )}`,
      );
    }
    // Remembered for the next request's early reads (`resolveWithReads`).
    this.#placements.set(key, { entityRef, target: resolved.target });
    return {
      entity,
      ...(await this.#place(entityRef, resolved.target)),
    };
  }

  /**
   * `resolve`, with the entity's reads started while the catalog answers, where its objects were
   * when the catalog last answered for this ref. The reads are used only when the entity, read
   * now with the caller's credentials, still places them there; nothing is decided or written
   * before it is in, so a moved or hidden entity costs a wasted read, never a stale decision.
   */
  async resolveWithReads<T>(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
    read: (place: EntityPlace) => Promise<T>,
  ): Promise<{ context: EntityContext; reads?: Promise<T> }> {
    const known = this.#placements.get(refKey(ref));
    const early =
      known && this.#place(known.entityRef, known.target).then(read);
    // Observed now: a caller that refuses the request before reading leaves no unhandled rejection.
    early?.catch(() => undefined);
    // Reads not used are waited for (never failing), so that their requests end within this one.
    const drop = async () => {
      await early?.catch(() => undefined);
    };
    let context: EntityContext;
    try {
      context = await this.resolve(ref, credentials);
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

  async #place(
    entityRef: string,
    target: BlueGreenTarget,
  ): Promise<EntityPlace> {
    const strategy = this.#strategies.get(target.strategy);
    const kube = await this.#gateway.client(target.cluster);
    return {
      entityRef,
      target,
      strategy,
      kube,
      switched: strategy.switchedObject(target),
    };
  }
}
