import { parser } from '@prometheus-io/lezer-promql';
import { parseLabelSelector } from '@bluegreen-backstage/plugin-blue-green-node';

/**
 * PromQL text built from templates. Every value that comes from an entity (namespace, label values,
 * label names) is escaped here, so an annotation can never change the shape of a query.
 */

/** A PromQL double-quoted string literal's content: backslash, quote and line breaks escaped. */
export function escapeString(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
}

/** A value matched literally inside a `=~` regex (RE2, fully anchored by Prometheus). */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A Kubernetes label key as Prometheus' Kubernetes discovery names it (`app.kubernetes.io/name`
 * → `app_kubernetes_io_name`): anything but `[a-zA-Z0-9_]` becomes `_`.
 */
export function sanitizeLabelName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * The label matchers that select an entity's series: its namespace and label selector, with label
 * names as `labelPrefix` + the sanitized key (`label_app` for kube-state-metrics' kube_pod_labels).
 */
export function selectorMatchers(
  namespace: string,
  labelSelector: string | undefined,
  labelPrefix = '',
): string {
  const matchers = [`namespace="${escapeString(namespace)}"`];
  let requirements;
  try {
    requirements = parseLabelSelector(labelSelector);
  } catch (error) {
    throw new Error(
      `label selector "${labelSelector}" is not valid: ${
        (error as Error).message
      }`,
    );
  }
  for (const r of requirements) {
    const name = `${labelPrefix}${sanitizeLabelName(r.key)}`;
    switch (r.op) {
      case '=':
        matchers.push(`${name}="${escapeString(r.value)}"`);
        break;
      case '!=':
        matchers.push(`${name}!="${escapeString(r.value)}"`);
        break;
      case 'in':
      case 'notin': {
        const alternatives = r.values.map(escapeRegex).join('|');
        const op = r.op === 'in' ? '=~' : '!~';
        matchers.push(`${name}${op}"${escapeString(alternatives)}"`);
        break;
      }
      case 'exists':
        matchers.push(`${name}!=""`);
        break;
      default:
        matchers.push(`${name}=""`);
    }
  }
  return matchers.join(',');
}

/** What a template may refer to, as `{{name}}`. */
export const PLACEHOLDERS = {
  namespace: 'the namespace, escaped for a string literal',
  selector:
    'label matchers of the entity: namespace and its label selector (e.g. namespace="default",app="my-app")',
  podSelector:
    'the same matchers in kube-state-metrics form (namespace="default",label_app="my-app")',
  group:
    "the label that tells the colors apart, from the strategy (the color label, or the pod-template hash for Argo Rollouts); the fleet's traffic groups by cluster, namespace, service",
  window: 'the range of rate() and increase(), e.g. 5m',
  latencySeconds: "the latency SLO's threshold in seconds, e.g. 0.2",
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;
export type TemplateValues = Record<Placeholder, string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Fills a template's placeholders; values must already be escaped for where they go. */
export function renderTemplate(
  template: string,
  values: TemplateValues,
): string {
  return template.replace(
    PLACEHOLDER,
    (_, name: string) => values[name as Placeholder],
  );
}

/**
 * Where a PromQL expression (or, with Grafana's LogQL parser, a LogQL one) fails to parse, or
 * undefined when it parses.
 */
export function parseError(
  query: string,
  grammar: Pick<typeof parser, 'parse'> = parser,
): string | undefined {
  let at: number | undefined;
  grammar.parse(query).iterate({
    enter: node => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  if (at === undefined) return undefined;
  return `parse error at character ${at + 1}: ...${query.slice(
    Math.max(0, at - 20),
    at + 20,
  )}...`;
}

const SAMPLE_VALUES: TemplateValues = {
  namespace: 'default',
  selector: 'namespace="default",app="my-app"',
  podSelector: 'namespace="default",label_app="my-app"',
  group: 'color',
  window: '5m',
  latencySeconds: '0.2',
};

/**
 * Checks a template at start-up: only known placeholders, and valid PromQL once filled.
 * Throws an error that names the config key.
 */
export function validateTemplate(key: string, template: string): void {
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (!(match[1] in PLACEHOLDERS)) {
      throw new Error(
        `${key}: unknown placeholder {{${match[1]}}}; use one of ${Object.keys(
          PLACEHOLDERS,
        )
          .map(p => `{{${p}}}`)
          .join(', ')}`,
      );
    }
  }
  const error = parseError(renderTemplate(template, SAMPLE_VALUES));
  if (error) {
    throw new Error(`${key} is not valid PromQL: ${error}`);
  }
}
