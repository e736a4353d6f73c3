/**
 * JSON patch (RFC 6902): add, remove, replace, move, copy and test over JSON pointers.
 * A malformed document is a `PatchError` of kind 'malformed' (HTTP 400); an operation that cannot
 * apply, or a failed test, is kind 'failed' (HTTP 422), as the Kubernetes API server answers.
 */
import { deepEqual } from './deep-equal.js';
import { isPlainObject } from './sim-object.js';

export class PatchError extends Error {
  readonly kind: 'malformed' | 'failed';
  constructor(kind: 'malformed' | 'failed', message: string) {
    super(message);
    this.name = 'PatchError';
    this.kind = kind;
  }
}

type Container = Record<string, unknown> | unknown[];

function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new PatchError('malformed', 'path must be a string');
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError('malformed', `invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError('failed', `invalid array index "${token}"`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError('failed', `array index ${i} out of bounds`);
  return i;
}

/** Walks to the parent of the last token; every step must exist. */
function parentOf(doc: unknown, tokens: string[]): { parent: Container; last: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false)];
    else if (isPlainObject(cur) && t in cur) cur = cur[t];
    else throw new PatchError('failed', `path component "${t}" does not exist`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw new PatchError('failed', 'path does not point into an object or array');
  return { parent: cur, last: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) return doc;
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false)];
  if (!(last in parent)) throw new PatchError('failed', `path "/${tokens.join('/')}" does not exist`);
  return parent[last];
}

function removeAt(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) throw new PatchError('failed', 'cannot remove the whole document');
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, last, false), 1)[0];
  if (!(last in parent)) throw new PatchError('failed', `path "/${tokens.join('/')}" does not exist`);
  const old = parent[last];
  delete parent[last];
  return old;
}

/** Returns the new document (the root may be replaced). */
function addAt(doc: unknown, tokens: string[], value: unknown, replace: boolean): unknown {
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, last, !replace);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else {
    if (replace && !(last in parent)) throw new PatchError('failed', `path "/${tokens.join('/')}" does not exist`);
    parent[last] = value;
  }
  return doc;
}

function clone<T>(x: T): T {
  return x === undefined ? x : (JSON.parse(JSON.stringify(x)) as T);
}

/** Applies `ops` to `doc` (mutated in place when possible) and returns the result. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('malformed', 'a JSON patch must be an array of operations');
  let cur = doc;
  for (const raw of ops) {
    if (!isPlainObject(raw)) throw new PatchError('malformed', 'each JSON patch operation must be an object');
    const path = parsePointer(raw.path);
    switch (raw.op) {
      case 'add':
        if (!('value' in raw)) throw new PatchError('malformed', 'add operation needs a value');
        cur = addAt(cur, path, clone(raw.value), false);
        break;
      case 'replace':
        if (!('value' in raw)) throw new PatchError('malformed', 'replace operation needs a value');
        cur = addAt(cur, path, clone(raw.value), true);
        break;
      case 'remove':
        removeAt(cur, path);
        break;
      case 'move': {
        const from = parsePointer(raw.from);
        const value = removeAt(cur, from);
        cur = addAt(cur, path, value, false);
        break;
      }
      case 'copy':
        cur = addAt(cur, path, clone(getAt(cur, parsePointer(raw.from))), false);
        break;
      case 'test':
        if (!deepEqual(getAt(cur, path), raw.value)) {
          throw new PatchError('failed', `testing value /${path.join('/')} failed`);
        }
        break;
      default:
        throw new PatchError('malformed', `unknown JSON patch operation ${JSON.stringify(raw.op)}`);
    }
  }
  return cur;
}
