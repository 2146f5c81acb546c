import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
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
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  blueGreenForcePermission,
  blueGreenPermissions,
} from '@bluegreen-backstage/plugin-blue-green-common';

/** Members of this group run the clusters: they may switch any service and force a promote. */
export const PLATFORM_GROUP = 'group:default/platform';

const blueGreenNames = new Set(blueGreenPermissions.map(p => p.name));

/**
 * The demo's policy: everyone may read; an entity's owners may promote, roll back, scale and sign
 * off their own services; the platform team may do all of it to any service and may also force a
 * promote past failing checks.
 */
export class BlueGreenDemoPolicy implements PermissionPolicy {
  readonly #userInfo: UserInfoService;

  constructor(userInfo: UserInfoService) {
    this.#userInfo = userInfo;
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!blueGreenNames.has(request.permission.name)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const ownership = user
      ? (await this.#userInfo.getUserInfo(user.credentials)).ownershipEntityRefs
      : [];
    if (ownership.includes(PLATFORM_GROUP)) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (
      !user ||
      isPermission(request.permission, blueGreenForcePermission) ||
      !isResourcePermission(request.permission, 'catalog-entity')
    ) {
      return { result: AuthorizeResult.DENY };
    }
    return createCatalogConditionalDecision(
      request.permission,
      catalogConditions.isEntityOwner({ claims: ownership }),
    );
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'blue-green-demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, userInfo: coreServices.userInfo },
      async init({ policy, userInfo }) {
        policy.setPolicy(new BlueGreenDemoPolicy(userInfo));
      },
    });
  },
});
