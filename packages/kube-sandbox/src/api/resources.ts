/**
 * The resource types the sandbox serves: what discovery advertises, how each behaves
 * (built-in vs custom resource semantics) and which field selectors it supports.
 */

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  /** Served versions; the first one is the storage (preferred) version. */
  versions: string[];
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  /** Custom resource semantics (CRD handler): no strategic merge patch, no unconditional PUT. */
  custom: boolean;
  subresources: string[];
  /** metadata.generation is maintained. */
  generation: boolean;
  /** Extra field selectors beyond metadata.name / metadata.namespace. */
  fieldSelectors?: string[];
  /** Served from live state (metrics.k8s.io); read-only. */
  virtual?: boolean;
  /** Status of the object is only writable through the /status subresource. */
  statusSubresource: boolean;
}

const POD_FIELDS = [
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.podIPs',
  'status.nominatedNodeName',
];

const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

function rt(
  partial: Omit<ResourceType, 'generation' | 'statusSubresource' | 'custom'> &
    Partial<Pick<ResourceType, 'generation' | 'custom'>>,
): ResourceType {
  const custom = partial.custom ?? false;
  return {
    ...partial,
    custom,
    generation: partial.generation ?? custom,
    statusSubresource: partial.subresources.includes('status'),
  };
}

const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'];

