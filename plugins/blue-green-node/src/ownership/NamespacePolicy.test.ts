import { ConfigReader } from '@backstage/config';
import { NamespacePolicy } from './NamespacePolicy';

const policy = (namespaces?: object[]) =>
  NamespacePolicy.fromConfig(
    new ConfigReader(namespaces ? { blueGreen: { namespaces } } : {}),
  );

describe('NamespacePolicy', () => {
  const rules = policy([
    { owners: ['team-checkout'], namespaces: ['default', 'checkout-*'] },
    {
      owners: ['group:default/team-payments'],
      clusters: ['prod'],
      namespaces: ['payments'],
    },
    { owners: ['group:default/platform'], namespaces: ['*', 'kube-system'] },
  ]);

  it('lets an owner use the namespaces of its rules', () => {
    const allowed = [
      ['group:default/team-checkout', 'prod', 'default'],
      ['Group:default/Team-Checkout', 'dev', 'checkout-api'],
      ['group:default/team-payments', 'prod', 'payments'],
      ['group:default/platform', 'dev', 'anything'],
      ['group:default/platform', 'dev', 'kube-system'],
    ];
    for (const [owner, cluster, namespace] of allowed) {
      expect(
        rules.problem({ owners: [owner], cluster, namespace }),
      ).toBeUndefined();
    }
  });

  it('refuses other namespaces, clusters and owners, naming them', () => {
    expect(
      rules.problem({
        owners: ['group:default/team-checkout'],
        cluster: 'prod',
        namespace: 'payments',
      }),
    ).toBe(
      'namespace payments on cluster prod is not one that group:default/team-checkout may use (blueGreen.namespaces)',
    );
    expect(
      rules.problem({
        owners: ['group:default/team-payments'],
        cluster: 'dev',
        namespace: 'payments',
      }),
    ).toContain('not one that group:default/team-payments may use');
    expect(
      rules.problem({
        owners: ['user:default/mallory'],
        cluster: 'prod',
        namespace: 'default',
      }),
    ).toContain('not one that user:default/mallory may use');
  });

  it('opens a system namespace only when a rule names it', () => {
    const wide = policy([{ owners: ['team-checkout'], namespaces: ['*'] }]);
    expect(
      wide.problem({
        owners: ['group:default/team-checkout'],
        namespace: 'kube-system',
      }),
    ).toContain('not one that');
    expect(policy().problem({ owners: [], namespace: 'kube-public' })).toBe(
      'namespace kube-public is a Kubernetes system namespace; a blueGreen.namespaces rule must name it for no owner to use it',
    );
    expect(
      policy().problem({ owners: ['group:default/x'], namespace: 'default' }),
    ).toBeUndefined();
  });

  it('stops at start-up on a wrong rule, naming it', () => {
    expect(() =>
      policy([{ owners: ['a:b:c/d/e'], namespaces: ['default'] }]),
    ).toThrow(
      'blueGreen.namespaces[0].owners: "a:b:c/d/e" is not an entity ref',
    );
    expect(() =>
      policy([{ owners: ['team'], namespaces: ['Default Space'] }]),
    ).toThrow('blueGreen.namespaces[0].namespaces: "Default Space"');
  });
});
