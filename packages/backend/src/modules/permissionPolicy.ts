import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  catalogEntityDeletePermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { kubernetesProxyPermission } from '@backstage/plugin-kubernetes-common';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  createScaffolderActionConditionalDecision,
  scaffolderActionConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  actionExecutePermission,
  templateManagementPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  blueGreenForcePermission,
  blueGreenPermissions,
} from '@bluegreen-backstage/plugin-blue-green-common';

/** Members of this group run the clusters and the portal. */
export const PLATFORM_GROUP = 'group:default/platform';

/** The template actions every signed-in user may run: creating and switching blue/green services. */
export const SELF_SERVICE_ACTIONS = [
  'blue-green:render',
  'blue-green:apply',
  'blue-green:publish:local',
  'blue-green:promote',
  'blue-green:rollback',
  'blue-green:wait-for-checks',
];

/** What only the platform group may do: raw cluster access, removing and registering catalog data, editing templates. */
const PLATFORM_ONLY = [
  kubernetesProxyPermission,
  catalogEntityDeletePermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
  templateManagementPermission,
  blueGreenForcePermission,
];

const blueGreenNames = new Set(blueGreenPermissions.map(p => p.name));

/**
 * A permission policy to start from:
 * - the platform group may do everything: raw cluster access through the Kubernetes plugin's
 *   proxy, catalog deletes, location registration, any template action, a forced promote;
 * - everyone signed in reads the catalog and the Kubernetes tab, and runs templates whose steps
 *   use only the self-service actions;
 * - an entity's owners promote, roll back, scale and sign off their own services.
 */
export class BlueGreenPermissionPolicy implements PermissionPolicy {
  readonly #userInfo: UserInfoService;

  constructor(userInfo: UserInfoService) {
    this.#userInfo = userInfo;
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) return { result: AuthorizeResult.DENY };
    const { ownershipEntityRefs } = await this.#userInfo.getUserInfo(
      user.credentials,
    );
    if (ownershipEntityRefs.includes(PLATFORM_GROUP)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const { permission } = request;
    if (PLATFORM_ONLY.some(p => isPermission(permission, p))) {
      return { result: AuthorizeResult.DENY };
    }
    if (isResourcePermission(permission, 'scaffolder-action')) {
      if (!isPermission(permission, actionExecutePermission)) {
        return { result: AuthorizeResult.ALLOW };
      }
      const [first, ...rest] = SELF_SERVICE_ACTIONS.map(actionId =>
        scaffolderActionConditions.hasActionId({ actionId }),
      );
      return createScaffolderActionConditionalDecision(permission, {
        anyOf: [first, ...rest],
      });
    }
    if (!blueGreenNames.has(permission.name)) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!isResourcePermission(permission, 'catalog-entity')) {
      return { result: AuthorizeResult.DENY };
    }
    return createCatalogConditionalDecision(
      permission,
      catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
    );
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'blue-green-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, userInfo: coreServices.userInfo },
      async init({ policy, userInfo }) {
        policy.setPolicy(new BlueGreenPermissionPolicy(userInfo));
      },
    });
  },
});
