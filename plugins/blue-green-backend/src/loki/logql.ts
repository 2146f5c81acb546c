import { parser } from '@grafana/lezer-logql';
import { escapeRegex, escapeString, parseError } from '../prometheus/promql';

/**
 * LogQL text built from the Loki query template. The namespace and pod names come from the
 * cluster and the entity: they are escaped here (LogQL strings follow the same rules as PromQL's),
 * so an entity can never change the shape of a query.
 */

/** What the Loki template may refer to, as `{{name}}`. */
export const LOGQL_PLACEHOLDERS = {
  namespace: 'the namespace, escaped for a string literal',
  pods: "the color's pod names as a regular expression (a|b|c), for pod=~",
  pattern: 'the error-line patterns as one regular expression, for |~',
  window: 'the range of count_over_time(), e.g. 2m',
} as const;

export type LogqlValues = Record<keyof typeof LOGQL_PLACEHOLDERS, string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** The values of one color's query, escaped for string literals. */
export function logqlValues(input: {
  namespace: string;
  pods: string[];
  patterns: string[];
  window: string;
}): LogqlValues {
  return {
    namespace: escapeString(input.namespace),
    pods: escapeString(input.pods.map(escapeRegex).join('|')),
    pattern: escapeString(input.patterns.map(p => `(?:${p})`).join('|')),
    window: input.window,
  };
}

export function renderLogql(template: string, values: LogqlValues): string {
  return template.replace(
    PLACEHOLDER,
    (_, name: string) => values[name as keyof LogqlValues],
  );
}

const SAMPLE = logqlValues({
  namespace: 'default',
  pods: ['my-app-green-7d9f-abcde'],
  patterns: ['ERROR'],
  window: '2m',
});

/** Checks the template at start-up: only known placeholders, and valid LogQL once filled. */
export function validateLogqlTemplate(key: string, template: string): void {
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (!(match[1] in LOGQL_PLACEHOLDERS)) {
      throw new Error(
        `${key}: unknown placeholder {{${match[1]}}}; use one of ${Object.keys(
          LOGQL_PLACEHOLDERS,
        )
          .map(p => `{{${p}}}`)
          .join(', ')}`,
      );
    }
  }
  const error = parseError(renderLogql(template, SAMPLE), parser);
  if (error) throw new Error(`${key} is not valid LogQL: ${error}`);
}
