import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import { RELATION_OWNED_BY } from '@backstage/catalog-model';
import {
  bindingProblem,
  blueGreenDeployPermission,
  blueGreenForcePermission,
  blueGreenPromotePermission,
  blueGreenRollbackPermission,
  blueGreenScalePermission,
  blueGreenSignOffPermission,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  EntityObject,
  NamespacePolicy,
  StrategySnapshot,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { EntityContext } from '../entities/EntityResolver';
import {
  actorOf,
  Operation,
  OperationRecorder,
} from '../operations/OperationRecorder';
import { EntityDecision, EntityPermissions } from './EntityPermissions';

/** A change someone asks to make to an entity's cluster objects. */
export type Change =
  | 'promote'
  | 'rollback'
  | 'scale'
  | 'preview-route'
  | 'mirror'
  | 'sign-off'
  | 'deploy'
  | 'cancel-shift';

/**
 * The permission each change needs. The Istio traffic controls send live-like traffic to the
 * idle color, so they need promote; a forced switch needs force besides.
 */
const PERMISSIONS: Record<Change, ResourcePermission<'catalog-entity'>> = {
  promote: blueGreenPromotePermission,
  rollback: blueGreenRollbackPermission,
  scale: blueGreenScalePermission,
  'preview-route': blueGreenPromotePermission,
  mirror: blueGreenPromotePermission,
  'sign-off': blueGreenSignOffPermission,
  deploy: blueGreenDeployPermission,
  // Whoever may promote may stop a promote's stepped shift.
  'cancel-shift': blueGreenPromotePermission,
};

/** The policy's decisions for one caller and change, asked for before the entity is read. */
export type PendingAuthorization = {
  change: Change;
  credentials: BackstageCredentials;
  decisions: Promise<EntityDecision[]>;
};

/** An entity's owners, as entity refs: its ownedBy relations, else its spec.owner. */
function ownersOf(context: EntityContext): string[] {
  const { entity } = context;
  const related = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
  if (related.length > 0) return related;
  const owner = entity.spec?.owner;
  return typeof owner === 'string' ? [owner] : [];
}

/**
 * The one place that answers "who may make this change to which cluster object?".
 *
 * - Read access follows catalog read access (the entity is resolved with the caller's
 *   credentials).
 * - A change needs the change's permission on the entity, applied with the catalog's own rules.
 * - A change that writes to the cluster is made only in a namespace the entity's owner may use
 *   (`blueGreen.namespaces`), and only to objects bound to the entity: each object of the entity
 *   (the switched object and the workloads) must name it in its `blue-green.backstage.io/entity`
 *   annotation. The catalog says which objects an entity points at, but whoever may write those
 *   objects says which entity they belong to — so no catalog-info.yaml reaches another team's
 *   objects.
 *
 * A refusal is recorded in the entity's history without the caller's text (reason, note): a
 * denied caller writes nothing of its own choosing there. It is answered with 403.
 */
export class Authorizer {
  readonly #permissions: EntityPermissions;
  readonly #recorder: OperationRecorder;
  readonly #namespaces: NamespacePolicy;

  constructor(options: {
    permissions: PermissionsService;
    recorder: OperationRecorder;
    namespaces?: NamespacePolicy;
  }) {
    this.#permissions = EntityPermissions.create({
      permissions: options.permissions,
    });
    this.#recorder = options.recorder;
    this.#namespaces = options.namespaces ?? new NamespacePolicy([]);
  }

  /**
   * Asks the policy for the caller's decisions, in one request that needs no entity: it runs
   * while the entity is read. The promise is already observed (no unhandled rejection when the
   * entity turns out not to exist).
   */
  begin(
    change: Change,
    credentials: BackstageCredentials,
    options: { force?: boolean } = {},
  ): PendingAuthorization {
    const permissions = [PERMISSIONS[change]];
    if (options.force) permissions.push(blueGreenForcePermission);
    return {
      change,
      credentials,
      decisions: this.#permissions.decide(permissions, credentials),
    };
  }

  /**
   * Applies the decisions to the entity, in order, then — for a change that writes to the
   * cluster, given the objects as read (`snapshot`) — the namespace and the objects' binding. The
   * first that does not allow is recorded as `operation` refused, and answered with 403. A
   * snapshot that could not be read is the caller's to report; nothing is decided on it here.
   */
  async authorize(
    pending: PendingAuthorization,
    context: EntityContext,
    operation: Operation,
    snapshot?: Promise<StrategySnapshot>,
  ): Promise<void> {
    const verb = (name: string) => name.replace('blue-green.', '');
    for (const decision of await pending.decisions) {
      if (
        await this.#permissions.allows(
          decision,
          context.entity,
          pending.credentials,
        )
      ) {
        continue;
      }
      const { name } = decision.permission;
      await this.#refuse(operation, `not allowed: ${name}`);
      throw new NotAllowedError(
        `${actorOf(pending.credentials)} may not ${verb(name)} ${
          context.entityRef
        }`,
      );
    }
    if (!snapshot) return;
    const read = await snapshot.catch(() => undefined);
    const problems = await this.objectProblems(context, read);
    if (problems.length > 0) {
      await this.#refuse(operation, `not allowed: ${problems.join('; ')}`);
      throw new NotAllowedError(
        `${actorOf(pending.credentials)} may not ${verb(
          PERMISSIONS[pending.change].name,
        )} ${context.entityRef}: ${problems.join('; ')}`,
      );
    }
  }

  /**
   * For work the plugin does by itself (the post-promote watch's rollback, a scheduled
   * scale-down): the namespace and binding rules of {@link Authorizer.authorize}, on objects
   * read now — an object rebound to another entity since the promote is left alone.
   */
  async authorizeObjects(
    context: EntityContext,
    operation: Operation,
    snapshot: StrategySnapshot,
  ): Promise<void> {
    const problems = await this.objectProblems(context, snapshot);
    if (problems.length > 0) {
      await this.#refuse(operation, `not allowed: ${problems.join('; ')}`);
      throw new NotAllowedError(
        `${operation.action} of ${context.entityRef} refused: ${problems.join(
          '; ',
        )}`,
      );
    }
  }

  /**
   * Why the entity's objects may not be changed for it: its owner may not use the namespace, or
   * an object is bound to another entity or to none. Empty when they may. Without a snapshot (the
   * cluster could not be read) only the namespace is judged.
   */
  async objectProblems(
    context: EntityContext,
    snapshot: StrategySnapshot | undefined,
  ): Promise<string[]> {
    const namespace = this.#namespaces.problem({
      owners: ownersOf(context),
      cluster: context.kube.cluster,
      namespace: context.target.namespace,
    });
    if (namespace) return [`${context.entityRef}: ${namespace}`];
    if (!snapshot) return [];
    const objects = await this.#objectsOf(context, snapshot);
    return objects.flatMap(({ kind, namespace: ns, name, object }) => {
      if (!object) return []; // a missing object is the strategy's problem, not a binding one
      const problem = bindingProblem(
        { kind, namespace: ns, name, annotations: object.metadata.annotations },
        context.entityRef,
      );
      return problem ? [problem] : [];
    });
  }

  async #objectsOf(
    context: EntityContext,
    snapshot: StrategySnapshot,
  ): Promise<EntityObject[]> {
    const { strategy, target, kube, switched } = context;
    if (strategy.entityObjects) return strategy.entityObjects(target, snapshot);
    // A strategy that does not say which objects are the entity's: its switched object.
    return [
      {
        kind: switched.resource.kind,
        namespace: switched.namespace,
        name: switched.name,
        object: await kube.get(
          switched.resource,
          switched.namespace,
          switched.name,
        ),
      },
    ];
  }

  /** Records a refusal without the caller's own text. */
  async #refuse(operation: Operation, error: string): Promise<void> {
    const { reason: _reason, details: _details, ...facts } = operation;
    await this.#recorder.ended(facts, 'refused', error);
  }
}
