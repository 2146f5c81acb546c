/**
 * Field selectors and map selectors with apimachinery's semantics; label selectors are the
 * plugins' shared implementation in `@bluegreen-backstage/plugin-blue-green-node`.
 */
import { badRequest } from './errors';

export {
  formatLabelSelector as selectorToString,
  labelSelectorOf as fromLabelSelectorObject,
  matchesLabels,
  parseLabelSelector,
} from '@bluegreen-backstage/plugin-blue-green-node';
export type { LabelSelector } from '@bluegreen-backstage/plugin-blue-green-node';

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
