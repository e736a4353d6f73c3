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

/**
 * A change read from the stream. Its object is parsed when first read: a reader that does not
 * look at a change's object pays nothing for it (the prototype getter keeps each change small).
 */
class StreamChange {
  #parsed: Record<string, unknown> | undefined;
  #raw: string | undefined;
  origin?: string;

  constructor(
    readonly rv: number,
    readonly kind: string,
    readonly key: string,
    readonly type: string,
    raw: string,
  ) {
    this.#raw = raw;
  }

  get object(): Record<string, unknown> {
    if (this.#parsed === undefined) {
      const parsed = JSON.parse(this.#raw ?? 'null') as Record<string, unknown>;
      if (VERSIONED.has(this.kind)) withResourceVersion(parsed, this.rv);
      this.#parsed = parsed;
      this.#raw = undefined;
    }
    return this.#parsed;
  }
}

export function parseChangeEntry([id, fields]: RawStreamEntry): Change {
  let kind: string | undefined;
  let key: string | undefined;
  let type: string | undefined;
  let obj: string | undefined;
  let src: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    switch (fields[i]) {
      case 'kind': kind = value; break;
      case 'key': key = value; break;
      case 'type': type = value; break;
      case 'obj': obj = value; break;
      case 'src': src = value; break;
      default: break; // fields a later version adds are not ours to read
    }
  }
  if (kind === undefined || !KINDS.has(kind) || type === undefined || !TYPES.has(type) || key === undefined || obj === undefined) {
    throw new Error(`malformed change-stream entry ${id}`);
  }
  const change = new StreamChange(rvOfStreamId(id), kind, key, type, obj);
  if (src !== undefined && src !== '') change.origin = src;
  return change as unknown as Change;
}

/** Sets `metadata.resourceVersion` on a Kubernetes-shaped object read from the store. */
export function withResourceVersion<T>(object: T, rv: number | string): T {
  const o = object as { metadata?: Record<string, unknown> };
  if (typeof o.metadata !== 'object' || o.metadata === null) o.metadata = {};
  o.metadata.resourceVersion = String(rv);
  return object;
}
