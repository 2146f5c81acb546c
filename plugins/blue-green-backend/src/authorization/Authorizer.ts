import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { ResourcePermission } from '@backstage/plugin-permission-common';
import {
  blueGreenDeployPermission,
  blueGreenForcePermission,
  blueGreenPromotePermission,
  blueGreenRollbackPermission,
  blueGreenScalePermission,
  blueGreenSignOffPermission,
} from '@bluegreen-backstage/plugin-blue-green-common';
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

/**
 * The one place that answers "who may make this change to which cluster object?". Read access
 * follows catalog read access (the entity is resolved with the caller's credentials); a change
 * needs the change's permission on the entity, applied with the catalog's own rules. A refusal is
 * recorded in the entity's history and answered with 403.
 *
 * Every change is authorized here against the resolved entity and the cluster object it changes
 * (`EntityContext.switched`), so a rule about that object — that it is bound to this entity, say —
 * is added in `authorize` alone.
 */
export class Authorizer {
  readonly #permissions: EntityPermissions;
  readonly #recorder: OperationRecorder;

  constructor(options: {
    permissions: PermissionsService;
    recorder: OperationRecorder;
  }) {
    this.#permissions = EntityPermissions.create({
      permissions: options.permissions,
    });
    this.#recorder = options.recorder;
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
   * Applies the decisions to the entity, in order; the first that does not allow is recorded as
   * `operation` refused, and answered with 403.
   */
  async authorize(
    pending: PendingAuthorization,
    context: EntityContext,
    operation: Operation,
  ): Promise<void> {
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
      await this.#recorder.ended(operation, 'refused', `not allowed: ${name}`);
      throw new NotAllowedError(
        `${actorOf(pending.credentials)} may not ${name.replace(
          'blue-green.',
          '',
        )} ${context.entityRef}`,
      );
    }
  }
}
