import type { Entity } from '@backstage/catalog-model';
import {
  BLUE_GREEN_ANNOTATIONS,
  BLUE_GREEN_STRATEGIES,
  KUBERNETES_ANNOTATIONS,
  StrategyName,
} from './annotations';

/**
 * Where an entity's blue/green workloads live and what their names are, with the usual
 * names (`<id>-blue`, `<id>-green`, Service `<id>`, ...) filled in for every annotation left out.
 *
 * @public
 */
export type BlueGreenTarget = {
  strategy: StrategyName;
  /** Cluster name from `backstage.io/kubernetes-cluster`; absent means "the only configured cluster". */
  cluster?: string;
  namespace: string;
  /** Base name of the workloads: `backstage.io/kubernetes-id`, else the entity name. */
  name: string;
  colorLabel: string;
  healthPath: string;
  /** The Service whose traffic is switched (service-selector, istio) or the active Service (argo-rollouts). */
  service: string;
  previewService?: string;
  deployments?: { blue: string; green: string };
  rollout?: string;
  virtualService?: string;
  destinationRule?: string;
};

/**
 * Result of reading an entity's annotations: the target, or the list of problems to fix.
 *
 * @public
 */
export type BlueGreenTargetResult =
  | { ok: true; target: BlueGreenTarget }
  | { ok: false; problems: string[] };

// Kubernetes object names: DNS-1123 subdomain; namespaces and label keys are stricter, but a name
// that passes this never breaks out of a URL path or a selector.
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * Whether a URL path has a `.` or `..` segment, percent-encoded ones included (`%2e%2e`): URL
 * parsers resolve them, so the health path appended to the pods proxy path would climb out of it
 * to any API server path.
 */
function hasDotSegment(path: string): boolean {
  return path.split('/').some(segment => /^(\.|%2e){1,2}$/i.test(segment));
}

/**
 * Options of {@link resolveBlueGreenTarget}.
 *
 * @public
 */
export type ResolveBlueGreenTargetOptions = {
  /**
   * The strategy names the backend accepts; default the built-in ones. A strategy added by a
   * backend module gets the names of the service-selector layout (a Service, two Deployments).
   */
  strategies?: readonly string[];
};

/**
 * Reads the Blue/Green and Kubernetes annotations of an entity.
 *
 * @public
 */
export function resolveBlueGreenTarget(
  entity: Entity,
  options: ResolveBlueGreenTargetOptions = {},
): BlueGreenTargetResult {
  const strategies = options.strategies ?? BLUE_GREEN_STRATEGIES;
  const annotations = entity.metadata.annotations ?? {};
  const read = (key: string) => {
    const value = annotations[key]?.trim();
    return value ? value : undefined;
  };
  const problems: string[] = [];

  const strategy = read(BLUE_GREEN_ANNOTATIONS.strategy);
  const oneOf = `${strategies.slice(0, -1).join(', ')}${
    strategies.length > 1 ? ' or ' : ''
  }${strategies[strategies.length - 1]}`;
  if (!strategy) {
    problems.push(
      `annotation ${BLUE_GREEN_ANNOTATIONS.strategy} is missing; set it to ${oneOf}`,
    );
  } else if (!strategies.includes(strategy)) {
    problems.push(
      `annotation ${BLUE_GREEN_ANNOTATIONS.strategy} is "${strategy}"; it must be ${oneOf}`,
    );
  }

  const name = read(KUBERNETES_ANNOTATIONS.id) ?? entity.metadata.name;
  const namespace = read(KUBERNETES_ANNOTATIONS.namespace) ?? 'default';
  const cluster = read(KUBERNETES_ANNOTATIONS.cluster);
  const colorLabel = read(BLUE_GREEN_ANNOTATIONS.colorLabel) ?? 'color';
  const healthPath = read(BLUE_GREEN_ANNOTATIONS.healthPath) ?? '/health';

  const names: Array<[string, string | undefined]> = [
    [KUBERNETES_ANNOTATIONS.id, name],
    [KUBERNETES_ANNOTATIONS.namespace, namespace],
  ];
  const named = (key: string, fallback: string | undefined) => {
    const value = read(key) ?? fallback;
    names.push([key, value]);
    return value;
  };

  const target: Partial<BlueGreenTarget> = {
    cluster,
    namespace,
    name,
    colorLabel,
    healthPath,
  };
  if (strategy === 'argo-rollouts') {
    target.rollout = named(BLUE_GREEN_ANNOTATIONS.rollout, name);
    // Argo names its Services in the Rollout spec; these are the conventional names, read back
    // from the Rollout by the backend when the annotations are absent.
    target.service = named(BLUE_GREEN_ANNOTATIONS.service, `${name}-active`);
    target.previewService = named(
      BLUE_GREEN_ANNOTATIONS.previewService,
      `${name}-preview`,
    );
  } else {
    target.service = named(BLUE_GREEN_ANNOTATIONS.service, name);
    target.previewService = named(
      BLUE_GREEN_ANNOTATIONS.previewService,
      undefined,
    );
    target.deployments = {
      blue: named(BLUE_GREEN_ANNOTATIONS.blueDeployment, `${name}-blue`)!,
      green: named(BLUE_GREEN_ANNOTATIONS.greenDeployment, `${name}-green`)!,
    };
    if (strategy === 'istio') {
      target.virtualService = named(
        BLUE_GREEN_ANNOTATIONS.virtualService,
        name,
      );
      target.destinationRule = named(
        BLUE_GREEN_ANNOTATIONS.destinationRule,
        name,
      );
    }
  }

  for (const [key, value] of names) {
    if (value !== undefined && !NAME.test(value)) {
      problems.push(
        `annotation ${key} is "${value}"; it must be a Kubernetes object name (lower-case letters, digits, '-' and '.')`,
      );
    }
  }
  // The name travels in a header (Backstage-Kubernetes-Cluster) to the Kubernetes backend's proxy:
  // a control character there is a header injection, and Node refuses it with an error of its own.
  if (
    cluster !== undefined &&
    !/^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(cluster)
  ) {
    problems.push(
      `annotation ${KUBERNETES_ANNOTATIONS.cluster} is ${JSON.stringify(
        cluster,
      )}; it must be a cluster name from kubernetes.clusterLocatorMethods (printable ASCII)`,
    );
  }
  if (!LABEL_KEY.test(colorLabel)) {
    problems.push(
      `annotation ${BLUE_GREEN_ANNOTATIONS.colorLabel} is "${colorLabel}"; it must be a Kubernetes label key`,
    );
  }
  if (
    !/^\/[A-Za-z0-9\-._~/%]*$/.test(healthPath) ||
    hasDotSegment(healthPath)
  ) {
    problems.push(
      `annotation ${BLUE_GREEN_ANNOTATIONS.healthPath} is "${healthPath}"; it must be a URL path starting with '/', without '.' or '..' segments`,
    );
  }

  if (problems.length > 0) {
    return { ok: false, problems };
  }
  target.strategy = strategy;
  return { ok: true, target: target as BlueGreenTarget };
}
