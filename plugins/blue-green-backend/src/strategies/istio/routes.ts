import { Color, COLORS } from '@bluegreen-backstage/plugin-blue-green-common';
import { KubeObject } from '@bluegreen-backstage/plugin-blue-green-node';
import { DeploymentObjects } from '../deployments';
import { labelsMatch } from '../workloads';

/** The header that reaches the idle color before the switch. */
export const PREVIEW_HEADER = { name: 'x-canary', value: 'true' };

/** What the Istio strategy reads: the routing objects and the two colors' Deployments. */
export type IstioObjects = DeploymentObjects & {
  virtualService?: KubeObject;
  destinationRule?: KubeObject;
};

/** Where the colors sit in the VirtualService. */
export type RouteLayout = {
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

export const colorOfSubset = (
  subsets: Partial<Record<Color, string>>,
  subset: string | undefined,
): Color | undefined => COLORS.find(c => subsets[c] === subset);

/** Reads the VirtualService's routes against the DestinationRule's subsets. */
export function layoutOf(
  objects: Pick<
    IstioObjects,
    'virtualService' | 'destinationRule' | 'deployments'
  >,
): RouteLayout {
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

/** The live color the weights make, `split` while both carry traffic. */
export function liveOf(layout: RouteLayout): Color | 'split' | 'none' {
  const { blue, green } = layout.weights;
  if (blue + green === 0) return 'none';
  if (green === 0) return 'blue';
  if (blue === 0) return 'green';
  return 'split';
}
