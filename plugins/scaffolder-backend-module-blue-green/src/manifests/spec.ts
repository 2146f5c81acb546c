import type { BlueGreenStrategy } from '@bluegreen-backstage/plugin-blue-green-common';
import type { KubeObject } from '@bluegreen-backstage/plugin-blue-green-node';

/**
 * Everything needed to render a new blue/green service: its manifests for one strategy and its
 * catalog-info.yaml. Defaults are applied by the action's input schema.
 *
 * @public
 */
export type BlueGreenServiceSpec = {
  /** Base name of every object: Deployments `<name>-blue` / `<name>-green`, Service `<name>`, … */
  name: string;
  namespace: string;
  strategy: BlueGreenStrategy;
  /** Catalog entity ref of the owner, e.g. `group:default/team-checkout`. */
  owner: string;
  description?: string;
  system?: string;
  lifecycle: string;
  /** Cluster name from `kubernetes.clusterLocatorMethods`; written as `backstage.io/kubernetes-cluster`. */
  cluster?: string;
  /** Image of the blue color (live at first). */
  image: string;
  /** Image of the green color (idle at first). Default: `image`. */
  greenImage?: string;
  /** Port the container listens on. */
  port: number;
  /** Port of the Services. */
  servicePort: number;
  replicas: number;
  /** Path answering 200 when a pod is healthy: readiness and liveness probes, checklist. */
  healthPath: string;
  resources: {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
  };
  /** Connection draining: a preStop sleep, then up to the grace period for open requests to finish. */
  drain: { preStopSleepSeconds: number; terminationGracePeriodSeconds: number };
  /** A success-rate AnalysisTemplate, run before and after a promote (strategies that render analysis). */
  analysis?: {
    prometheusAddress: string;
    /** Share of 2xx responses a color needs, 0..1. */
    successRate: number;
  };
};

/** One rendered manifest file: its path below the manifests directory and its objects. */
export type ManifestFile = { file: string; objects: KubeObject[] };

/**
 * The names a strategy gives its objects, so catalog-info and manifests cannot disagree.
 *
 * @public
 */
export type ServiceNames = {
  service: string;
  previewService?: string;
  deployments?: { blue: string; green: string };
  rollout?: string;
  virtualService?: string;
  destinationRule?: string;
  analysisTemplate?: string;
};

/**
 * One switch mechanism's manifests and the Blue/Green annotations that describe them.
 * Adding a strategy is one new file and one line in `strategies/index.ts`.
 */
export interface ManifestStrategy {
  strategy: BlueGreenStrategy;
  /** Whether it renders the success-rate analysis (`spec.analysis`) into its objects. */
  rendersAnalysis: boolean;
  names(spec: BlueGreenServiceSpec): ServiceNames;
  objects(spec: BlueGreenServiceSpec): KubeObject[];
  /** `blue-green.backstage.io/*` annotations beyond the strategy itself. */
  annotations(spec: BlueGreenServiceSpec): Record<string, string>;
}
