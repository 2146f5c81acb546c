import { LRUCache } from 'lru-cache';
import { ConflictError } from '@backstage/errors';
import {
  BlueGreenTarget,
  Color,
  COLORS,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  DeployChange,
  JsonPatchOperation,
  EntityObject,
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
  MetricGroup,
  SentRequest,
  SwitchWrite,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { selectorString } from './workloads';

/** The two colors' Deployments and their pods, as the strategies that switch Deployments read them. */
export type DeploymentObjects = {
  deployments: Record<Color, KubeObject | undefined>;
  pods: Record<Color, KubeObject[]>;
};

/** Pods matching a Deployment's selector (as `selectorString` writes it). */
async function listPods(
  kube: KubeClient,
  namespace: string,
  labelSelector: string,
): Promise<KubeObject[]> {
  const { items } = await kube.list(KUBE_RESOURCES.pods, namespace, {
    labelSelector,
  });
  return items;
}

/**
 * Pod selectors of the Deployments read before, by cluster, namespace and name. A Deployment's
 * `spec.selector` cannot change (apps/v1 refuses the update), so the next read lists the pods in
 * the same round as their Deployment; the selector the Deployment then shows decides whether that
 * list is the one to use (a Deployment deleted and created again with another selector is listed
 * again). Saves one round trip to the API server per read.
 */
const podSelectors = new LRUCache<string, string>({ max: 10_000 });

/** Reads the two colors' Deployments and their pods, in one round where it can. */
export async function readDeployments(
  kube: KubeClient,
  target: BlueGreenTarget,
): Promise<DeploymentObjects> {
  const names = target.deployments!;
  const keyOf = (c: Color) => `${kube.cluster}/${target.namespace}/${names[c]}`;
  const early = COLORS.map(c => {
    const selector = podSelectors.get(keyOf(c));
    return (
      selector && {
        selector,
        pods: listPods(kube, target.namespace, selector),
      }
    );
  });
  // A list not used after all is waited for (never failing) so that it ends within this read.
  const drop = (i: number) => early[i] && early[i].pods.catch(() => []);
  let deployments;
  try {
    deployments = await Promise.all(
      COLORS.map(c =>
        kube.get(KUBE_RESOURCES.deployments, target.namespace, names[c]),
      ),
    );
  } catch (error) {
    await Promise.all(COLORS.map((_, i) => drop(i)));
    throw error;
  }
  const [bluePods, greenPods] = await Promise.all(
    COLORS.map(async (c, i) => {
      const deployment = deployments[i];
      if (!deployment?.spec?.selector) {
        podSelectors.delete(keyOf(c));
        await drop(i);
        return [];
      }
      const selector = selectorString(deployment.spec.selector);
      podSelectors.set(keyOf(c), selector);
      if (early[i] && early[i].selector === selector) return early[i].pods;
      await drop(i);
      return listPods(kube, target.namespace, selector);
    }),
  );
  const [blue, green] = deployments;
  return {
    deployments: { blue, green },
    pods: { blue: bluePods, green: greenPods },
  };
}

/** The two colors' Deployments as objects of the entity (see `SwitchStrategy.entityObjects`). */
export function deploymentObjects(
  target: BlueGreenTarget,
  deployments: Record<Color, KubeObject | undefined>,
): EntityObject[] {
  return COLORS.map(color => ({
    kind: 'Deployment',
    namespace: target.namespace,
    name: target.deployments![color],
    object: deployments[color],
  }));
}

/** Metrics of Deployment pods are told apart by their color label, whose value is the color. */
export function colorLabelMetricGroup(target: BlueGreenTarget): MetricGroup {
  return {
    label: target.colorLabel,
    colorOf: value => COLORS.find(c => c === value),
  };
}

/** Problems with the Deployments: missing ones, or pods not labelled with their color. */
export function deploymentProblems(
  target: BlueGreenTarget,
  deployments: Record<Color, KubeObject | undefined>,
  colorLabel?: string,
): string[] {
  const problems: string[] = [];
  for (const color of COLORS) {
    const name = target.deployments![color];
    const deployment = deployments[color];
    if (!deployment) {
      problems.push(
        `Deployment ${target.namespace}/${name} (the ${color} color) does not exist`,
      );
    } else if (
      colorLabel &&
      deployment.spec?.template?.metadata?.labels?.[colorLabel] !== color
    ) {
      problems.push(
        `Deployment ${target.namespace}/${name} does not label its pods ${colorLabel}=${color}`,
      );
    }
  }
  return problems;
}

/** The HorizontalPodAutoscaler that scales a Deployment, if one does. */
async function autoscalerOf(
  kube: KubeClient,
  namespace: string,
  deployment: KubeObject,
): Promise<KubeObject | undefined> {
  const { items } = await kube.list(
    KUBE_RESOURCES.horizontalPodAutoscalers,
    namespace,
  );
  return items.find(
    hpa =>
      hpa.spec?.scaleTargetRef?.kind === 'Deployment' &&
      hpa.spec?.scaleTargetRef?.name === deployment.metadata.name,
  );
}

/**
 * Scales a Deployment through its /scale subresource (what `kubectl scale` does). A Deployment an
 * HPA scales is scaled within the HPA's bounds, never against it: to 0 (the HPA pauses while its
 * target has no replicas, and takes over again once it has some), otherwise to a count between
 * its minReplicas and maxReplicas, so the HPA does not undo the change.
 */
export async function scaleDeployment(
  kube: KubeClient,
  namespace: string,
  deployment: KubeObject | undefined,
  replicas: number,
): Promise<SwitchWrite> {
  if (!deployment) {
    throw new ConflictError(
      'the Deployment of that color does not exist, so it cannot be scaled',
    );
  }
  const hpa = await autoscalerOf(kube, namespace, deployment);
  let count = replicas;
  let bounded = '';
  if (hpa && replicas > 0) {
    const min = Number(hpa.spec.minReplicas ?? 1);
    const max = Number(hpa.spec.maxReplicas ?? min);
    count = Math.min(Math.max(replicas, min), max);
    if (count !== replicas) {
      bounded = ` (${replicas} asked; HorizontalPodAutoscaler ${hpa.metadata.name} keeps it between ${min} and ${max})`;
    }
  }
  const patch = { spec: { replicas: count } };
  await kube.patch(
    KUBE_RESOURCES.deployments,
    namespace,
    deployment.metadata.name,
    patch,
    { type: 'merge', subresource: 'scale' },
  );
  return {
    requests: [
      {
        description: `PATCH deployments/${deployment.metadata.name}/scale${bounded}`,
        patch,
      },
    ],
  };
}

/**
 * Whether a deploy may set the pod template's `version` label: it has one, and the workload's
 * selector does not select by it (a changed selector label would orphan the pods).
 */
export function setsVersionLabel(
  workload: KubeObject,
  version: string | undefined,
): version is string {
  const selector = workload.spec?.selector ?? {};
  const selects =
    selector.matchLabels?.version !== undefined ||
    (selector.matchExpressions ?? []).some((e: any) => e.key === 'version');
  return (
    version !== undefined &&
    workload.spec?.template?.metadata?.labels?.version !== undefined &&
    !selects
  );
}

/**
 * `kubectl set image deployment/NAME CONTAINER=IMAGE` (and the `version` label), as a JSON patch
 * whose `test`s make it a compare-and-swap on the template the decision was made on.
 */
export async function setDeploymentImage(
  kube: KubeClient,
  namespace: string,
  deployment: KubeObject | undefined,
  change: DeployChange,
  sent: SentRequest[],
): Promise<KubeObject> {
  if (!deployment) {
    throw new ConflictError(
      `the Deployment of ${change.color} does not exist, so nothing can be deployed to it`,
    );
  }
  const containers: any[] = deployment.spec?.template?.spec?.containers ?? [];
  const index = containers.findIndex(c => c.name === change.container);
  if (index < 0) {
    throw new ConflictError(
      `Deployment ${deployment.metadata.name} has no container ${change.container}`,
    );
  }
  const container = `/spec/template/spec/containers/${index}`;
  const patch: JsonPatchOperation[] = [
    { op: 'test', path: `${container}/name`, value: change.container },
    { op: 'test', path: `${container}/image`, value: containers[index].image },
    { op: 'replace', path: `${container}/image`, value: change.image },
  ];
  if (setsVersionLabel(deployment, change.version)) {
    const path = '/spec/template/metadata/labels/version';
    patch.push(
      {
        op: 'test',
        path,
        value: deployment.spec.template.metadata.labels.version,
      },
      { op: 'replace', path, value: change.version },
    );
  }
  const name = deployment.metadata.name;
  const written = await kube.patch(
    KUBE_RESOURCES.deployments,
    namespace,
    name,
    patch,
    { type: 'json' },
  );
  sent.push({
    description: `kubectl set image deployment/${name} ${change.container}=${change.image}: PATCH deployments/${name}`,
    patch,
    resourceVersion: written.metadata.resourceVersion,
  });
  return written;
}
