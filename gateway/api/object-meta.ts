/** Server-owned metadata: names from generateName, uids, timestamps, and what a write may not change. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ObjectMeta } from '../../shared/api/core.js';
import { badRequest, StatusError } from '../../shared/errors/status.js';
import type { Clock } from '../../shared/clock.js';

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` plus five random characters, as Kubernetes does. */
export function generatedName(prefix: string): string {
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += NAME_SUFFIX_ALPHABET[b % NAME_SUFFIX_ALPHABET.length];
  return `${prefix}${s}`;
}

let lastSecond = NaN;
let lastText = '';

/** The clock's time as RFC 3339 to the second (Kubernetes' form); formatted once per second. */
export function rfc3339(clock: Clock): string {
  const second = Math.floor(clock.now() / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastText;
}

/** Metadata of a new object: the server's name, uid, creation time and generation; client values for those are dropped. */
export function newObjectMeta(meta: ObjectMeta, opts: { clock: Clock; namespace?: string }): ObjectMeta {
  const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, generation: _g, managedFields: _mf, selfLink: _sl, ...rest } = meta;
  const out: ObjectMeta = { ...rest };
  if ((out.name === undefined || out.name === '') && typeof out.generateName === 'string' && out.generateName !== '') {
    out.name = generatedName(out.generateName);
  }
  if (opts.namespace !== undefined) out.namespace = opts.namespace;
  out.uid = randomUUID();
  out.creationTimestamp = rfc3339(opts.clock);
  out.generation = 1;
  return out;
}

/** Metadata of an updated object: identity and lifecycle fields stay as stored. */
export function updatedObjectMeta(meta: ObjectMeta, old: ObjectMeta, opts: { specChanged: boolean; keepAnnotations?: readonly string[] }): ObjectMeta {
  const { managedFields: _mf, selfLink: _sl, ...rest } = meta;
  const out: ObjectMeta = { ...rest, uid: old.uid, creationTimestamp: old.creationTimestamp, name: old.name };
  if (old.namespace !== undefined) out.namespace = old.namespace;
  if (old.deletionTimestamp !== undefined) out.deletionTimestamp = old.deletionTimestamp;
  else delete out.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined) out.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  out.generation = (old.generation ?? 1) + (opts.specChanged ? 1 : 0);
  for (const key of opts.keepAnnotations ?? []) {
    const v = old.annotations?.[key];
    if (v !== undefined) out.annotations = { ...out.annotations, [key]: v };
  }
  return out;
}

/** The name and namespace in a body must agree with the URL (a missing namespace takes the URL's). */
export function checkIdentity(meta: ObjectMeta | undefined, opts: { name?: string; namespace?: string }): void {
  if (opts.namespace !== undefined && meta?.namespace !== undefined && meta.namespace !== '' && meta.namespace !== opts.namespace) {
    throw new StatusError(badRequest(`the namespace of the provided object (${meta.namespace}) does not match the namespace sent on the request (${opts.namespace})`));
  }
  if (opts.name !== undefined && meta?.name !== opts.name) {
    throw new StatusError(badRequest(`the name of the object (${String(meta?.name ?? '')}) does not match the name on the URL (${opts.name})`));
  }
}

/** `?dryRun=All` → true; absent → false; anything else is a 400 as in Kubernetes. */
export function dryRun(query: { dryRun?: string | string[] }): boolean {
  const v = query.dryRun;
  if (v === undefined || v === '') return false;
  const values = Array.isArray(v) ? v : [v];
  if (values.every((x) => x === 'All')) return true;
  throw new StatusError(badRequest(`Invalid dry run value: ${values.join(',')}; the only value accepted is "All"`));
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A body's metadata, when it has one. */
export function metaOf(x: unknown): ObjectMeta | undefined {
  return isObject(x) && isObject(x.metadata) ? (x.metadata as ObjectMeta) : undefined;
}
