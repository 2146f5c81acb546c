/**
 * Kubernetes label selectors (`app=my-app,tier in (web,api),!canary`) with the grammar and the
 * messages of apimachinery's pkg/labels: parsed once, matched against labels, written back. No
 * maintained npm package parses them, so the plugins and the sandbox share this one.
 */

/**
 * One requirement of a label selector.
 *
 * @public
 */
export type LabelRequirement =
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] };

/**
 * A label selector: every requirement must hold.
 *
 * @public
 */
export type LabelSelector = LabelRequirement[];

/**
 * A `metav1.LabelSelector` as workloads carry it in `spec.selector`.
 *
 * @public
 */
export type LabelSelectorObject = {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: string;
    values?: string[];
  }>;
};

const TOKEN = /\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)/y;
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let pos = 0;
  while (pos < input.length) {
    TOKEN.lastIndex = pos;
    const match = TOKEN.exec(input);
    if (!match) {
      if (input.slice(pos).trim() === '') break;
      throw new Error(`unable to parse requirement: ${input.slice(pos)}`);
    }
    tokens.push(match[1]);
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

function checkKey(key: string) {
  const parts = key.split('/');
  const name = parts[parts.length - 1];
  if (
    parts.length > 2 ||
    (parts.length === 2 && !PREFIX.test(parts[0])) ||
    name.length > 63 ||
    !NAME.test(name)
  ) {
    throw new Error(
      `unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function checkValue(value: string) {
  if (value !== '' && (value.length > 63 || !NAME.test(value))) {
    throw new Error(
      `unable to parse requirement: invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

/**
 * Parses a label selector; throws an Error with apimachinery's message ("unable to parse
 * requirement: …") when it is not one. An empty selector selects everything.
 *
 * @public
 */
export function parseLabelSelector(input: string | undefined): LabelSelector {
  if (!input || !input.trim()) return [];
  const tokens = tokenize(input);
  const requirements: LabelSelector = [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  while (i < tokens.length) {
    const negate = peek() === '!';
    if (negate) next();
    const key = next();
    if (!key || [',', '(', ')', '=', '==', '!='].includes(key)) {
      throw new Error(
        `unable to parse requirement: found '${
          key ?? ''
        }', expected: identifier`,
      );
    }
    checkKey(key);
    const op = peek();
    if (negate) {
      if (op !== undefined && op !== ',') {
        throw new Error(
          `unable to parse requirement: found '${op}', expected: ',' or 'end of string'`,
        );
      }
      requirements.push({ key, op: '!' });
    } else if (op === undefined || op === ',') {
      requirements.push({ key, op: 'exists' });
    } else if (op === '=' || op === '==' || op === '!=') {
      next();
      let value = peek();
      if (value === undefined || value === ',') value = '';
      else next();
      checkValue(value);
      requirements.push({ key, op: op === '!=' ? '!=' : '=', value });
    } else if (op === 'in' || op === 'notin') {
      next();
      if (next() !== '(') {
        throw new Error(
          `unable to parse requirement: found '${
            tokens[i - 1]
          }', expected: '('`,
        );
      }
      const values: string[] = [];
      while (peek() !== ')') {
        const value = next();
        if (value === undefined) {
          throw new Error('unable to parse requirement: expected: )');
        }
        if (value === ',') {
          if (peek() === ',' || peek() === ')') values.push('');
          continue;
        }
        checkValue(value);
        values.push(value);
      }
      next(); // ')'
      requirements.push({ key, op, values });
    } else {
      throw new Error(
        `unable to parse requirement: found '${op}', expected: in, notin, =, ==, !=, gt, lt`,
      );
    }
    if (i < tokens.length && next() !== ',') {
      throw new Error(
        `unable to parse requirement: found '${tokens[i - 1]}', expected: ','`,
      );
    }
  }
  return requirements;
}

/**
 * Whether labels satisfy every requirement of a selector.
 *
 * @public
 */
export function matchesLabels(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return selector.every(r => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const value = l[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case '=':
        return has && value === r.value;
      case '!=':
        return !has || value !== r.value;
      case 'in':
        return has && r.values.includes(value);
      default:
        return !has || !r.values.includes(value);
    }
  });
}

/**
 * The requirements of a workload's `spec.selector` (matchLabels, then matchExpressions).
 *
 * @public
 */
export function labelSelectorOf(
  selector: LabelSelectorObject | undefined,
): LabelSelector {
  if (!selector) return [];
  const requirements: LabelSelector = Object.entries(
    selector.matchLabels ?? {},
  ).map(([key, value]) => ({ key, op: '=', value }));
  for (const e of selector.matchExpressions ?? []) {
    if (e.operator === 'In') {
      requirements.push({ key: e.key, op: 'in', values: e.values ?? [] });
    } else if (e.operator === 'NotIn') {
      requirements.push({ key: e.key, op: 'notin', values: e.values ?? [] });
    } else if (e.operator === 'Exists') {
      requirements.push({ key: e.key, op: 'exists' });
    } else if (e.operator === 'DoesNotExist') {
      requirements.push({ key: e.key, op: '!' });
    }
  }
  return requirements;
}

/**
 * A selector in the string form kubectl and `?labelSelector=` use (set values sorted, as
 * apimachinery writes them).
 *
 * @public
 */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector
    .map(r => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case '=':
          return `${r.key}=${r.value}`;
        case '!=':
          return `${r.key}!=${r.value}`;
        default:
          return `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
      }
    })
    .join(',');
}
