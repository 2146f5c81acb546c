import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { permissionRules } from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  PermissionCondition,
  PermissionCriteria,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
  PermissionRule,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';

/** A catalog-entity permission and the policy's decision on it for one caller. */
export type EntityDecision = {
  permission: ResourcePermission<'catalog-entity'>;
  decision: PolicyDecision;
};

/** The catalog's own rules (isEntityOwner, hasAnnotation, …): the ones the catalog would apply. */
const catalogRules = new Map<string, PermissionRule<Entity, unknown, string>>(
  Object.values(permissionRules).map(rule => [
    rule.name,
    rule as PermissionRule<Entity, unknown, string>,
  ]),
);

const catalogRuleset: PermissionRuleset<Entity> = {
  getRuleByName(name) {
    const rule = catalogRules.get(name);
    if (!rule) throw new Error(`unknown catalog permission rule ${name}`);
    return rule;
  },
};

const applyConditions = createConditionAuthorizer(catalogRuleset);

/** Whether every condition names one of the catalog's built-in rules for this resource type. */
export function onlyBuiltInRules(
  criteria: PermissionCriteria<PermissionCondition>,
  resourceType: string,
): boolean {
  if (isAndCriteria(criteria)) {
    return criteria.allOf.every(c => onlyBuiltInRules(c, resourceType));
  }
  if (isOrCriteria(criteria)) {
    return criteria.anyOf.every(c => onlyBuiltInRules(c, resourceType));
  }
  if (isNotCriteria(criteria)) {
    return onlyBuiltInRules(criteria.not, resourceType);
  }
  return (
    criteria.resourceType === resourceType && catalogRules.has(criteria.rule)
  );
}

/**
 * Permission checks on catalog entities in one round trip to the permission backend instead of
 * two.
 *
 * `permissions.authorize` with a resourceRef makes the permission backend call back into the
 * catalog to load the entity and apply a conditional decision (such as "owners only"). The plugin
 * has already read that entity from the catalog with the caller's own credentials, so it asks for
 * the decision itself (`authorizeConditional`, which needs no entity and therefore runs while the
 * entity is read) and applies the conditions to the entity here, with the catalog's own rules.
 * ALLOW and DENY are taken as they are. A condition naming a rule that only the running catalog
 * knows (one added by a catalog module) is sent to the permission backend as before.
 * Nothing is cached: every call asks the policy.
 */
export class EntityPermissions {
  readonly #permissions: PermissionsService;

  static create(options: { permissions: PermissionsService }) {
    return new EntityPermissions(options.permissions);
  }

  private constructor(permissions: PermissionsService) {
    this.#permissions = permissions;
  }

  /**
   * Asks the policy for the caller's decisions, in one request. The returned promise is already
   * observed, so a caller that fails before awaiting it (entity not found) leaves no unhandled
   * rejection behind.
   */
  decide(
    permissions: ResourcePermission<'catalog-entity'>[],
    credentials: BackstageCredentials,
  ): Promise<EntityDecision[]> {
    const pending = this.#permissions
      .authorizeConditional(
        permissions.map(permission => ({ permission })),
        { credentials },
      )
      .then(decisions =>
        decisions.map((decision, i) => ({
          permission: permissions[i],
          decision,
        })),
      );
    pending.catch(() => undefined);
    return pending;
  }

  /** Whether a decision allows its permission on this entity. */
  async allows(
    decision: EntityDecision,
    entity: Entity,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const [allowed] = await this.allowsEach(decision, [entity], credentials);
    return allowed;
  }

  /**
   * Whether a decision allows its permission on each of many entities (the fleet's rows): applied
   * here like {@link EntityPermissions.allows}, and in one request to the permission backend for
   * all of them when the conditions name a rule only the running catalog knows.
   */
  async allowsEach(
    decision: EntityDecision,
    entities: Entity[],
    credentials: BackstageCredentials,
  ): Promise<boolean[]> {
    const rule = this.localRule(decision);
    if (rule) return entities.map(rule);
    return this.allowsEachRef(
      decision,
      entities.map(entity => stringifyEntityRef(entity)),
      credentials,
    );
  }

  /**
   * The decision as a test of an entity in hand, when it can be applied here: ALLOW, DENY, or
   * conditions on the catalog's own rules. Undefined when only the permission backend can apply
   * it ({@link EntityPermissions.allowsEachRef}).
   */
  localRule({
    permission,
    decision,
  }: EntityDecision): ((entity: Entity) => boolean) | undefined {
    if (decision.result !== AuthorizeResult.CONDITIONAL) {
      const allowed = decision.result === AuthorizeResult.ALLOW;
      return () => allowed;
    }
    if (
      decision.resourceType === permission.resourceType &&
      onlyBuiltInRules(decision.conditions, permission.resourceType)
    ) {
      return entity => applyConditions(decision, entity);
    }
    return undefined;
  }

  /** Whether a decision allows its permission on each entity, asked of the permission backend. */
  async allowsEachRef(
    { permission }: EntityDecision,
    entityRefs: string[],
    credentials: BackstageCredentials,
  ): Promise<boolean[]> {
    if (entityRefs.length === 0) return [];
    const remote = await this.#permissions.authorize(
      entityRefs.map(resourceRef => ({ permission, resourceRef })),
      { credentials },
    );
    return remote.map(r => r.result === AuthorizeResult.ALLOW);
  }
}
