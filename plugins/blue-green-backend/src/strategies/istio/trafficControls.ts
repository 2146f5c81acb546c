import { ConflictError } from '@backstage/errors';
import {
  BlueGreenTarget,
  Color,
  otherColor,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  JsonPatchOperation,
  KUBE_RESOURCES,
  KubeClient,
  StrategySnapshot,
  SwitchWrite,
} from '@bluegreen-backstage/plugin-blue-green-node';
import { IstioObjects, layoutOf, PREVIEW_HEADER } from './routes';

type Snapshot = StrategySnapshot<IstioObjects>;

/** The idle color while one color is live; undefined mid-shift. */
const idleOf = (snapshot: Snapshot) =>
  snapshot.live === 'blue' || snapshot.live === 'green'
    ? otherColor(snapshot.live)
    : undefined;

/** Writes a JSON patch to the entity's VirtualService. */
export async function patchVirtualService(
  kube: KubeClient,
  target: BlueGreenTarget,
  patch: JsonPatchOperation[],
): Promise<SwitchWrite> {
  await kube.patch(
    KUBE_RESOURCES.virtualServices,
    target.namespace,
    target.virtualService!,
    patch,
    { type: 'json' },
  );
  return {
    requests: [
      { description: `PATCH virtualservices/${target.virtualService}`, patch },
    ],
  };
}

/**
 * The JSON-patch operations that point an existing header route at `color` (none when it already
 * does, or when there is no header route): a compare-and-swap on the subset it names now.
 */
export function headerRouteOps(
  objects: IstioObjects,
  color: Color,
): JsonPatchOperation[] {
  const layout = layoutOf(objects);
  const subset = layout.subsets[color];
  if (!layout.headerRoute || layout.headerRoute.color === color || !subset) {
    return [];
  }
  const path = `/spec/http/${layout.headerRoute.index}/route/0/destination/subset`;
  return [
    { op: 'test', path, value: layout.subsets[layout.headerRoute.color] },
    { op: 'replace', path, value: subset },
  ];
}

/** Adds (or replaces) the header route to the idle color, or removes it; compare-and-swap. */
export async function setPreviewRoute(
  kube: KubeClient,
  target: BlueGreenTarget,
  snapshot: Snapshot,
  enabled: boolean,
): Promise<SwitchWrite> {
  const layout = layoutOf(snapshot.objects);
  const http = snapshot.objects.virtualService!.spec.http as any[];
  let patch: JsonPatchOperation[];
  if (enabled) {
    const idle = idleOf(snapshot);
    if (!idle) {
      throw new ConflictError(
        'traffic is split: finish the shift before adding a preview route',
      );
    }
    const route = {
      match: [
        { headers: { [PREVIEW_HEADER.name]: { exact: PREVIEW_HEADER.value } } },
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
  return patchVirtualService(kube, target, patch);
}

/** Mirrors a share of live traffic to the idle color, or stops mirroring; compare-and-swap. */
export async function setMirror(
  kube: KubeClient,
  target: BlueGreenTarget,
  snapshot: Snapshot,
  mirror: { enabled: boolean; percent: number },
): Promise<SwitchWrite> {
  const layout = layoutOf(snapshot.objects);
  const index = layout.defaultRoute!;
  const route = snapshot.objects.virtualService!.spec.http[index];
  const idle = idleOf(snapshot);
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
  return patchVirtualService(kube, target, [
    { op: 'test', path, value: route },
    { op: 'replace', path, value: next },
  ]);
}
