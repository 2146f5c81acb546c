import { NamespacePolicy } from '@bluegreen-backstage/plugin-blue-green-node';
import type { NamespaceRule } from '@bluegreen-backstage/plugin-blue-green-node';
import { TaskOwnership } from '../services/TaskOwnership';

/**
 * The ownership of a task's user for action tests: the mock user (`user:default/mock`, the
 * initiator of `createMockActionContext`) is a member of `teams`; `rules` are blueGreen.namespaces;
 * `owners` the catalog's entities and their owners.
 */
export function testOwnership(
  options: {
    teams?: string[];
    rules?: NamespaceRule[];
    /** The catalog: entity ref → its owner. */
    owners?: Record<string, string>;
  } = {},
) {
  const teams = options.teams ?? ['group:default/team-checkout'];
  return TaskOwnership.create({
    userInfo: {
      async getUserInfo(credentials: any) {
        const user = credentials.principal.userEntityRef;
        return { userEntityRef: user, ownershipEntityRefs: [user, ...teams] };
      },
    },
    namespaces: new NamespacePolicy(options.rules ?? []),
    catalog: {
      async getEntityByRef(ref: any) {
        const owner = options.owners?.[String(ref)];
        return owner
          ? ({ metadata: { name: 'any' }, spec: { owner } } as any)
          : undefined;
      },
    },
    auth: { getOwnServiceCredentials: async () => ({} as any) },
  });
}
