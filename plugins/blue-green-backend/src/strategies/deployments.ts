import { LRUCache } from 'lru-cache';
import { ConflictError } from '@backstage/errors';
import {
  BlueGreenTarget,
  Color,
  COLORS,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  EntityObject,
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
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

/** Scales a Deployment through its /scale subresource (what `kubectl scale` does). */
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
  const patch = { spec: { replicas } };
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
        description: `PATCH deployments/${deployment.metadata.name}/scale`,
        patch,
      },
    ],
  };
}
