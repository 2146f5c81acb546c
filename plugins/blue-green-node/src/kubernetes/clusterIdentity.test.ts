import { ConfigReader } from '@backstage/config';
import { identityOf, readClusterOverrides } from './clusterIdentity';

const overrides = (clusters: object[]) =>
  readClusterOverrides(
    new ConfigReader({ blueGreen: { kubernetes: { clusters } } }),
  );

const cluster = (authMetadata: Record<string, string>) => ({
  name: 'prod',
  url: 'https://prod.example.com',
  authMetadata,
});

describe('blueGreen.kubernetes.clusters', () => {
  it('reads the authProvider form and the authMetadata form alike', () => {
    const read = overrides([
      {
        name: 'a',
        authProvider: 'aws',
        assumeRole: 'arn:aws:iam::1:role/blue-green',
        externalId: 'x',
      },
      {
        name: 'b',
        authMetadata: {
          'kubernetes.io/auth-provider': 'serviceAccount',
          serviceAccountToken: 't',
        },
        tlsServerName: 'api.internal',
      },
    ]);
    expect(read.get('a')!.authMetadata).toEqual({
      'kubernetes.io/auth-provider': 'aws',
      'kubernetes.io/aws-assume-role': 'arn:aws:iam::1:role/blue-green',
      'kubernetes.io/aws-external-id': 'x',
    });
    expect(read.get('b')).toEqual({
      name: 'b',
      authMetadata: {
        'kubernetes.io/auth-provider': 'serviceAccount',
        serviceAccountToken: 't',
      },
      tlsServerName: 'api.internal',
      proxyUrl: undefined,
    });
  });

  it.each(['google', 'oidc', 'aks'])(
    "refuses %s, a signed-in user's token, at start-up",
    authProvider => {
      expect(() => overrides([{ name: 'a', authProvider }])).toThrow(
        /blueGreen\.kubernetes\.clusters\[0\]: authProvider ".*" is a signed-in user's token/,
      );
    },
  );

  it('refuses settings without a provider, and a cluster listed twice', () => {
    expect(() => overrides([{ name: 'a', serviceAccountToken: 't' }])).toThrow(
      /say which credentials to use with authProvider/,
    );
    expect(() =>
      overrides([
        { name: 'a', authProvider: 'serviceAccount' },
        { name: 'a', authProvider: 'aws' },
      ]),
    ).toThrow(/listed twice/);
  });
});

describe('the identity of a cluster', () => {
  it("is the plugin's own when configured, whatever the Kubernetes plugin uses", () => {
    const own = overrides([
      {
        name: 'prod',
        authProvider: 'serviceAccount',
        serviceAccountToken: 'bg',
      },
    ]).get('prod');
    const identity = identityOf(
      cluster({ 'kubernetes.io/auth-provider': 'google' }),
      own,
    );
    expect(identity).toMatchObject({
      kind: 'plugin',
      authProvider: 'serviceAccount',
      source: 'blueGreen.kubernetes.clusters',
    });
    expect(identity.details.authMetadata.serviceAccountToken).toBe('bg');
    expect(identity.details.url).toBe('https://prod.example.com');
  });

  it("falls back to the Kubernetes plugin's backend-side credentials", () => {
    expect(
      identityOf(
        cluster({ 'kubernetes.io/auth-provider': 'googleServiceAccount' }),
        undefined,
      ),
    ).toMatchObject({ kind: 'plugin', source: 'kubernetes' });
  });

  it('is read-only on a cluster with user-side auth only, saying what to configure', () => {
    const identity = identityOf(
      cluster({ 'kubernetes.io/auth-provider': 'oidc' }),
      undefined,
    );
    expect(identity.kind).toBe('user');
    expect(identity.kind === 'user' && identity.reason).toContain(
      'blueGreen.kubernetes.clusters',
    );
  });
});
