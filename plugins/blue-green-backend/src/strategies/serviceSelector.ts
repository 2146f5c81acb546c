import { LRUCache } from 'lru-cache';
import { ConflictError } from '@backstage/errors';
import {
  BlueGreenTarget,
  Color,
  COLORS,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { StrategySnapshot, SwitchStrategyHandler, SwitchWrite } from './types';
import {
  deploymentColor,
  labelsMatch,
  pointer,
  pollUntil,
  SWITCH_ID_ANNOTATION,
  switchIdOps,
  selectorString,
} from './workloads';

type Objects = {
  service?: KubeObject;
  previewService?: KubeObject;
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

/** Reads the two colors' Deployments and their pods (shared with the Istio strategy). */
export async function readDeployments(
  kube: KubeClient,
  target: BlueGreenTarget,
): Promise<Pick<Objects, 'deployments' | 'pods'>> {
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

/** What the objects say: which color the Service selects, and each color's state. */
function snapshotOf(
  target: BlueGreenTarget,
  objects: Objects,
): StrategySnapshot<Objects> {
  const { service } = objects;
  const problems = deploymentProblems(
    target,
    objects.deployments,
    target.colorLabel,
  );
  const selector: Record<string, string> = service?.spec?.selector ?? {};
  const selected = selector[target.colorLabel];
  let live: Color | 'none' = 'none';
  if (!service) {
    problems.unshift(
      `Service ${target.namespace}/${target.service} does not exist`,
    );
  } else if (selected === 'blue' || selected === 'green') {
    live = selected;
  } else {
    problems.unshift(
      `Service ${target.namespace}/${target.service} selects no color: its selector has no ${target.colorLabel}=blue|green`,
    );
  }
  const previewSelects = objects.previewService?.spec?.selector?.[
    target.colorLabel
  ] as Color | undefined;

  const colors = Object.fromEntries(
    COLORS.map(color => {
      const status = deploymentColor(
        color,
        objects.deployments[color],
        objects.pods[color],
        live === color ? 'live' : 'idle',
        live === color ? 100 : 0,
      );
      if (live !== color) {
        status.preview =
          previewSelects === color
            ? {
                description: `Service ${target.previewService} selects ${color}`,
              }
            : {
                description: `Pods of Deployment ${
                  target.deployments![color]
                } (no preview Service selects ${color})`,
              };
      }
      return [color, status];
    }),
  ) as StrategySnapshot['colors'];

  return {
    objects,
    live,
    colors,
    details: {
      strategy: 'service-selector',
      service: target.service,
      selector,
    },
    problems,
    switchId: objects.service?.metadata.annotations?.[SWITCH_ID_ANNOTATION],
    raw: {
      service: objects.service,
      templates: {
        blue: objects.deployments.blue?.spec?.template,
        green: objects.deployments.green?.spec?.template,
      },
      pods: objects.pods,
    },
    state: { selector },
  };
}

/**
 * Seed 001 §2: two Deployments labelled `color: blue|green` behind one Service; promote patches
 * the Service selector (`kubectl patch svc -p '{"spec":{"selector":{"color":"green"}}}'`).
 */
export const serviceSelectorStrategy: SwitchStrategyHandler<Objects> = {
  strategy: 'service-selector',
  marksSwitches: true,

  async read(kube, target) {
    const [service, previewService, workloads] = await Promise.all([
      kube.get(KUBE_RESOURCES.services, target.namespace, target.service),
      target.previewService
        ? kube.get(
            KUBE_RESOURCES.services,
            target.namespace,
            target.previewService,
          )
        : Promise.resolve(undefined),
      readDeployments(kube, target),
    ]);
    return snapshotOf(target, { service, previewService, ...workloads });
  },

  refusals(snapshot) {
    return snapshot.objects.service
      ? []
      : ['the Service to switch does not exist'];
  },

  async switchTo(kube, target, snapshot, plan, sent) {
    const path = `/spec/selector/${pointer(target.colorLabel)}`;
    // Compare-and-swap: the patch only applies if the selector still names the color it was
    // decided on; otherwise the API server answers 422 and nothing changes.
    const patch = [
      ...(snapshot.live === 'none'
        ? [{ op: 'add' as const, path, value: plan.to }]
        : [
            { op: 'test' as const, path, value: snapshot.live },
            { op: 'replace' as const, path, value: plan.to },
          ]),
      ...switchIdOps(snapshot.objects.service!, plan.switchId),
    ];
    const service = await kube.patch(
      KUBE_RESOURCES.services,
      target.namespace,
      target.service,
      patch,
      { type: 'json' },
    );
    sent.push({
      description: `PATCH services/${target.service}`,
      patch,
      resourceVersion: service.metadata.resourceVersion,
    });
    // The selector is the only thing the switch moves: the snapshot it leaves is the one it was
    // decided on with the Service as the API server answered the patch.
    return snapshotOf(target, { ...snapshot.objects, service });
  },

  async verify(kube, target, snapshot, to, timeoutMs) {
    // The target's pods are those of its Deployment's template, as read for the switch decision.
    const template: Record<string, string> =
      snapshot.objects.deployments[to]?.spec?.template?.metadata?.labels ?? {};
    const result = await pollUntil(async () => {
      const [endpoints, pods] = await Promise.all([
        kube.get(KUBE_RESOURCES.endpoints, target.namespace, target.service),
        kube.list(KUBE_RESOURCES.pods, target.namespace, {
          labelSelector: `${target.colorLabel}=${to}`,
        }),
      ]);
      const targetPods = new Set(
        pods.items
          .filter(p => labelsMatch(p.metadata.labels, template))
          .map(p => p.metadata.name),
      );
      const addresses: any[] = (endpoints?.subsets ?? []).flatMap(
        (s: any) => s.addresses ?? [],
      );
      const names = addresses.map(a => a.targetRef?.name as string);
      const foreign = names.filter(n => !targetPods.has(n));
      return {
        done: names.length > 0 && foreign.length === 0,
        ready: names.length,
        foreign,
      };
    }, timeoutMs);
    return result.done
      ? {
          verified: true,
          message: `Endpoints ${target.service} hold only ${to} pods (${result.ready} ready)`,
        }
      : {
          verified: false,
          message:
            result.ready === 0
              ? `Endpoints ${target.service} hold no ready pod after ${timeoutMs} ms`
              : `Endpoints ${target.service} still hold ${result.foreign.length} pod(s) of another color after ${timeoutMs} ms`,
        };
  },

  async scale(kube, target, snapshot, color, replicas) {
    return scaleDeployment(
      kube,
      target.namespace,
      snapshot.objects.deployments[color],
      replicas,
    );
  },
};
