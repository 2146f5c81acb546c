import { ConflictError } from '@backstage/errors';
import {
  Color,
  COLORS,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  JsonPatchOperation,
  KUBE_RESOURCES,
  KubeObject,
} from '@bluegreen-backstage/plugin-blue-green-node';
import {
  deploymentProblems,
  readDeployments,
  scaleDeployment,
} from './serviceSelector';
import { StrategySnapshot, SwitchStrategyHandler } from './types';
import {
  deploymentColor,
  labelsMatch,
  pollUntil,
  SWITCH_ID_ANNOTATION,
  switchIdOps,
} from './workloads';

/** The header that reaches the idle color before the switch (seed 001 §4.3). */
export const PREVIEW_HEADER = { name: 'x-canary', value: 'true' };

type Objects = {
  virtualService?: KubeObject;
  destinationRule?: KubeObject;
  deployments: Record<Color, KubeObject | undefined>;
  pods: Record<Color, KubeObject[]>;
};

/** Where the colors sit in the VirtualService. */
type RouteLayout = {
  /** DestinationRule subset name of each color. */
  subsets: Partial<Record<Color, string>>;
  /** Index in spec.http of the default (no-match) route that splits traffic between the colors. */
  defaultRoute?: number;
  /** Index in that route's `route[]` of each color's destination. */
  destinations: Partial<Record<Color, number>>;
  weights: Record<Color, number>;
  /** Index in spec.http of the `x-canary: true` header route, and the color it sends to. */
  headerRoute?: { index: number; color: Color };
  mirror?: { color: Color; percent: number };
};

function subsetColors(
  destinationRule: KubeObject | undefined,
  deployments: Record<Color, KubeObject | undefined>,
): Partial<Record<Color, string>> {
  const subsets: Array<{ name: string; labels?: Record<string, string> }> =
    destinationRule?.spec?.subsets ?? [];
  const result: Partial<Record<Color, string>> = {};
  for (const color of COLORS) {
    // A subset named after the color wins; otherwise the subset whose labels select the color's pods.
    const byName = subsets.find(s => s.name === color);
    const templateLabels =
      deployments[color]?.spec?.template?.metadata?.labels ?? {};
    const byLabels = subsets.find(
      s => s.labels && labelsMatch(templateLabels, s.labels),
    );
    const subset = byName ?? byLabels;
    if (subset) result[color] = subset.name;
  }
  return result;
}

const colorOfSubset = (
  subsets: Partial<Record<Color, string>>,
  subset: string | undefined,
): Color | undefined => COLORS.find(c => subsets[c] === subset);

function layoutOf(objects: Objects): RouteLayout {
  const subsets = subsetColors(objects.destinationRule, objects.deployments);
  const http: any[] = objects.virtualService?.spec?.http ?? [];
  const layout: RouteLayout = {
    subsets,
    destinations: {},
    weights: { blue: 0, green: 0 },
  };
  http.forEach((route, index) => {
    const destinations: any[] = route.route ?? [];
    const isHeaderRoute = (route.match ?? []).some(
      (m: any) =>
        m.headers?.[PREVIEW_HEADER.name]?.exact === PREVIEW_HEADER.value,
    );
    if (isHeaderRoute && layout.headerRoute === undefined) {
      const color = colorOfSubset(
        subsets,
        destinations[0]?.destination?.subset,
      );
      if (color) layout.headerRoute = { index, color };
      return;
    }
    if (route.match?.length || layout.defaultRoute !== undefined) return;
    layout.defaultRoute = index;
    destinations.forEach((d, i) => {
      const color = colorOfSubset(subsets, d.destination?.subset);
      if (color) {
        layout.destinations[color] = i;
        // "If there is only one destination in a rule, it will receive all traffic."
        layout.weights[color] = destinations.length === 1 ? 100 : d.weight ?? 0;
      }
    });
    const mirrorColor = colorOfSubset(subsets, route.mirror?.subset);
    if (mirrorColor) {
      layout.mirror = {
        color: mirrorColor,
        percent: route.mirrorPercentage?.value ?? 100,
      };
    }
  });
  return layout;
}

