import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { readFileSync } from 'node:fs';
import { catalogEntityDeletePermission } from '@backstage/plugin-catalog-common/alpha';
import { kubernetesProxyPermission } from '@backstage/plugin-kubernetes-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  actionExecutePermission,
  templateManagementPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import { blueGreenPromotePermission } from '@bluegreen-backstage/plugin-blue-green-common';
import {
  BlueGreenPermissionPolicy,
  PLATFORM_GROUP,
  SELF_SERVICE_ACTIONS,
} from './permissionPolicy';

const GUEST = 'user:default/guest';
const PLATFORM = 'user:default/carol';

const policy = new BlueGreenPermissionPolicy({
  async getUserInfo(credentials: any) {
    const ref = credentials.principal.userEntityRef;
    return {
      userEntityRef: ref,
      ownershipEntityRefs:
        ref === PLATFORM
          ? [ref, PLATFORM_GROUP]
          : [ref, 'group:default/team-checkout'],
    };
  },
});

const decide = (permission: any, user: string) =>
  policy.handle({ permission }, {
    identity: { type: 'user', userEntityRef: user, ownershipEntityRefs: [] },
    credentials: mockCredentials.user(user),
    token: 'token',
  } as any);

describe('the permission policy to start from', () => {
  it.each([
    ['kubernetes.proxy', kubernetesProxyPermission],
    ['catalog.entity.delete', catalogEntityDeletePermission],
    ['scaffolder.template.management', templateManagementPermission],
  ])('gives %s to the platform group only', async (_name, permission) => {
    expect((await decide(permission, GUEST)).result).toBe(AuthorizeResult.DENY);
    expect((await decide(permission, PLATFORM)).result).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it('lets everyone run the self-service template actions, the platform group any', async () => {
    expect(await decide(actionExecutePermission, GUEST)).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'scaffolder',
      resourceType: 'scaffolder-action',
      conditions: {
        anyOf: SELF_SERVICE_ACTIONS.map(actionId => ({
          rule: 'HAS_ACTION_ID',
          resourceType: 'scaffolder-action',
          params: { actionId },
        })),
      },
    });
    expect((await decide(actionExecutePermission, PLATFORM)).result).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it("lets an entity's owners switch it", async () => {
    expect(await decide(blueGreenPromotePermission, GUEST)).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        params: { claims: [GUEST, 'group:default/team-checkout'] },
      },
    });
  });
});

describe("the backend plugin's README", () => {
  it('shows this policy, as it is, as the one to start from', () => {
    const readme = readFileSync(
      resolvePackagePath(
        '@bluegreen-backstage/plugin-blue-green-backend',
        'README.md',
      ),
      'utf8',
    );
    const block =
      /```ts title="packages\/backend\/src\/modules\/permissionPolicy\.ts"\n([\s\S]*?)```/.exec(
        readme,
      )?.[1];
    expect(block).toBe(
      readFileSync(`${__dirname}/permissionPolicy.ts`, 'utf8'),
    );
  });
});
