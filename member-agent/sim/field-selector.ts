/**
 * Field selectors (`spec.nodeName=n1,status.phase!=Failed`), limited per kind to the fields the kind
 * declares selectable, as the real API server does.
 */
import { badRequest, StatusError } from '../../shared/errors/status.js';
import type { ResourceType } from './resource-table.js';
import { isPlainObject } from './sim-object.js';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(obj: unknown): boolean;
}

/** The value a field selector compares: strings as is, booleans and numbers as text, absent as ''. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isPlainObject(cur)) return '';
    cur = cur[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

/** Splits on unescaped commas and undoes `\,`, `\=` and `\\` escapes inside values. */
function splitTerms(selector: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '\\' && i + 1 < selector.length) {
      cur += ch + selector[i + 1];
      i++;
    } else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.filter((t) => t.trim() !== '');
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

function parseTerm(selector: string, term: string): FieldRequirement {
  const m = /^([^=!]+?)\s*(!=|==|=)(.*)$/.exec(term.trim());
  if (!m) throw new StatusError(badRequest(`invalid selector: '${selector}'; can't understand '${term}'`));
  return { field: (m[1] ?? '').trim(), op: m[2] === '!=' ? '!=' : '=', value: unescape(m[3] ?? '') };
}

/** Compiles a selector for `resource`; unknown fields are a 400, as in Kubernetes. */
export function compileFieldSelector(selector: string | undefined, resource: ResourceType): FieldSelector | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const requirements = splitTerms(selector).map((t) => parseTerm(selector, t));
  for (const r of requirements) {
    if (!resource.selectableFields.has(r.field)) {
      throw new StatusError(badRequest(
        `field label not supported: ${r.field}`,
        [{ field: 'fieldSelector', reason: 'FieldValueNotSupported', message: `"${r.field}" is not a known field selector: only ${[...resource.selectableFields].map((f) => `"${f}"`).join(', ')}` }],
      ));
    }
  }
  return {
    requirements,
    matches: (obj) => requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '=')),
  };
}
