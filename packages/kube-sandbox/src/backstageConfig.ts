/**
 * The `kubernetes` section of a Backstage app-config that points the Kubernetes plugin (and the
 * Blue/Green backend, which reads the same clusters) at running sandboxes, by cluster name.
 */
export function kubernetesConfig(
  clusters: Record<string, { url: string; token: string }>,
  options: { skipMetricsLookup?: boolean } = {},
) {
  return {
    serviceLocatorMethod: { type: 'multiTenant' },
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: Object.entries(clusters).map(([name, sandbox]) => ({
          name,
          url: sandbox.url,
          authProvider: 'serviceAccount',
          serviceAccountToken: sandbox.token,
          skipTLSVerify: true,
          ...(options.skipMetricsLookup !== undefined && {
            skipMetricsLookup: options.skipMetricsLookup,
          }),
        })),
      },
    ],
  };
}
