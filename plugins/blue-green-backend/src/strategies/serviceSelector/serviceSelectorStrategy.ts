import {
  BlueGreenTarget,
  Color,
  COLORS,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  JsonPatchOperation,
  KUBE_RESOURCES,
  KubeClient,
  KubeObject,
  SentRequest,
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import {
  DeploymentObjects,
  deploymentObjects,
  deploymentProblems,
  readDeployments,
  scaleDeployment,
  setDeploymentImage,
  colorLabelMetricGroup,
} from '../deployments';
import {
  deploymentColor,
  errorText,
  labelsMatch,
  objectVersionOf,
  pointer,
  pollUntil,
  SWITCH_ID_ANNOTATION,
  switchIdOps,
} from '../workloads';

type Objects = DeploymentObjects & {
  service?: KubeObject;
  previewService?: KubeObject;
};

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
    facts: [
      { label: 'service', value: target.service },
      {
        label: 'selector',
        value: Object.entries(selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(', '),
      },
    ],
    problems,
    switchId: objects.service?.metadata.annotations?.[SWITCH_ID_ANNOTATION],
    objectVersion: objectVersionOf(objects.service),
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
 * Points the preview Service at `color`, the idle color, when it selects another (as Argo
 * Rollouts re-points its previewService after every promote): the next release is tested on the
 * idle color, never on the live one. A compare-and-swap on the selector it read.
 */
async function pointPreview(
  kube: KubeClient,
  target: BlueGreenTarget,
  preview: KubeObject | undefined,
  color: Color,
  sent: SentRequest[],
): Promise<KubeObject | undefined> {
  const selected = preview?.spec?.selector?.[target.colorLabel];
  if (!preview || selected === color) return preview;
  const path = `/spec/selector/${pointer(target.colorLabel)}`;
  const patch: JsonPatchOperation[] =
    selected === undefined
      ? [{ op: 'add', path, value: color }]
      : [
          { op: 'test', path, value: selected },
          { op: 'replace', path, value: color },
        ];
  const description = `PATCH services/${preview.metadata.name} (preview → ${color})`;
  try {
    const written = await kube.patch(
      KUBE_RESOURCES.services,
      target.namespace,
      preview.metadata.name,
      patch,
      { type: 'json' },
    );
    sent.push({
      description,
      patch,
      resourceVersion: written.metadata.resourceVersion,
    });
    return written;
  } catch (error) {
    // The switch itself has landed: a preview left behind is reported, not a failed switch.
    sent.push({
      description: `${description} failed: ${errorText(error)}`,
      patch,
    });
    return preview;
  }
}

/**
 * Two Deployments labelled `color: blue|green` behind one Service; promote patches the Service
 * selector (`kubectl patch svc -p '{"spec":{"selector":{"color":"green"}}}'`).
 */
export const serviceSelectorStrategy: SwitchStrategy<Objects> = {
  name: 'service-selector',
  capabilities: {
    steppedShift: false,
    fullPromote: false,
    previewRoute: false,
    mirror: false,
    scale: true,
    managesScaleDown: false,
    rollbackNeedsReadyTarget: true,
    deploy: true,
  },
  marksSwitches: true,
  fleetLists: [
    { resource: KUBE_RESOURCES.services },
    { resource: KUBE_RESOURCES.deployments },
  ],

  switchedObject: target => ({
    resource: KUBE_RESOURCES.services,
    namespace: target.namespace,
    name: target.service,
  }),

  entityObjects: (target, snapshot) => [
    {
      kind: 'Service',
      namespace: target.namespace,
      name: target.service,
      object: snapshot.objects.service,
    },
    // A promote re-points the preview Service at the new idle color.
    ...(target.previewService
      ? [
          {
            kind: 'Service',
            namespace: target.namespace,
            name: target.previewService,
            object: snapshot.objects.previewService,
          },
        ]
      : []),
    ...deploymentObjects(target, snapshot.objects.deployments),
  ],

  liveService: target => target.service,

  metricGroup: colorLabelMetricGroup,

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
    const previewService = await pointPreview(
      kube,
      target,
      snapshot.objects.previewService,
      otherColor(plan.to),
      sent,
    );
    // The selectors are the only thing the switch moves: the snapshot it leaves is the one it was
    // decided on with the Services as the API server answered the patches.
    return snapshotOf(target, { ...snapshot.objects, service, previewService });
  },

  deployRefusals(snapshot, color) {
    return snapshot.objects.deployments[color]
      ? []
      : [`the Deployment of ${color} does not exist`];
  },

  async deploy(kube, target, snapshot, change, sent) {
    await setDeploymentImage(
      kube,
      target.namespace,
      snapshot.objects.deployments[change.color],
      change,
      sent,
    );
    // A preview Service left on the live color (set up by hand, or before this plugin re-pointed
    // it) is pointed at the color the new version is on.
    await pointPreview(
      kube,
      target,
      snapshot.objects.previewService,
      change.color,
      sent,
    );
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
