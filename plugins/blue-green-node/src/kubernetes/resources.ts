/**
 * A kind of Kubernetes object, by its API group, version and plural name — what a URL path needs.
 *
 * @public
 */
export type KubeResource = {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
};

const resource = (
  group: string,
  version: string,
  plural: string,
  kind: string,
): KubeResource => ({ group, version, plural, kind });

/**
 * The kinds the Blue/Green plugins read or write.
 *
 * @public
 */
export const KUBE_RESOURCES = {
  namespaces: resource('', 'v1', 'namespaces', 'Namespace'),
  services: resource('', 'v1', 'services', 'Service'),
  endpoints: resource('', 'v1', 'endpoints', 'Endpoints'),
  pods: resource('', 'v1', 'pods', 'Pod'),
  events: resource('', 'v1', 'events', 'Event'),
  deployments: resource('apps', 'v1', 'deployments', 'Deployment'),
  replicasets: resource('apps', 'v1', 'replicasets', 'ReplicaSet'),
  horizontalPodAutoscalers: resource(
    'autoscaling',
    'v2',
    'horizontalpodautoscalers',
    'HorizontalPodAutoscaler',
  ),
  rollouts: resource('argoproj.io', 'v1alpha1', 'rollouts', 'Rollout'),
  analysisTemplates: resource(
    'argoproj.io',
    'v1alpha1',
    'analysistemplates',
    'AnalysisTemplate',
  ),
  analysisRuns: resource(
    'argoproj.io',
    'v1alpha1',
    'analysisruns',
    'AnalysisRun',
  ),
  virtualServices: resource(
    'networking.istio.io',
    'v1',
    'virtualservices',
    'VirtualService',
  ),
  destinationRules: resource(
    'networking.istio.io',
    'v1',
    'destinationrules',
    'DestinationRule',
  ),
} as const;

/**
 * The resource of a manifest's apiVersion and kind, when it is one the plugins know.
 *
 * @public
 */
export function resourceOf(
  apiVersion: string,
  kind: string,
): KubeResource | undefined {
  const [group, version] = apiVersion.includes('/')
    ? apiVersion.split('/', 2)
    : ['', apiVersion];
  const known = Object.values(KUBE_RESOURCES).find(
    r => r.kind === kind && r.group === group,
  );
  return known && { ...known, version };
}

/** `/api/v1/namespaces/ns/services/name/sub` or `/apis/apps/v1/...` */
export function resourcePath(
  r: KubeResource,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const parts = [r.group === '' ? '/api' : `/apis/${r.group}`, r.version];
  if (namespace !== undefined && r.plural !== 'namespaces') {
    parts.push('namespaces', encodeURIComponent(namespace));
  }
  parts.push(r.plural);
  if (name !== undefined) parts.push(encodeURIComponent(name));
  if (subresource !== undefined) parts.push(subresource);
  return parts.join('/');
}
