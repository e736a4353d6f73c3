/** Turns a change-stream entry (`<rv>-0`: kind, key, rv, type, obj) into a typed `Change`. */
import type { Change, ChangeKind, ChangeType } from './records.js';

export type RawStreamEntry = [id: string, fields: string[]];

const KINDS: ReadonlySet<string> = new Set<ChangeKind>(['job', 'queue', 'member', 'nodes', 'placement', 'reservation', 'usage']);
const TYPES: ReadonlySet<string> = new Set<ChangeType>(['ADDED', 'MODIFIED', 'DELETED']);
/** kinds whose objects are Kubernetes-shaped and carry metadata.resourceVersion */
const VERSIONED: ReadonlySet<string> = new Set<ChangeKind>(['job', 'queue', 'member']);

export function rvOfStreamId(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

export function parseChangeEntry([id, fields]: RawStreamEntry): Change {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
  const rv = rvOfStreamId(id);
  const { kind, key, type, obj } = f;
  if (kind === undefined || !KINDS.has(kind) || type === undefined || !TYPES.has(type) || key === undefined || obj === undefined) {
    throw new Error(`malformed change-stream entry ${id}`);
  }
  // parsed when first read: a reader that does not look at a change's object pays nothing for it
  let object: Record<string, unknown> | undefined;
  const versioned = VERSIONED.has(kind);
  const change = {
    rv, kind, key, type,
    ...(f.src !== undefined && f.src !== '' ? { origin: f.src } : {}),
    get object(): Record<string, unknown> {
      if (object === undefined) {
        object = JSON.parse(obj) as Record<string, unknown>;
        if (versioned) withResourceVersion(object, rv);
      }
      return object;
    },
  };
  return change as unknown as Change;
}

/** Sets `metadata.resourceVersion` on a Kubernetes-shaped object read from the store. */
export function withResourceVersion<T>(object: T, rv: number | string): T {
  const o = object as { metadata?: Record<string, unknown> };
  if (typeof o.metadata !== 'object' || o.metadata === null) o.metadata = {};
  o.metadata.resourceVersion = String(rv);
  return object;
}