function liveOf(layout: RouteLayout): Color | 'split' | 'none' {
  const { blue, green } = layout.weights;
  if (blue + green === 0) return 'none';
  if (green === 0) return 'blue';
  if (blue === 0) return 'green';
  return 'split';
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Seed 001 §4: an Istio VirtualService splits traffic between DestinationRule subsets by weight;
 * promote moves the weights (optionally in steps, 10 → 50 → 100), a header route reaches the idle
 * color before the switch, and mirroring copies live traffic to it.
 */
export const istioStrategy: SwitchStrategyHandler<Objects> = {
  strategy: 'istio',
  marksSwitches: true,

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
      problems,
      switchId:
        objects.virtualService?.metadata.annotations?.[SWITCH_ID_ANNOTATION],
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
        await sleep(plan.stepIntervalMs ?? 0);
        await plan.beforeStep?.(index, share);
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
      const virtualService = await kube.get(
        KUBE_RESOURCES.virtualServices,
        target.namespace,
        target.virtualService!,
      );
      const destinationRule = await kube.get(
        KUBE_RESOURCES.destinationRules,
        target.namespace,
        target.destinationRule!,
      );
      const { deployments } = await readDeployments(kube, target);
      const layout = layoutOf({
        virtualService,
        destinationRule,
        deployments,
        pods: { blue: [], green: [] },
      });
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

  async setPreviewRoute(kube, target, snapshot, enabled) {
    const layout = layoutOf(snapshot.objects);
    const http = snapshot.objects.virtualService!.spec.http as any[];
    let patch: JsonPatchOperation[];
    if (enabled) {
      const idle =
        snapshot.live === 'blue' || snapshot.live === 'green'
          ? otherColor(snapshot.live)
          : undefined;
      if (!idle) {
        throw new ConflictError(
          'traffic is split: finish the shift before adding a preview route',
        );
      }
      const route = {
        match: [
          {
            headers: { [PREVIEW_HEADER.name]: { exact: PREVIEW_HEADER.value } },
          },
        ],
        route: [
          {
            destination: {
              host: http[layout.defaultRoute!].route[0].destination.host,
              subset: layout.subsets[idle],
            },
          },
        ],
      };
      patch = layout.headerRoute
        ? [
            {
              op: 'test',
              path: `/spec/http/${layout.headerRoute.index}`,
              value: http[layout.headerRoute.index],
            },
            {
              op: 'replace',
              path: `/spec/http/${layout.headerRoute.index}`,
              value: route,
            },
          ]
        : [
            { op: 'test', path: '/spec/http/0', value: http[0] },
            { op: 'add', path: '/spec/http/0', value: route },
          ];
    } else {
      if (!layout.headerRoute) return { requests: [] };
      const path = `/spec/http/${layout.headerRoute.index}`;
      patch = [
        { op: 'test', path, value: http[layout.headerRoute.index] },
        { op: 'remove', path },
      ];
    }
    await kube.patch(
      KUBE_RESOURCES.virtualServices,
      target.namespace,
      target.virtualService!,
      patch,
      { type: 'json' },
    );
    return {
      requests: [
        {
          description: `PATCH virtualservices/${target.virtualService}`,
          patch,
        },
      ],
    };
  },

  async setMirror(kube, target, snapshot, mirror) {
    const layout = layoutOf(snapshot.objects);
    const index = layout.defaultRoute!;
    const route = snapshot.objects.virtualService!.spec.http[index];
    const idle =
      snapshot.live === 'blue' || snapshot.live === 'green'
        ? otherColor(snapshot.live)
        : undefined;
    if (mirror.enabled && !idle) {
      throw new ConflictError(
        'traffic is split: finish the shift before mirroring',
      );
    }
    const next = { ...route };
    delete next.mirror;
    delete next.mirrorPercentage;
    if (mirror.enabled) {
      next.mirror = {
        host: route.route[0].destination.host,
        subset: layout.subsets[idle!],
      };
      next.mirrorPercentage = { value: mirror.percent };
    }
    const path = `/spec/http/${index}`;
    const patch: JsonPatchOperation[] = [
      { op: 'test', path, value: route },
      { op: 'replace', path, value: next },
    ];
    await kube.patch(
      KUBE_RESOURCES.virtualServices,
      target.namespace,
      target.virtualService!,
      patch,
      { type: 'json' },
    );
    return {
      requests: [
        {
          description: `PATCH virtualservices/${target.virtualService}`,
          patch,
        },
      ],
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
