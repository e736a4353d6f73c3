/**
 * Label selectors in the string form of the API (`app=web,tier!=db,env in (a,b),!legacy`), compiled
 * to a predicate over an object's labels.
 */
import { badRequest, StatusError } from '../../shared/errors/status.js';

type Op = 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function fail(selector: string, why: string): never {
  throw new StatusError(badRequest(`unable to parse requirement: ${why} in label selector "${selector}"`));
}

/** Splits on commas that are not inside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

function checkKey(selector: string, key: string): string {
  if (!KEY.test(key) || key.length > 317) fail(selector, `invalid label key "${key}"`);
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!VALUE.test(value) || value.length > 63) fail(selector, `invalid label value: "${value}"`);
  return value;
}

function parseTerm(selector: string, term: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => checkValue(selector, v.trim()));
    return { key: checkKey(selector, set[1] ?? ''), op: set[2] as Op, values };
  }
  if (term.startsWith('!')) return { key: checkKey(selector, term.slice(1).trim()), op: '!', values: [] };
  const cmp = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(term);
  if (cmp) {
    const key = checkKey(selector, cmp[1] ?? '');
    const value = (cmp[3] ?? '').trim();
    switch (cmp[2]) {
      case '!=': return { key, op: 'notin', values: [checkValue(selector, value)] };
      case '>':
      case '<':
        if (!/^-?\d+$/.test(value)) fail(selector, `for 'Gt', 'Lt' operators, the value must be an integer`);
        return { key, op: cmp[2] === '>' ? 'gt' : 'lt', values: [value] };
      default: return { key, op: 'in', values: [checkValue(selector, value)] };
    }
  }
  return { key: checkKey(selector, term), op: 'exists', values: [] };
}

function matches(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const v = labels?.[r.key];
  switch (r.op) {
    case 'exists': return v !== undefined;
    case '!': return v === undefined;
    case 'in': return v !== undefined && r.values.includes(v);
    case 'notin': return v === undefined || !r.values.includes(v);
    case 'gt': return v !== undefined && /^-?\d+$/.test(v) && Number(v) > Number(r.values[0]);
    case 'lt': return v !== undefined && /^-?\d+$/.test(v) && Number(v) < Number(r.values[0]);
  }
}

/** Compiles a selector string; `undefined` or '' selects everything. Throws a 400 StatusError when malformed. */
export function compileLabelSelector(selector: string | undefined): LabelMatcher | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const reqs = terms(selector).map((t) => parseTerm(selector, t));
  return (labels) => reqs.every((r) => matches(r, labels));
}