export const RESOURCE_TYPES: ResourceType[] = [
  rt({
    group: '',
    versions: ['v1'],
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    shortNames: ['ns'],
    namespaced: false,
    subresources: ['status', 'finalize'],
    fieldSelectors: ['status.phase'],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'Node',
    plural: 'nodes',
    singular: 'node',
    shortNames: ['no'],
    namespaced: false,
    subresources: ['status', 'proxy'],
    fieldSelectors: ['spec.unschedulable'],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    shortNames: ['po'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'log', 'proxy'],
    fieldSelectors: POD_FIELDS,
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    shortNames: ['svc'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'proxy'],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'Endpoints',
    plural: 'endpoints',
    singular: 'endpoints',
    shortNames: ['ep'],
    namespaced: true,
    subresources: [],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    shortNames: ['ev'],
    namespaced: true,
    subresources: [],
    fieldSelectors: EVENT_FIELDS,
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    shortNames: ['cm'],
    namespaced: true,
    subresources: [],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    namespaced: true,
    subresources: [],
    fieldSelectors: ['type'],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    shortNames: ['sa'],
    namespaced: true,
    subresources: [],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'LimitRange',
    plural: 'limitranges',
    singular: 'limitrange',
    shortNames: ['limits'],
    namespaced: true,
    subresources: [],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    singular: 'resourcequota',
    shortNames: ['quota'],
    namespaced: true,
    subresources: ['status'],
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'ReplicationController',
    plural: 'replicationcontrollers',
    singular: 'replicationcontroller',
    shortNames: ['rc'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'scale'],
    generation: true,
  }),
  rt({
    group: '',
    versions: ['v1'],
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    shortNames: ['pvc'],
    namespaced: true,
    subresources: ['status'],
  }),
  rt({
    group: 'apps',
    versions: ['v1'],
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'scale'],
    generation: true,
  }),
  rt({
    group: 'apps',
    versions: ['v1'],
    kind: 'ReplicaSet',
    plural: 'replicasets',
    singular: 'replicaset',
    shortNames: ['rs'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'scale'],
    generation: true,
    fieldSelectors: ['status.replicas'],
  }),
  rt({
    group: 'apps',
    versions: ['v1'],
    kind: 'StatefulSet',
    plural: 'statefulsets',
    singular: 'statefulset',
    shortNames: ['sts'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'scale'],
    generation: true,
  }),
  rt({
    group: 'apps',
    versions: ['v1'],
    kind: 'DaemonSet',
    plural: 'daemonsets',
    singular: 'daemonset',
    shortNames: ['ds'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status'],
    generation: true,
  }),
  rt({
    group: 'autoscaling',
    versions: ['v2', 'v1'],
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    shortNames: ['hpa'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status'],
  }),
  rt({
    group: 'batch',
    versions: ['v1'],
    kind: 'Job',
    plural: 'jobs',
    singular: 'job',
    categories: ['all'],
    namespaced: true,
    subresources: ['status'],
    generation: true,
  }),
  rt({
    group: 'batch',
    versions: ['v1'],
    kind: 'CronJob',
    plural: 'cronjobs',
    singular: 'cronjob',
    shortNames: ['cj'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status'],
    generation: true,
  }),
  rt({
    group: 'networking.k8s.io',
    versions: ['v1'],
    kind: 'Ingress',
    plural: 'ingresses',
    singular: 'ingress',
    shortNames: ['ing'],
    namespaced: true,
    subresources: ['status'],
    generation: true,
  }),
  rt({
    group: 'discovery.k8s.io',
    versions: ['v1'],
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    singular: 'endpointslice',
    namespaced: true,
    subresources: [],
  }),
  rt({
    group: 'metrics.k8s.io',
    versions: ['v1beta1'],
    kind: 'PodMetrics',
    plural: 'pods',
    singular: '',
    namespaced: true,
    subresources: [],
    virtual: true,
  }),
  rt({
    group: 'metrics.k8s.io',
    versions: ['v1beta1'],
    kind: 'NodeMetrics',
    plural: 'nodes',
    singular: '',
    namespaced: false,
    subresources: [],
    virtual: true,
  }),
  rt({
    group: 'argoproj.io',
    versions: ['v1alpha1'],
    kind: 'Rollout',
    plural: 'rollouts',
    singular: 'rollout',
    shortNames: ['ro'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'scale'],
    custom: true,
  }),
  rt({
    group: 'argoproj.io',
    versions: ['v1alpha1'],
    kind: 'AnalysisTemplate',
    plural: 'analysistemplates',
    singular: 'analysistemplate',
    namespaced: true,
    subresources: [],
    custom: true,
  }),
  rt({
    group: 'argoproj.io',
    versions: ['v1alpha1'],
    kind: 'ClusterAnalysisTemplate',
    plural: 'clusteranalysistemplates',
    singular: 'clusteranalysistemplate',
    namespaced: false,
    subresources: [],
    custom: true,
  }),
  rt({
    group: 'argoproj.io',
    versions: ['v1alpha1'],
    kind: 'AnalysisRun',
    plural: 'analysisruns',
    singular: 'analysisrun',
    namespaced: true,
    subresources: [],
    custom: true,
  }),
  rt({
    group: 'argoproj.io',
    versions: ['v1alpha1'],
    kind: 'Experiment',
    plural: 'experiments',
    singular: 'experiment',
    namespaced: true,
    subresources: [],
    custom: true,
  }),
  rt({
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    kind: 'VirtualService',
    plural: 'virtualservices',
    singular: 'virtualservice',
    shortNames: ['vs'],
    categories: ['istio-io', 'networking-istio-io'],
    namespaced: true,
    subresources: ['status'],
    custom: true,
  }),
  rt({
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    kind: 'DestinationRule',
    plural: 'destinationrules',
    singular: 'destinationrule',
    shortNames: ['dr'],
    categories: ['istio-io', 'networking-istio-io'],
    namespaced: true,
    subresources: ['status'],
    custom: true,
  }),
  rt({
    group: 'networking.istio.io',
    versions: ISTIO_VERSIONS,
    kind: 'Gateway',
    plural: 'gateways',
    singular: 'gateway',
    shortNames: ['gw'],
    categories: ['istio-io', 'networking-istio-io'],
    namespaced: true,
    subresources: ['status'],
    custom: true,
  }),
];

/** Key of a resource type in the store: `plural` or `plural.group`. */
export function typeKey(t: { plural: string; group: string }): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export class ResourceRegistry {
  private readonly byGroupPlural = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();

  constructor(readonly types: ResourceType[] = RESOURCE_TYPES) {
    for (const t of types) {
      this.byGroupPlural.set(typeKey(t), t);
      if (!t.virtual) this.byKind.set(`${t.group}/${t.kind}`, t);
    }
  }

  /** Finds a type from a URL's group, version and plural. */
  lookup(
    group: string,
    version: string,
    plural: string,
  ): ResourceType | undefined {
    const t = this.byGroupPlural.get(group ? `${plural}.${group}` : plural);
    if (!t || !t.versions.includes(version)) return undefined;
    return t;
  }

  byKey(key: string): ResourceType {
    const t = this.byGroupPlural.get(key);
    if (!t) throw new Error(`unknown resource type ${key}`);
    return t;
  }

  /** Finds a type from an object's apiVersion and kind. */
  forKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/')
      ? apiVersion.split('/')
      : ['', apiVersion];
    const t = this.byKind.get(`${group}/${kind}`);
    if (!t || !t.versions.includes(version)) return undefined;
    return t;
  }

  groups(): Array<{ name: string; versions: string[] }> {
    const out = new Map<string, string[]>();
    for (const t of this.types) {
      if (!t.group) continue;
      const vs = out.get(t.group) ?? [];
      for (const v of t.versions) if (!vs.includes(v)) vs.push(v);
      out.set(t.group, vs);
    }
    return [...out].map(([name, versions]) => ({ name, versions }));
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter(
      t => t.group === group && t.versions.includes(version),
    );
  }
}

export function apiVersionOf(t: ResourceType, version = t.versions[0]): string {
  return t.group ? `${t.group}/${version}` : version;
}
