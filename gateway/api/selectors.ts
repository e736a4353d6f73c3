/**
 * Kubernetes label selectors (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`) and
 * the field selectors the job list supports (`metadata.name`, `metadata.namespace`, with = and !=).
 */
import { badRequest, StatusError } from '../../shared/errors/status.js';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export type Selector = (labels: Record<string, string> | undefined) => boolean;

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function bad(what: string, selector: string, detail: string): StatusError {
  return new StatusError(badRequest(`unable to parse requirement: invalid ${what} "${selector}": ${detail}`));
}

/** Splits on commas that are not inside parentheses. */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key) || key.length > 316) throw bad('label selector', selector, `"${key}" is not a valid label key`);
  return key;
}

function checkValue(v: string, selector: string): string {
  if (!VALUE.test(v) || v.length > 63) throw bad('label selector', selector, `"${v}" is not a valid label value`);
  return v;
}

export function parseLabelSelector(selector: string | undefined): Requirement[] {
  if (selector === undefined || selector.trim() === '') return [];
  return terms(selector).map((term): Requirement => {
    let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = (m[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
      return { key: checkKey(m[1] ?? '', selector), op: m[2] === 'in' ? 'in' : 'notin', values: values.map((v) => checkValue(v, selector)) };
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      const value = checkValue(m[3] ?? '', selector);
      return { key: checkKey(m[1] ?? '', selector), op: m[2] === '!=' ? 'notin' : 'in', values: [value] };
    }
    m = /^(!?)\s*([^!=\s()]+)$/.exec(term);
    if (m) return { key: checkKey(m[2] ?? '', selector), op: m[1] === '!' ? '!exists' : 'exists' };
    throw bad('label selector', selector, `cannot parse "${term}"`);
  });
}

export function matchesRequirements(reqs: readonly Requirement[], labels: Record<string, string> | undefined): boolean {
  return reqs.every((r) => {
    const v = labels?.[r.key];
    switch (r.op) {
      case 'exists': return v !== undefined;
      case '!exists': return v === undefined;
      case 'in': return v !== undefined && r.values.includes(v);
      case 'notin': return v === undefined || !r.values.includes(v);
    }
  });
}

export function labelSelector(selector: string | undefined): Selector {
  const reqs = parseLabelSelector(selector);
  return (labels) => matchesRequirements(reqs, labels);
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses a field selector, allowing only the fields given. */
export function parseFieldSelector(selector: string | undefined, allowed: readonly string[]): FieldRequirement[] {
  if (selector === undefined || selector.trim() === '') return [];
  return terms(selector).map((term) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw bad('field selector', selector, `cannot parse "${term}"`);
    const field = m[1] ?? '';
    if (!allowed.includes(field)) {
      throw new StatusError(badRequest(`field label not supported: ${field} (supported: ${allowed.join(', ')})`));
    }
    return { field, op: m[2] === '!=' ? '!=' : '=', value: (m[3] ?? '').trim() };
  });
}

export function matchesFields(reqs: readonly FieldRequirement[], values: Record<string, string | undefined>): boolean {
  return reqs.every((r) => (values[r.field] === r.value) === (r.op === '='));
}
