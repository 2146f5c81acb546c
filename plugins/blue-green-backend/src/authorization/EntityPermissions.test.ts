import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  blueGreenForcePermission,
  blueGreenPromotePermission,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { EntityPermissions, onlyBuiltInRules } from './EntityPermissions';

const credentials = mockCredentials.user('user:default/alice');

const entity = (owner: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'my-app',
    namespace: 'default',
    annotations: { 'blue-green.io/strategy': 'service-selector' },
  },
  spec: { owner },
  relations: [{ type: 'ownedBy', targetRef: owner }],
});

const ownersOnly = createCatalogConditionalDecision(
  blueGreenPromotePermission,
  catalogConditions.isEntityOwner({ claims: ['group:default/team-checkout'] }),
);

function setup(
  decisions: PolicyDecision[],
  remote = AuthorizeResult.DENY as AuthorizeResult.ALLOW | AuthorizeResult.DENY,
) {
  const permissions = mockServices.permissions.mock({
    authorizeConditional: jest.fn(async () => decisions) as any,
    authorize: jest.fn(async requests =>
      requests.map(() => ({ result: remote })),
    ),
  });
  return { permissions, checker: EntityPermissions.create({ permissions }) };
}

describe('EntityPermissions', () => {
  it('asks for all decisions in one request and pairs them with their permissions', async () => {
    const { permissions, checker } = setup([
      { result: AuthorizeResult.ALLOW },
      { result: AuthorizeResult.DENY },
    ]);
    const decided = await checker.decide(
      [blueGreenPromotePermission, blueGreenForcePermission],
      credentials,
    );
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);
    expect(permissions.authorizeConditional).toHaveBeenCalledWith(
      [
        { permission: blueGreenPromotePermission },
        { permission: blueGreenForcePermission },
      ],
      { credentials },
    );
    expect(decided.map(d => [d.permission.name, d.decision.result])).toEqual([
      ['blue-green.promote', AuthorizeResult.ALLOW],
      ['blue-green.force', AuthorizeResult.DENY],
    ]);
  });

  it('takes ALLOW and DENY as they are', async () => {
    const { permissions, checker } = setup([
      { result: AuthorizeResult.ALLOW },
      { result: AuthorizeResult.DENY },
    ]);
    const [allow, deny] = await checker.decide(
      [blueGreenPromotePermission, blueGreenForcePermission],
      credentials,
    );
    const e = entity('group:default/team-checkout');
    await expect(checker.allows(allow, e, credentials)).resolves.toBe(true);
    await expect(checker.allows(deny, e, credentials)).resolves.toBe(false);
    expect(permissions.authorize).not.toHaveBeenCalled();
  });

  it("applies a conditional decision to the entity with the catalog's rules, without a second request", async () => {
    const { permissions, checker } = setup([ownersOnly], AuthorizeResult.ALLOW);
    const [decision] = await checker.decide(
      [blueGreenPromotePermission],
      credentials,
    );
    await expect(
      checker.allows(
        decision,
        entity('group:default/team-checkout'),
        credentials,
      ),
    ).resolves.toBe(true);
    await expect(
      checker.allows(
        decision,
        entity('group:default/team-payments'),
        credentials,
      ),
    ).resolves.toBe(false);
    expect(permissions.authorize).not.toHaveBeenCalled();
  });

  it('evaluates nested criteria (not, anyOf, allOf)', async () => {
    const decision = createCatalogConditionalDecision(
      blueGreenPromotePermission,
      {
        allOf: [
          { not: catalogConditions.isEntityKind({ kinds: ['group'] }) },
          {
            anyOf: [
              catalogConditions.isEntityOwner({
                claims: ['group:default/platform'],
              }),
              catalogConditions.hasAnnotation({
                annotation: 'blue-green.io/strategy',
                value: 'service-selector',
              }),
            ],
          },
        ],
      },
    );
    const { checker } = setup([decision]);
    const [decided] = await checker.decide(
      [blueGreenPromotePermission],
      credentials,
    );
    const e = entity('group:default/team-checkout');
    await expect(checker.allows(decided, e, credentials)).resolves.toBe(true);
    const withoutAnnotation = {
      ...e,
      metadata: { ...e.metadata, annotations: {} },
    };
    await expect(
      checker.allows(decided, withoutAnnotation, credentials),
    ).resolves.toBe(false);
  });

  it('leaves a condition with a rule only the running catalog knows to the permission backend', async () => {
    const custom: PolicyDecision = {
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        anyOf: [
          catalogConditions.isEntityOwner({ claims: ['group:default/x'] }),
          { rule: 'IS_ON_CALL', resourceType: 'catalog-entity', params: {} },
        ],
      },
    };
    const { permissions, checker } = setup([custom], AuthorizeResult.ALLOW);
    const [decision] = await checker.decide(
      [blueGreenPromotePermission],
      credentials,
    );
    await expect(
      checker.allows(
        decision,
        entity('group:default/team-checkout'),
        credentials,
      ),
    ).resolves.toBe(true);
    expect(permissions.authorize).toHaveBeenCalledWith(
      [
        {
          permission: blueGreenPromotePermission,
          resourceRef: 'component:default/my-app',
        },
      ],
      { credentials },
    );
  });

  it('a failed decision request rejects when awaited, not before', async () => {
    const permissions = mockServices.permissions.mock({
      authorizeConditional: jest.fn(async () => {
        throw new Error('permission backend down');
      }),
    });
    const checker = EntityPermissions.create({ permissions });
    const pending = checker.decide([blueGreenPromotePermission], credentials);
    // Give an unobserved rejection the chance to be reported before it is awaited.
    await new Promise(r => setImmediate(r));
    await expect(pending).rejects.toThrow('permission backend down');
  });
});

describe('onlyBuiltInRules', () => {
  it('is false for another resource type or an unknown rule anywhere in the tree', () => {
    const owner = catalogConditions.isEntityOwner({ claims: [] });
    expect(onlyBuiltInRules(owner, 'catalog-entity')).toBe(true);
    expect(onlyBuiltInRules(owner, 'scaffolder-template')).toBe(false);
    expect(
      onlyBuiltInRules(
        {
          not: {
            allOf: [
              owner,
              { rule: 'X', resourceType: 'catalog-entity', params: {} },
            ],
          },
        },
        'catalog-entity',
      ),
    ).toBe(false);
  });
});

describe('EntityPermissions.allowsEach', () => {
  const owners = ['team-checkout', 'team-payments', 'team-checkout'].map(o =>
    entity(`group:default/${o}`),
  );

  it('applies a conditional decision to every entity, without a request per entity', async () => {
    const { permissions, checker } = setup([ownersOnly]);
    const [decision] = await checker.decide(
      [blueGreenPromotePermission],
      credentials,
    );
    await expect(
      checker.allowsEach(decision, owners, credentials),
    ).resolves.toEqual([true, false, true]);
    expect(permissions.authorize).not.toHaveBeenCalled();
  });

  it('asks the permission backend once for all entities when a rule is only known to the catalog', async () => {
    const custom: PolicyDecision = {
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ON_CALL',
        resourceType: 'catalog-entity',
        params: {},
      },
    };
    const { permissions, checker } = setup([custom], AuthorizeResult.ALLOW);
    const [decision] = await checker.decide(
      [blueGreenPromotePermission],
      credentials,
    );
    await expect(
      checker.allowsEach(decision, owners, credentials),
    ).resolves.toEqual([true, true, true]);
    expect(permissions.authorize).toHaveBeenCalledTimes(1);
    expect((permissions.authorize as jest.Mock).mock.calls[0][0]).toHaveLength(
      3,
    );
  });
});
