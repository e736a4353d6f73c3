/**
 * The shape of every object the simulated API server stores: typed metadata, everything else kept as
 * given, so fields the server does not know survive a round trip.
 */
import type { ObjectMeta } from '../../shared/api/core.js';

export interface SimMeta extends ObjectMeta {
  name: string;
}

export interface SimObject {
  apiVersion: string;
  kind: string;
  metadata: SimMeta;
  [key: string]: unknown;
}

/** Namespace and name of one object; `namespace` is '' for cluster-scoped kinds. */
export interface ObjectRef {
  namespace: string;
  name: string;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

let lastSecond = Number.NaN;
let lastText = '';

/** RFC 3339 with second precision, the form Kubernetes writes timestamps in. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastText;
}

/** RFC 3339 with microseconds, the form of MicroTime fields (leases, events). */
export function rfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The storage key: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(namespace: string, name: string): string {
  return namespace === '' ? name : `${namespace}/${name}`;
}
