import {
  AuthService,
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { normalizeEntityRef } from '@bluegreen-backstage/plugin-blue-green-common';
import { NamespacePolicy } from '@bluegreen-backstage/plugin-blue-green-node';

/** An entity's owners, as normalized refs: its ownedBy relations, else its spec.owner. */
function ownersOfEntity(entity: Entity): string[] {
  const related = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
  const owner = entity.spec?.owner;
  let refs = related;
  if (refs.length === 0 && typeof owner === 'string') refs = [owner];
  return refs.map(
    ref => normalizeEntityRef(ref, { defaultKind: 'group' }) ?? ref,
  );
}

/**
 * What the user who runs a task may create: a service owned by one of their teams (or by
 * themselves), in a namespace that owner may use (`blueGreen.namespaces`, the rules the
 * Blue/Green backend switches by); and which existing objects a task may touch: only those of
 * an entity one of their teams owns.
 */
export class TaskOwnership {
  readonly #userInfo: Pick<UserInfoService, 'getUserInfo'>;
  readonly #namespaces: NamespacePolicy;
  readonly #catalog: Pick<CatalogService, 'getEntityByRef'>;
  readonly #auth: Pick<AuthService, 'getOwnServiceCredentials'>;

  static create(options: {
    userInfo: Pick<UserInfoService, 'getUserInfo'>;
    namespaces: NamespacePolicy;
    catalog: Pick<CatalogService, 'getEntityByRef'>;
    auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  }) {
    return new TaskOwnership(options);
  }

  private constructor(options: {
    userInfo: Pick<UserInfoService, 'getUserInfo'>;
    namespaces: NamespacePolicy;
    catalog: Pick<CatalogService, 'getEntityByRef'>;
    auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  }) {
    this.#userInfo = options.userInfo;
    this.#namespaces = options.namespaces;
    this.#catalog = options.catalog;
    this.#auth = options.auth;
  }

  /** The user's ownership refs (their own and their groups'); refused for anything but a user. */
  async ownersOf(credentials: BackstageCredentials): Promise<string[]> {
    const principal = credentials.principal as { type?: string };
    if (principal?.type !== 'user') {
      throw new NotAllowedError(
        'the Blue/Green actions create services for a user, whose teams own them; this task was not started by a user',
      );
    }
    const info = await this.#userInfo.getUserInfo(credentials);
    return info.ownershipEntityRefs.map(
      ref => normalizeEntityRef(ref, { defaultKind: 'group' }) ?? ref,
    );
  }

  /** Refuses an owner the user does not belong to, or a namespace the owner may not use. */
  async checkOwner(
    credentials: BackstageCredentials,
    owner: string,
    where: { cluster?: string; namespace: string },
  ): Promise<void> {
    const ref = normalizeEntityRef(owner, { defaultKind: 'group' }) ?? owner;
    const mine = await this.ownersOf(credentials);
    if (!mine.includes(ref)) {
      throw new NotAllowedError(
        `owner ${ref} is not one of your teams (${mine.join(
          ', ',
        )}): a service can only be created for a team you belong to`,
      );
    }
    const problem = this.#namespaces.problem({ owners: [ref], ...where });
    if (problem) throw new NotAllowedError(problem);
  }

  /** Refuses the first namespace none of the user's teams may use on this cluster. */
  async checkNamespaces(
    credentials: BackstageCredentials,
    cluster: string,
    namespaces: string[],
  ): Promise<void> {
    const owners = await this.ownersOf(credentials);
    for (const namespace of namespaces) {
      const problem = this.#namespaces.problem({ owners, cluster, namespace });
      if (problem) throw new NotAllowedError(problem);
    }
  }

  /**
   * Refuses existing objects bound to an entity that is in the catalog and owned by none of the
   * user's teams: a template must not replace, or build on, another team's service. The owner is
   * read with the module's own credentials: whether the user may read that entity does not
   * change whose it is.
   */
  async checkEntities(
    credentials: BackstageCredentials,
    objects: Array<{ label: string; entityRef: string }>,
  ): Promise<void> {
    if (objects.length === 0) return;
    const mine = await this.ownersOf(credentials);
    const own = await this.#auth.getOwnServiceCredentials();
    for (const { label, entityRef } of objects) {
      const entity = await this.#catalog.getEntityByRef(entityRef, {
        credentials: own,
      });
      if (entity && !ownersOfEntity(entity).some(o => mine.includes(o))) {
        throw new NotAllowedError(
          `${label} belongs to ${entityRef}, which none of your teams owns: a template changes only the objects of its own team's services`,
        );
      }
    }
  }
}
