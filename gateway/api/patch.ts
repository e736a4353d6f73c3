/** JSON merge patch (RFC 7386) and JSON patch (RFC 6902) over plain JSON values. */
import { badRequest, StatusError } from '../../shared/errors/status.js';
import type { PatchKind } from './request-body.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function bad(message: string): StatusError {
  return new StatusError(badRequest(`invalid JSON patch: ${message}`));
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw bad(`path ${JSON.stringify(path)} is not a JSON pointer`);
  return path === '' ? [] : path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, tokens: string[]): { parent: Json; key: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? (cur as Record<string, Json>)[t] : undefined;
    if (next === undefined) throw bad(`path /${tokens.join('/')} does not exist`);
    cur = next;
  }
  return { parent: cur, key: tokens.at(-1) ?? '' };
}

function get(doc: Json, tokens: string[]): Json {
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens);
  const v = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? (parent as Record<string, Json>)[key] : undefined;
  if (v === undefined) throw bad(`path /${tokens.join('/')} does not exist`);
  return v;
}

function remove(doc: Json, tokens: string[]): Json {
  const value = get(doc, tokens);
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete (parent as Record<string, Json>)[key];
  return value;
}

function add(doc: Json, tokens: string[], value: Json, replace: boolean): Json {
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) throw bad(`index ${key} out of range`);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else if (isObject(parent)) {
    if (replace && !(key in parent)) throw bad(`path /${tokens.join('/')} does not exist`);
    (parent as Record<string, Json>)[key] = value;
  } else {
    throw bad(`cannot add below a scalar at /${tokens.join('/')}`);
  }
  return doc;
}

export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw bad('a JSON patch is a list of operations');
  let doc = structuredClone(target) as Json;
  for (const raw of patch) {
    if (!isObject(raw)) throw bad('each operation must be an object');
    const op = raw.op;
    const path = pointer(raw.path);
    const value = structuredClone(raw.value) as Json;
    switch (op) {
      case 'add': doc = add(doc, path, value, false); break;
      case 'replace': doc = add(doc, path, value, true); break;
      case 'remove': remove(doc, path); break;
      case 'move': { const v = remove(doc, pointer(raw.from)); doc = add(doc, path, v, false); break; }
      case 'copy': { const v = structuredClone(get(doc, pointer(raw.from))); doc = add(doc, path, v, false); break; }
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(value)) throw bad(`test failed at ${String(raw.path)}`);
        break;
      default: throw bad(`unknown op ${JSON.stringify(op)}`);
    }
  }
  return doc;
}

export function applyPatch(kind: PatchKind, target: unknown, patch: unknown): unknown {
  return kind === 'merge' ? mergePatch(target, patch) : jsonPatch(target, patch);
}
