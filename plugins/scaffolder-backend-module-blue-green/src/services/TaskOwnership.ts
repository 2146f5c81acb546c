import {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { normalizeEntityRef } from '@bluegreen-backstage/plugin-blue-green-common';
import { NamespacePolicy } from '@bluegreen-backstage/plugin-blue-green-node';

/**
 * What the user who runs a task may create: a service owned by one of their teams (or by
 * themselves), in a namespace that owner may use (`blueGreen.namespaces`, the rules the
 * Blue/Green backend switches by).
 */
export class TaskOwnership {
  readonly #userInfo: Pick<UserInfoService, 'getUserInfo'>;
  readonly #namespaces: NamespacePolicy;

  static create(options: {
    userInfo: Pick<UserInfoService, 'getUserInfo'>;
    namespaces: NamespacePolicy;
  }) {
    return new TaskOwnership(options.userInfo, options.namespaces);
  }

  private constructor(
    userInfo: Pick<UserInfoService, 'getUserInfo'>,
    namespaces: NamespacePolicy,
  ) {
    this.#userInfo = userInfo;
    this.#namespaces = namespaces;
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
}
