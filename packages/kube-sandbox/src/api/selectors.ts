/**
 * Label and field selectors with the grammar of apimachinery pkg/labels/selector.go.
 * (No maintained npm library parses Kubernetes selectors, so this is written here.)
 */
import { badRequest } from './errors';

export type Requirement =
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export type LabelSelector = Requirement[];

const TOKEN = /\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)/y;

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < input.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(input);
    if (!m) {
      if (input.slice(pos).trim() === '') break;
      throw new Error(`unable to parse requirement: ${input.slice(pos)}`);
    }
    tokens.push(m[1]);
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

/** Parses a label selector string; throws Error with a kube-like message on bad input. */
export function parseLabelSelector(input: string | undefined): LabelSelector {
  if (!input || !input.trim()) return [];
  const t = tokenize(input);
  const reqs: Requirement[] = [];
  let i = 0;
  const peek = () => t[i];
  const next = () => t[i++];
  while (i < t.length) {
    let negate = false;
    if (peek() === '!') {
      negate = true;
      next();
    }
    const key = next();
    if (!key || [',', '(', ')', '=', '==', '!='].includes(key)) {
      throw new Error(
        `unable to parse requirement: found '${
          key ?? ''
        }', expected: identifier`,
      );
    }
    validateKey(key);
    const op = peek();
    if (negate) {
      if (op !== undefined && op !== ',') {
        throw new Error(
          `unable to parse requirement: found '${op}', expected: ',' or 'end of string'`,
        );
      }
      reqs.push({ key, op: '!' });
    } else if (op === undefined || op === ',') {
      reqs.push({ key, op: 'exists' });
    } else if (op === '=' || op === '==' || op === '!=') {
      next();
      let value = peek();
      if (value === undefined || value === ',') value = '';
      else next();
      validateValue(value);
      reqs.push({ key, op: op === '!=' ? '!=' : '=', value });
    } else if (op === 'in' || op === 'notin') {
      next();
      if (next() !== '(')
        throw new Error(
          `unable to parse requirement: found '${t[i - 1]}', expected: '('`,
        );
      const values: string[] = [];
      while (peek() !== ')') {
        const v = next();
        if (v === undefined)
          throw new Error('unable to parse requirement: expected: )');
        if (v === ',') {
          if (peek() === ',' || peek() === ')') values.push('');
          continue;
        }
        validateValue(v);
        values.push(v);
      }
      next(); // ')'
      reqs.push({ key, op, values });
    } else {
      throw new Error(
        `unable to parse requirement: found '${op}', expected: in, notin, =, ==, !=, gt, lt`,
      );
    }
    if (i < t.length) {
      if (next() !== ',')
        throw new Error(
          `unable to parse requirement: found '${t[i - 1]}', expected: ','`,
        );
    }
  }
  return reqs;
}

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function validateKey(key: string) {
  const parts = key.split('/');
  const name = parts[parts.length - 1];
  if (parts.length > 2 || name.length > 63 || !NAME_RE.test(name)) {
    throw new Error(
      `unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function validateValue(v: string) {
  if (v !== '' && (v.length > 63 || !NAME_RE.test(v))) {
    throw new Error(
      `unable to parse requirement: invalid label value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

export function matchesLabels(
  sel: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
        if (!has || v !== r.value) return false;
        break;
      case '!=':
        if (has && v === r.value) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v)) return false;
        break;
      default:
    }
  }
  return true;
}

/** Converts a metav1.LabelSelector ({matchLabels, matchExpressions}) to requirements. */
export function fromLabelSelectorObject(sel: any): LabelSelector {
  if (!sel) return [];
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries<string>(sel.matchLabels ?? {})) {
    reqs.push({ key, op: '=', value });
  }
  for (const e of sel.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, op: 'in', values: e.values ?? [] });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, op: 'notin', values: e.values ?? [] });
        break;
      case 'Exists':
        reqs.push({ key: e.key, op: 'exists' });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, op: '!' });
        break;
      default:
    }
  }
  return reqs;
}

/** A map selector (Service spec.selector): every pair must match. */
export function matchesMap(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (l[k] !== v) return false;
  return true;
}

/** The string form used by kubectl and in Scale.status.selector. */
export function selectorToString(sel: LabelSelector): string {
  return sel
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

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses a field selector; only the given fields are allowed (400 BadRequest otherwise). */
export function parseFieldSelector(
  input: string | undefined,
  allowed: string[],
): FieldRequirement[] {
  if (!input || !input.trim()) return [];
  const out: FieldRequirement[] = [];
  for (const part of input.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([^!=]+?)\s*(==|!=|=)\s*(.*)$/.exec(p);
    if (!m) {
      throw badRequest(`invalid selector: '${input}'; can't understand '${p}'`);
    }
    const field = m[1].trim();
    if (!allowed.includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    out.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return out;
}

export function fieldValue(obj: any, field: string): string {
  if (field === 'source') return obj?.source?.component ?? '';
  let v: any = obj;
  for (const p of field.split('.')) v = v?.[p];
  if (v === undefined || v === null) return '';
  if (Array.isArray(v))
    return v.map(x => (typeof x === 'object' ? x.ip : String(x))).join(',');
  return String(v);
}

export function matchesFields(reqs: FieldRequirement[], obj: any): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
