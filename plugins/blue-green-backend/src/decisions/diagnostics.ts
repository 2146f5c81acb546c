import {
  Color,
  COLORS,
  Diagnostics,
  EventSummary,
} from '@bluegreen-backstage/plugin-blue-green-common';
import {
  KubeObject,
  StrategySnapshot,
} from '@bluegreen-backstage/plugin-blue-green-node';

/** Why a pod is not Ready, from its container states and conditions. */
function notReadyReason(
  pod: KubeObject,
): { reason: string; message?: string } | undefined {
  const conditions: any[] = pod.status?.conditions ?? [];
  if (conditions.some(c => c.type === 'Ready' && c.status === 'True'))
    return undefined;
  const statuses: any[] = pod.status?.containerStatuses ?? [];
  for (const s of statuses) {
    if (s.state?.waiting) {
      return {
        reason: s.state.waiting.reason ?? 'Waiting',
        message: s.state.waiting.message,
      };
    }
    if (s.state?.terminated) {
      return {
        reason: s.state.terminated.reason ?? 'Terminated',
        message: s.state.terminated.message,
      };
    }
  }
  const scheduled = conditions.find(
    c => c.type === 'PodScheduled' && c.status === 'False',
  );
  if (scheduled)
    return {
      reason: scheduled.reason ?? 'Unschedulable',
      message: scheduled.message,
    };
  const ready = conditions.find(c => c.type === 'Ready');
  if (statuses.some(s => s.state?.running && !s.ready)) {
    return {
      reason: 'ReadinessProbeFailing',
      message:
        ready?.message ?? 'the container runs but its readiness probe fails',
    };
  }
  return {
    reason: ready?.reason ?? pod.status?.phase ?? 'Unknown',
    message: ready?.message,
  };
}

/** A field of a template: what is shown, and what is compared (a hidden value is compared only). */
type Field = { shown: string; compared: string };

const HIDDEN = '(value hidden)';

const plain = (value: string): Field => ({ shown: value, compared: value });

/** An env variable's value is never shown (it may be a password); where it comes from is. */
function envField(e: any): Field {
  if (e.value !== undefined) {
    return { shown: HIDDEN, compared: `value:${String(e.value)}` };
  }
  const from = e.valueFrom ?? {};
  let shown = 'from an unknown source';
  if (from.secretKeyRef) {
    shown = `from secret ${from.secretKeyRef.name}, key ${from.secretKeyRef.key}`;
  } else if (from.configMapKeyRef) {
    shown = `from config map ${from.configMapKeyRef.name}, key ${from.configMapKeyRef.key}`;
  } else if (from.fieldRef) {
    shown = `from field ${from.fieldRef.fieldPath}`;
  } else if (from.resourceFieldRef) {
    shown = `from resource ${from.resourceFieldRef.resource}`;
  }
  return plain(shown);
}

/** A probe or hook as JSON, with the values of its HTTP headers hidden (an Authorization, say). */
function withoutHeaderValues(handler: any): Field {
  const compared = JSON.stringify(handler);
  const shown = JSON.stringify(handler, (key, value) =>
    key === 'httpHeaders' && Array.isArray(value)
      ? value.map((h: any) => ({ name: h?.name, value: HIDDEN }))
      : value,
  );
  return { shown, compared };
}

/**
 * A template as flat `field → value` lines: what a person compares between two colors (images,
 * env, resources, probes, ports, draining settings). Values that may be secrets — env values,
 * probe header values — are compared but never shown: the diff says which variable changed.
 */
function flattenTemplate(template: any): Map<string, Field> {
  const fields = new Map<string, Field>();
  if (!template) return fields;
  const spec = template.spec ?? {};
  if (spec.terminationGracePeriodSeconds !== undefined) {
    fields.set(
      'terminationGracePeriodSeconds',
      plain(String(spec.terminationGracePeriodSeconds)),
    );
  }
  for (const c of spec.containers ?? []) {
    const at = `containers[${c.name}]`;
    fields.set(`${at}.image`, plain(String(c.image)));
    for (const e of c.env ?? []) {
      fields.set(`${at}.env.${e.name}`, envField(e));
    }
    for (const [i, source] of (c.envFrom ?? []).entries()) {
      const ref = source.secretRef
        ? `secret ${source.secretRef.name}`
        : `config map ${source.configMapRef?.name}`;
      fields.set(
        `${at}.envFrom[${i}]`,
        plain(`${ref}${source.prefix ? `, prefix ${source.prefix}` : ''}`),
      );
    }
    for (const kind of ['requests', 'limits'] as const) {
      for (const [k, v] of Object.entries(c.resources?.[kind] ?? {})) {
        fields.set(`${at}.resources.${kind}.${k}`, plain(String(v)));
      }
    }
    for (const probe of [
      'readinessProbe',
      'livenessProbe',
      'startupProbe',
    ] as const) {
      if (c[probe]) fields.set(`${at}.${probe}`, withoutHeaderValues(c[probe]));
    }
    if (c.lifecycle?.preStop) {
      fields.set(
        `${at}.lifecycle.preStop`,
        withoutHeaderValues(c.lifecycle.preStop),
      );
    }
    for (const p of c.ports ?? []) {
      fields.set(
        `${at}.ports.${p.name ?? p.containerPort}`,
        plain(String(p.containerPort)),
      );
    }
  }
  return fields;
}

/** Differences between the two colors' pod templates. */
export function templateDiff(
  templates: Partial<Record<Color, any>>,
): Diagnostics['templateDiff'] {
  const blue = flattenTemplate(templates.blue);
  const green = flattenTemplate(templates.green);
  const keys = [...new Set([...blue.keys(), ...green.keys()])].sort();
  return keys
    .filter(k => blue.get(k)?.compared !== green.get(k)?.compared)
    .map(field => ({
      field,
      blue: blue.get(field)?.shown,
      green: green.get(field)?.shown,
    }));
}

/** Why a color is not Ready, its recent events, and how the colors differ. */
export function diagnose(
  snapshot: StrategySnapshot,
  events: KubeObject[],
): Diagnostics {
  const colors = Object.fromEntries(
    COLORS.map(color => {
      const pods = snapshot.raw.pods[color];
      const workload = snapshot.colors[color].workload?.name;
      const names = new Set([
        ...pods.map(p => p.metadata.name),
        ...(workload ? [workload] : []),
      ]);
      const colorEvents: EventSummary[] = events
        .filter(e => names.has(e.involvedObject?.name))
        .map(e => ({
          type: e.type ?? 'Normal',
          reason: e.reason ?? '',
          message: e.message ?? '',
          object: `${e.involvedObject?.kind ?? ''}/${
            e.involvedObject?.name ?? ''
          }`,
          count: e.count ?? 1,
          lastSeen:
            e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp,
        }))
        .sort((a, b) =>
          String(b.lastSeen ?? '').localeCompare(String(a.lastSeen ?? '')),
        )
        .slice(0, 20);
      const notReady = pods.flatMap(pod => {
        const why = notReadyReason(pod);
        return why ? [{ pod: pod.metadata.name, ...why }] : [];
      });
      return [color, { notReady, events: colorEvents }];
    }),
  ) as Diagnostics['colors'];
  return { colors, templateDiff: templateDiff(snapshot.raw.templates) };
}
