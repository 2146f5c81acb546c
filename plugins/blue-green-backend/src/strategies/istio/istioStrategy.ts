import {
  Color,
  COLORS,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  JsonPatchOperation,
  KUBE_RESOURCES,
  StrategySnapshot,
  SwitchStrategy,
} from '@bluegreen-backstage/plugin-blue-green-node';
import {
  deploymentObjects,
  deploymentProblems,
  readDeployments,
  scaleDeployment,
  setDeploymentImage,
  setsVersionLabel,
  colorLabelMetricGroup,
} from '../deployments';
import {
  deploymentColor,
  objectVersionOf,
  pollUntil,
  sleep,
  SWITCH_ID_ANNOTATION,
  switchIdOps,
} from '../workloads';
import { IstioObjects, layoutOf, liveOf, PREVIEW_HEADER } from './routes';
import {
  headerRouteOps,
  setMirror,
  setPreviewRoute,
  patchVirtualService,
} from './trafficControls';

type Objects = IstioObjects;

/**
 * An Istio VirtualService splits traffic between DestinationRule subsets by weight; promote moves
 * the weights (optionally in steps, 10 → 50 → 100), a header route reaches the idle color before
 * the switch, and mirroring copies live traffic to it.
 */
export const istioStrategy: SwitchStrategy<Objects> = {
  name: 'istio',
  capabilities: {
    steppedShift: true,
    fullPromote: false,
    previewRoute: true,
    mirror: true,
    scale: true,
    managesScaleDown: false,
    rollbackNeedsReadyTarget: true,
    deploy: true,
  },
  marksSwitches: true,
  fleetLists: [
    { resource: KUBE_RESOURCES.deployments },
    { resource: KUBE_RESOURCES.virtualServices },
    { resource: KUBE_RESOURCES.destinationRules },
  ],

  switchedObject: target => ({
    resource: KUBE_RESOURCES.virtualServices,
    namespace: target.namespace,
    name: target.virtualService!,
  }),

  entityObjects: (target, snapshot) => [
    {
      kind: 'VirtualService',
      namespace: target.namespace,
      name: target.virtualService!,
      object: snapshot.objects.virtualService,
    },
    // A deploy with a version moves the color's subset to it.
    {
      kind: 'DestinationRule',
      namespace: target.namespace,
      name: target.destinationRule!,
      object: snapshot.objects.destinationRule,
    },
    ...deploymentObjects(target, snapshot.objects.deployments),
  ],

  liveService: target => target.service,

  metricGroup: colorLabelMetricGroup,

  setPreviewRoute,
  setMirror,

  async read(kube, target) {
    const [virtualService, destinationRule, workloads] = await Promise.all([
      kube.get(
        KUBE_RESOURCES.virtualServices,
        target.namespace,
        target.virtualService!,
      ),
      kube.get(
        KUBE_RESOURCES.destinationRules,
        target.namespace,
        target.destinationRule!,
      ),
      readDeployments(kube, target),
    ]);
    const objects: Objects = { virtualService, destinationRule, ...workloads };
    const layout = layoutOf(objects);
    const problems = deploymentProblems(target, objects.deployments);
    if (!virtualService) {
      problems.unshift(
        `VirtualService ${target.namespace}/${target.virtualService} does not exist`,
      );
    } else if (layout.defaultRoute === undefined) {
      problems.unshift(
        `VirtualService ${target.virtualService} has no default route (an http route without match)`,
      );
    }
    if (!destinationRule) {
      problems.unshift(
        `DestinationRule ${target.namespace}/${target.destinationRule} does not exist`,
      );
    }
    for (const color of COLORS) {
      if (destinationRule && !layout.subsets[color]) {
        problems.push(
          `DestinationRule ${
            target.destinationRule
          } has no subset for ${color} (name it ${color}, or give it labels that select Deployment ${
            target.deployments![color]
          }'s pods)`,
        );
      } else if (
        layout.defaultRoute !== undefined &&
        layout.destinations[color] === undefined
      ) {
        problems.push(
          `the default route of VirtualService ${target.virtualService} has no destination for subset ${layout.subsets[color]} (${color})`,
        );
      }
    }

    const live = liveOf(layout);
    const colors = Object.fromEntries(
      COLORS.map(color => {
        const weight = layout.weights[color];
        let role: 'live' | 'idle' | 'split' = 'idle';
        if (live === color) role = 'live';
        else if (live === 'split') role = 'split';
        const status = deploymentColor(
          color,
          objects.deployments[color],
          objects.pods[color],
          role,
          weight,
        );
        if (layout.headerRoute?.color === color) {
          status.preview = {
            description: `requests with header ${PREVIEW_HEADER.name}: ${PREVIEW_HEADER.value}`,
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
        strategy: 'istio',
        virtualService: target.virtualService!,
        destinationRule: target.destinationRule!,
        headerRoute: layout.headerRoute && {
          header: PREVIEW_HEADER.name,
          value: PREVIEW_HEADER.value,
          color: layout.headerRoute.color,
        },
        mirror: layout.mirror,
      },
      facts: [
        { label: 'virtual service', value: target.virtualService! },
        { label: 'destination rule', value: target.destinationRule! },
        {
          label: 'header route',
          value: layout.headerRoute
            ? `${PREVIEW_HEADER.name}: ${PREVIEW_HEADER.value} → ${layout.headerRoute.color}`
            : 'off',
        },
        {
          label: 'mirror',
          value: layout.mirror
            ? `${layout.mirror.percent} % to ${layout.mirror.color}`
            : 'off',
        },
      ],
      trafficControls: {
        previewRoute: layout.headerRoute && {
          header: PREVIEW_HEADER.name,
          value: PREVIEW_HEADER.value,
          color: layout.headerRoute.color,
        },
        mirror: layout.mirror,
      },
      problems,
      switchId:
        objects.virtualService?.metadata.annotations?.[SWITCH_ID_ANNOTATION],
      objectVersion: objectVersionOf(objects.virtualService),
      raw: {
        templates: {
          blue: objects.deployments.blue?.spec?.template,
          green: objects.deployments.green?.spec?.template,
        },
        pods: objects.pods,
      },
      state: { weights: layout.weights, subsets: layout.subsets },
    };
  },

  refusals(snapshot) {
    const layout = layoutOf(snapshot.objects);
    if (
      layout.defaultRoute === undefined ||
      layout.destinations.blue === undefined ||
      layout.destinations.green === undefined
    ) {
      return [
        'the VirtualService default route needs a destination for each color',
      ];
    }
    return [];
  },

  async switchTo(kube, target, snapshot, plan, sent) {
    const layout = layoutOf(snapshot.objects);
    const route = layout.defaultRoute!;
    const steps = plan.steps?.length ? plan.steps : [100];
    let current = layout.weights;

    for (const [index, share] of steps.entries()) {
      if (index > 0) {
        // The plugin's gate waits the pause itself, analysing the step meanwhile.
        if (plan.beforeStep) await plan.beforeStep(index, share);
        else await sleep(plan.stepIntervalMs ?? 0);
      }
      const next = {
        [plan.to]: share,
        [otherColor(plan.to)]: 100 - share,
      } as Record<Color, number>;
      const patch: JsonPatchOperation[] = [];
      for (const color of COLORS) {
        const path = `/spec/http/${route}/route/${layout.destinations[color]}/weight`;
        const existing =
          snapshot.objects.virtualService!.spec.http[route].route[
            layout.destinations[color]!
          ].weight;
        // Compare-and-swap on each weight: the shift only applies on top of the weights it read.
        if (index > 0 || existing !== undefined) {
          patch.push({ op: 'test', path, value: current[color] });
        }
        patch.push({
          op: index > 0 || existing !== undefined ? 'replace' : 'add',
          path,
          value: next[color],
        });
      }
      if (index === 0) {
        patch.push(
          ...switchIdOps(snapshot.objects.virtualService!, plan.switchId),
        );
      }
      if (share === 100) {
        // The header route follows the idle color in the same write, so the next release is
        // previewed on the color that takes no traffic (as Argo's previewService is re-pointed).
        patch.push(...headerRouteOps(snapshot.objects, otherColor(plan.to)));
      }
      const written = await kube.patch(
        KUBE_RESOURCES.virtualServices,
        target.namespace,
        target.virtualService!,
        patch,
        { type: 'json' },
      );
      sent.push({
        description: `PATCH virtualservices/${target.virtualService} (${plan.to} ${share}%)`,
        patch,
        resourceVersion: written.metadata.resourceVersion,
      });
      current = next;
    }
  },

  deployRefusals(snapshot, color) {
    return snapshot.objects.deployments[color]
      ? []
      : [`the Deployment of ${color} does not exist`];
  },

  async deploy(kube, target, snapshot, change, sent) {
    const deployment = snapshot.objects.deployments[change.color];
    await setDeploymentImage(kube, target.namespace, deployment, change, sent);
    // A subset that selects the color's pods by their version label follows the new label, and a
    // header route left on the live color is pointed at the color the new version is on.
    const layout = layoutOf(snapshot.objects);
    const subsets: any[] =
      snapshot.objects.destinationRule?.spec?.subsets ?? [];
    const index = subsets.findIndex(
      s => s.name === layout.subsets[change.color],
    );
    const oldVersion = deployment?.spec?.template?.metadata?.labels?.version;
    if (
      index >= 0 &&
      deployment &&
      setsVersionLabel(deployment, change.version) &&
      subsets[index].labels?.version === oldVersion
    ) {
      const path = `/spec/subsets/${index}/labels/version`;
      const patch = [
        { op: 'test' as const, path, value: oldVersion },
        { op: 'replace' as const, path, value: change.version },
      ];
      const written = await kube.patch(
        KUBE_RESOURCES.destinationRules,
        target.namespace,
        target.destinationRule!,
        patch,
        { type: 'json' },
      );
      sent.push({
        description: `PATCH destinationrules/${target.destinationRule} (subset ${subsets[index].name} → version ${change.version})`,
        patch,
        resourceVersion: written.metadata.resourceVersion,
      });
    }
    const route = headerRouteOps(snapshot.objects, change.color);
    if (route.length > 0) {
      const written = await patchVirtualService(kube, target, route);
      sent.push(...written.requests);
    }
  },

  async restore(kube, target, before, now, sent) {
    // One step from the weights found now back to the weights before the shift began.
    await istioStrategy.switchTo(
      kube,
      target,
      now,
      {
        action: 'rollback',
        from: now.live,
        to: 'blue',
        steps: [before.colors.blue.weight],
      },
      sent,
    );
  },

  async verify(kube, target, _snapshot, to, timeoutMs) {
    const result = await pollUntil(async () => {
      const [virtualService, destinationRule, { deployments }] =
        await Promise.all([
          kube.get(
            KUBE_RESOURCES.virtualServices,
            target.namespace,
            target.virtualService!,
          ),
          kube.get(
            KUBE_RESOURCES.destinationRules,
            target.namespace,
            target.destinationRule!,
          ),
          readDeployments(kube, target),
        ]);
      const layout = layoutOf({ virtualService, destinationRule, deployments });
      const ready = deployments[to]?.status?.readyReplicas ?? 0;
      return {
        done: layout.weights[to] === 100 && ready > 0,
        weights: layout.weights,
        ready,
      };
    }, timeoutMs);
    return result.done
      ? {
          verified: true,
          message: `VirtualService ${target.virtualService} sends 100% to ${to} (${result.ready} ready pods)`,
        }
      : {
          verified: false,
          message: `VirtualService ${target.virtualService} weights are blue ${result.weights.blue} / green ${result.weights.green}, ${result.ready} ready ${to} pods`,
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
