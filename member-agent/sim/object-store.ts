/**
 * The in-memory storage of the simulated API server, with the Kubernetes semantics clients rely on:
 * one monotonic resourceVersion across all kinds (as etcd gives), uid / generation / creationTimestamp,
 * optimistic concurrency (409 on a stale resourceVersion), finalizers and deletionTimestamp, graceful
 * deletion of pods, status subresources, label and field selectors, paged lists and resumable watches.
 *
 * Objects are immutable once stored: every write builds a new object, serialises it once, and keeps
 * the JSON beside it, so reads, lists and watch fan-out send stored bytes. Indexes: by key
 * (`namespace/name`), by namespace, by uid, by owner uid, and by declared fields (pods by spec.nodeName).
 *
 * In-process observers (kubelet, garbage collector) subscribe with `onChange`; they are called after
 * each commit, in commit order, and may write to the store themselves.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../shared/clock.js';
import {
  alreadyExists, badRequest, conflict, failure, forbidden, invalid, notFound, StatusError, type Status, type StatusCause,
} from '../../shared/errors/status.js';
import { deepEqual } from './deep-equal.js';
import { compileFieldSelector, fieldValue, type FieldSelector } from './field-selector.js';
import { applyJsonPatch, PatchError } from './json-patch.js';
import { applyMergePatch } from './json-merge-patch.js';
import type { BehaviorContext } from './kind-behaviors.js';
import { compileLabelSelector } from './label-selector.js';
import { ResourceRegistry, type ResourceType } from './resource-table.js';
import { isPlainObject, objectKey, rfc3339, type ObjectRef, type SimObject } from './sim-object.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { WatchHub, Watcher, type ChangeEvent, type FrameRenderer, type WatchSink } from './watch-hub.js';

/** One stored version of an object. */
export interface StoredObject {
  readonly key: string;
  readonly object: SimObject;
  readonly json: string;
}

/** A committed change, as in-process observers see it. */
export interface StoreEvent extends ChangeEvent {
  readonly resource: ResourceType;
}

export interface WriteOptions {
  /** `dryRun=All`: validate and answer, but store nothing */
  dryRun?: boolean;
  /** the input is a fresh value nobody else holds (a parsed request body): the store takes it without a copy */
  owned?: boolean;
}

export interface UpdateOptions extends WriteOptions {
  subresource?: 'status';
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: StoredObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** '' or '0': start with the current state as ADDED events; otherwise resume after this version */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  render?: FrameRenderer;
}

export interface StoreOptions {
  clock?: Clock;
  registry?: ResourceRegistry;
  /** change events kept per kind for resuming watches (default 10,000) */
  historySize?: number;
}

/** Namespaces that exist from the start and cannot be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

class Collection {
  readonly byKey = new Map<string, StoredObject>();
  readonly byNamespace = new Map<string, Map<string, StoredObject>>();
  readonly indexes = new Map<string, Map<string, Map<string, StoredObject>>>();
  readonly hub: WatchHub;

  constructor(readonly resource: ResourceType, historySize: number) {
    this.hub = new WatchHub({ capacity: historySize, startRv: 0 });
    for (const f of resource.indexedFields) this.indexes.set(f, new Map());
  }

  put(s: StoredObject, prev: StoredObject | undefined): void {
    this.byKey.set(s.key, s);
    if (this.resource.namespaced) {
      const ns = s.object.metadata.namespace ?? '';
      let m = this.byNamespace.get(ns);
      if (!m) this.byNamespace.set(ns, (m = new Map()));
      m.set(s.key, s);
    }
    for (const [field, index] of this.indexes) {
      const value = fieldValue(s.object, field);
      if (prev) {
        const old = fieldValue(prev.object, field);
        if (old !== value) index.get(old)?.delete(s.key);
      }
      let m = index.get(value);
      if (!m) index.set(value, (m = new Map()));
      m.set(s.key, s);
    }
  }

  remove(s: StoredObject): void {
    this.byKey.delete(s.key);
    if (this.resource.namespaced) {
      const ns = s.object.metadata.namespace ?? '';
      const m = this.byNamespace.get(ns);
      m?.delete(s.key);
      if (m && m.size === 0) this.byNamespace.delete(ns);
    }
    for (const [field, index] of this.indexes) index.get(fieldValue(s.object, field))?.delete(s.key);
  }
}

interface ObjectLocation {
  resource: ResourceType;
  key: string;
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Terminating with nothing left to wait for (a namespace also waits for its own spec.finalizers). */
function isFinal(resource: ResourceType, obj: SimObject): boolean {
  const meta = obj.metadata;
  if (meta.deletionTimestamp === undefined || (meta.finalizers?.length ?? 0) > 0) return false;
  if (resource.kind !== 'Namespace') return true;
  const fin = isPlainObject(obj.spec) ? obj.spec.finalizers : undefined;
  return !Array.isArray(fin) || fin.length === 0;
}

/** The answer to a successful binding or eviction. */
export interface SuccessStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success';
  code: number;
}

function success(code: number): SuccessStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
}

/** Kubernetes omits empty metadata collections. */
function normalizeMeta(meta: SimObject['metadata']): void {
  for (const k of ['finalizers', 'ownerReferences'] as const) {
    const v = meta[k];
    if (Array.isArray(v) && v.length === 0) delete meta[k];
  }
  for (const k of ['labels', 'annotations'] as const) {
    const v = meta[k];
    if (isPlainObject(v) && Object.keys(v).length === 0) delete meta[k];
  }
  delete meta.selfLink;
  delete meta.managedFields;
}

/** Everything but metadata and status: a change here bumps metadata.generation. */
function specPart(obj: SimObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

export class ObjectStore {
  readonly registry: ResourceRegistry;
  readonly clock: Clock;
  private rv = 0;
  private readonly collections = new Map<ResourceType, Collection>();
  private readonly byUid = new Map<string, ObjectLocation>();
  /** owner uid → dependents, keyed by `apiVersion/kind key` */
  private readonly dependents = new Map<string, Map<string, ObjectLocation>>();
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private readonly pending: StoreEvent[] = [];
  private draining = false;
  private nextServiceIP = 10;
  /** JSON of every committed object version, so answers send stored bytes */
  private readonly jsonCache = new WeakMap<SimObject, string>();

  constructor(opts: StoreOptions = {}) {
    this.registry = opts.registry ?? new ResourceRegistry();
    this.clock = opts.clock ?? systemClock;
    const historySize = opts.historySize ?? 10_000;
    for (const r of this.registry.all) this.collections.set(r, new Collection(r, historySize));
    for (const name of SYSTEM_NAMESPACES) this.create(this.registry.namespaces, { metadata: { name } });
  }

  /** The resourceVersion of the last committed change. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The served kind for an apiVersion and kind, e.g. `store.resource('v1', 'Pod')`. */
  resource(apiVersion: string, kind: string): ResourceType {
    return this.registry.require(apiVersion, kind);
  }

  /** The stored JSON of an object this store returned, or a fresh serialisation of anything else. */
  toJSON(obj: SimObject): string {
    return this.jsonCache.get(obj) ?? JSON.stringify(obj);
  }

  /** Calls `listener` after every committed change; returns the unsubscribe function. */
  onChange(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- reads

  getStored(resource: ResourceType, ref: ObjectRef): StoredObject | undefined {
    return this.col(resource).byKey.get(objectKey(resource.namespaced ? ref.namespace : '', ref.name));
  }

  get(resource: ResourceType, ref: ObjectRef): SimObject | undefined {
    return this.getStored(resource, ref)?.object;
  }

  /** Looks an object up by uid, across kinds. */
  getByUid(uid: string): { resource: ResourceType; object: SimObject } | undefined {
    const loc = this.byUid.get(uid);
    const s = loc && this.col(loc.resource).byKey.get(loc.key);
    return s && loc ? { resource: loc.resource, object: s.object } : undefined;
  }

  /** Objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): { resource: ResourceType; object: SimObject }[] {
    const out: { resource: ResourceType; object: SimObject }[] = [];
    for (const loc of this.dependents.get(uid)?.values() ?? []) {
      const s = this.col(loc.resource).byKey.get(loc.key);
      if (s) out.push({ resource: loc.resource, object: s.object });
    }
    return out;
  }

  /** Number of objects in a namespace, over every namespaced kind. */
  countInNamespace(namespace: string): number {
    let n = 0;
    for (const c of this.collections.values()) n += c.byNamespace.get(namespace)?.size ?? 0;
    return n;
  }

  /** Every object of a namespace, over every namespaced kind. */
  objectsInNamespace(namespace: string): { resource: ResourceType; object: SimObject }[] {
    const out: { resource: ResourceType; object: SimObject }[] = [];
    for (const c of this.collections.values()) {
      for (const s of c.byNamespace.get(namespace)?.values() ?? []) out.push({ resource: c.resource, object: s.object });
    }
    return out;
  }

  /** Objects whose indexed field equals `value` (e.g. pods with spec.nodeName = a node). */
  byIndex(resource: ResourceType, field: string, value: string): SimObject[] {
    const index = this.col(resource).indexes.get(field);
    if (!index) throw new Error(`${resource.plural} has no index on ${field}`);
    return [...(index.get(value)?.values() ?? [])].map((s) => s.object);
  }

  list(resource: ResourceType, opts: ListOptions = {}): ListResult {
    const col = this.col(resource);
    const labels = compileLabelSelector(opts.labelSelector);
    const fields = compileFieldSelector(opts.fieldSelector, resource);
    const namespace = resource.namespaced && opts.namespace ? opts.namespace : undefined;
    let listRv = this.rv;
    let startAfter: string | undefined;
    if (opts.continue) ({ rv: listRv, start: startAfter } = decodeContinue(opts.continue));

    const matched: StoredObject[] = [];
    for (const s of this.candidates(col, namespace, fields)) {
      if (namespace !== undefined && s.object.metadata.namespace !== namespace) continue;
      if (labels && !labels(s.object.metadata.labels)) continue;
      if (fields && !fields.matches(s.object)) continue;
      if (startAfter !== undefined && s.key <= startAfter) continue;
      matched.push(s);
    }
    matched.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined;
    if (limit === undefined || matched.length <= limit) return { items: matched, resourceVersion: String(listRv) };
    const items = matched.slice(0, limit);
    const last = items[items.length - 1] as StoredObject;
    return {
      items,
      resourceVersion: String(listRv),
      continue: encodeContinue(listRv, last.key),
      remainingItemCount: matched.length - limit,
    };
  }

  private candidates(col: Collection, namespace: string | undefined, fields: FieldSelector | undefined): Iterable<StoredObject> {
    for (const r of fields?.requirements ?? []) {
      if (r.op !== '=') continue;
      const index = col.indexes.get(r.field);
      if (index) return index.get(r.value)?.values() ?? [];
    }
    if (namespace !== undefined) return col.byNamespace.get(namespace)?.values() ?? [];
    return col.byKey.values();
  }

  // ---------------------------------------------------------------- watch

  /**
   * Opens a watch. Starting state: with no resourceVersion (or '0') every matching object arrives as
   * ADDED first; with one, the events after it are replayed from history, or, if that part of the
   * history is gone, one ERROR event with a 410 Status ends the watch (clients then list again).
   */
  watch(resource: ResourceType, opts: WatchOptions, sink: WatchSink): Watcher {
    const col = this.col(resource);
    const labels = compileLabelSelector(opts.labelSelector);
    const fields = compileFieldSelector(opts.fieldSelector, resource);
    const filter = {
      ...(resource.namespaced && opts.namespace ? { namespace: opts.namespace } : {}),
      ...(labels ? { labels } : {}),
      ...(fields ? { fields } : {}),
    };
    const w = new Watcher({
      filter,
      sink,
      bookmarks: opts.allowWatchBookmarks === true,
      ...(opts.render ? { render: opts.render } : {}),
      onClose: (x) => col.hub.watchers.delete(x),
    });
    const rvText = opts.resourceVersion ?? '';
    if (rvText === '' || rvText === '0' || opts.sendInitialEvents === true) {
      for (const s of this.candidates(col, filter.namespace, fields)) {
        if (w.passes(s.object)) w.sendObject('ADDED', s.object, s.json);
      }
      if (opts.sendInitialEvents === true && w.bookmarks) {
        w.send(this.bookmarkFrame(resource, { 'k8s.io/initial-events-end': 'true' }));
      }
    } else {
      const from = Number(rvText);
      if (!Number.isSafeInteger(from) || from < 0) {
        throw new StatusError(badRequest(`invalid resource version: ${rvText}`));
      }
      const entries = col.hub.since(from);
      if (!entries) {
        const gone = failure({ reason: 'Gone', message: `too old resource version: ${from} (${col.hub.compactedRv})` });
        w.send(`{"type":"ERROR","object":${JSON.stringify(gone)}}\n`);
        w.closed = true;
        sink.end();
        return w;
      }
      col.hub.replay(w, entries);
    }
    col.hub.watchers.add(w);
    return w;
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watcher that asked for bookmarks. */
  sendBookmarks(): void {
    for (const col of this.collections.values()) {
      if (col.hub.watchers.size === 0) continue;
      let frame: string | undefined;
      for (const w of col.hub.watchers) {
        if (!w.bookmarks) continue;
        frame ??= this.bookmarkFrame(col.resource);
        w.send(frame);
      }
    }
  }

  /** Closes every open watch (clients see the stream end and watch again). */
  closeWatches(): void {
    for (const col of this.collections.values()) for (const w of [...col.hub.watchers]) w.close();
  }

  /** Forgets the watch history of every kind: resuming from an older resourceVersion answers 410 Gone. */
  compactHistory(): void {
    for (const col of this.collections.values()) col.hub.compact(this.rv);
  }

  openWatchCount(): number {
    let n = 0;
    for (const col of this.collections.values()) n += col.hub.watchers.size;
    return n;
  }

  private bookmarkFrame(resource: ResourceType, annotations?: Record<string, string>): string {
    const metadata = { resourceVersion: String(this.rv), ...(annotations ? { annotations } : {}) };
    return `{"type":"BOOKMARK","object":${JSON.stringify({ kind: resource.kind, apiVersion: resource.apiVersion, metadata })}}\n`;
  }

  // ---------------------------------------------------------------- writes

  create(resource: ResourceType, input: unknown, opts: WriteOptions & { namespace?: string } = {}): SimObject {
    if (!isPlainObject(input)) throw new StatusError(badRequest(`the body of a ${resource.kind} must be a JSON object`));
    const obj = (opts.owned ? input : clone(input)) as SimObject;
    this.checkTypeMeta(resource, obj);
    const meta = obj.metadata;
    if (resource.namespaced) {
      const ns = opts.namespace ?? meta.namespace ?? '';
      if (meta.namespace && opts.namespace && meta.namespace !== opts.namespace) {
        throw new StatusError(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      }
      if (ns === '') throw new StatusError(badRequest(`a ${resource.kind} needs a namespace`));
      meta.namespace = ns;
      this.checkNamespaceOpen(ns);
    } else {
      delete meta.namespace;
    }
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw new StatusError(badRequest('resourceVersion should not be set on objects to be created'));
    }
    if (!meta.name) {
      if (!meta.generateName) {
        throw new StatusError(this.invalid(resource, '', [
          { field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]));
      }
      meta.name = this.generateName(resource, meta.namespace ?? '', meta.generateName);
    }
    const key = objectKey(meta.namespace ?? '', meta.name);
    const causes = [...this.validateMeta(resource, obj)];
    if (causes.length > 0) throw new StatusError(this.invalid(resource, meta.name, causes));
    const col = this.col(resource);
    if (col.byKey.has(key)) throw new StatusError(alreadyExists(resource.plural, meta.name, resource.group || undefined));

    const now = this.clock.now();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    normalizeMeta(meta);
    if (resource.behavior.statusOnCreate === 'drop') delete obj.status;
    resource.behavior.prepareCreate?.(obj, this.behaviorContext(now));
    const more = resource.behavior.validate?.(obj, undefined) ?? [];
    if (more.length > 0) throw new StatusError(this.invalid(resource, meta.name, more));
    if (opts.dryRun) return obj;
    return this.commit(col, 'ADDED', key, obj, undefined).object;
  }

  /** PUT: replaces the object (or only its status), guarded by metadata.resourceVersion when given. */
  update(resource: ResourceType, ref: ObjectRef, input: unknown, opts: UpdateOptions = {}): SimObject {
    if (!isPlainObject(input)) throw new StatusError(badRequest(`the body of a ${resource.kind} must be a JSON object`));
    const stored = this.mustGet(resource, ref);
    return this.applyUpdate(resource, stored, (opts.owned ? input : clone(input)) as SimObject, opts);
  }

  /** PATCH in one of the four Kubernetes patch formats; `apply` creates the object when it is missing. */
  patch(resource: ResourceType, ref: ObjectRef, patch: { type: PatchType; body: unknown }, opts: UpdateOptions = {}): SimObject {
    if (patch.type === 'strategic' && !resource.builtIn) {
      throw new StatusError(failure({
        reason: 'UnsupportedMediaType',
        message: 'the body of the request was in an unknown format - accepted media types include: '
          + 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      }));
    }
    const stored = this.getStored(resource, ref);
    if (!stored) {
      if (patch.type === 'apply' && opts.subresource === undefined) {
        const body = isPlainObject(patch.body) ? { ...patch.body } : patch.body;
        if (isPlainObject(body)) body.metadata = { ...(isPlainObject(body.metadata) ? body.metadata : {}), name: ref.name };
        return this.create(resource, body, { namespace: ref.namespace, ...(opts.dryRun ? { dryRun: true } : {}) });
      }
      throw new StatusError(notFound(resource.plural, ref.name, resource.group || undefined));
    }
    const base = JSON.parse(stored.json) as unknown;
    let patched: unknown;
    try {
      switch (patch.type) {
        case 'json': patched = applyJsonPatch(base, patch.body); break;
        case 'merge': patched = applyMergePatch(base, patch.body); break;
        case 'strategic': patched = applyStrategicMergePatch(base, patch.body); break;
        case 'apply': patched = applyMergePatch(base, withoutResourceVersion(patch.body)); break;
      }
    } catch (err) {
      if (err instanceof PatchError) {
        throw new StatusError(err.kind === 'malformed' ? badRequest(err.message) : failure({ reason: 'Invalid', message: err.message }));
      }
      throw err;
    }
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) {
      throw new StatusError(badRequest('the patch turned the object into something that is not an object'));
    }
    return this.applyUpdate(resource, stored, patched as SimObject, opts);
  }

  /**
   * In-process read-modify-write without conflicts: `fn` gets a private copy to change (return false
   * to leave the object alone). Used by the kubelet and the garbage collector.
   */
  mutate(resource: ResourceType, ref: ObjectRef, fn: (draft: SimObject) => boolean | void, opts: UpdateOptions = {}): SimObject | undefined {
    const stored = this.getStored(resource, ref);
    if (!stored) return undefined;
    const draft = JSON.parse(stored.json) as SimObject;
    if (fn(draft) === false) return stored.object;
    draft.metadata.resourceVersion = stored.object.metadata.resourceVersion;
    return this.applyUpdate(resource, stored, draft, opts);
  }

  /**
   * In-process status write, the kubelet's path: `fn` gets a shallow copy of the status to change by
   * assigning its fields (never by changing nested values in place: they are shared with the stored
   * version) and may read the object; it returns false to leave the object alone. The new version
   * shares everything else with the old one, which is safe because stored objects never change.
   */
  mutateStatus(resource: ResourceType, ref: ObjectRef, fn: (status: Record<string, unknown>, obj: SimObject) => boolean | void): SimObject | undefined {
    const stored = this.getStored(resource, ref);
    if (!stored) return undefined;
    const cur = stored.object;
    const status = isPlainObject(cur.status) ? { ...cur.status } : {};
    if (fn(status, cur) === false || deepEqual(status, cur.status ?? {})) return cur;
    const next: SimObject = { ...cur, metadata: { ...cur.metadata }, status };
    return this.commit(this.col(resource), 'MODIFIED', stored.key, next, stored).object;
  }

  delete(resource: ResourceType, ref: ObjectRef, opts: DeleteOptions = {}): SimObject {
    const stored = this.mustGet(resource, ref);
    const obj = stored.object;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata.uid) {
      throw new StatusError(conflict(resource.plural, ref.name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`, resource.group || undefined));
    }
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw new StatusError(conflict(resource.plural, ref.name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`,
        resource.group || undefined));
    }
    if (resource.kind === 'Namespace' && (SYSTEM_NAMESPACES as readonly string[]).includes(ref.name)) {
      throw new StatusError(forbidden(`namespaces "${ref.name}" is forbidden: this namespace may not be deleted`));
    }
    if (opts.dryRun) return obj;
    const col = this.col(resource);
    const meta = obj.metadata;
    if (meta.deletionTimestamp !== undefined) {
      // Already terminating: only a shorter grace period (a force delete) changes anything.
      if (opts.gracePeriodSeconds === 0 && (meta.deletionGracePeriodSeconds ?? 0) > 0) {
        if ((meta.finalizers?.length ?? 0) === 0) return this.commit(col, 'DELETED', stored.key, clone(obj), stored).object;
        const next = clone(obj);
        next.metadata.deletionGracePeriodSeconds = 0;
        return this.commit(col, 'MODIFIED', stored.key, next, stored).object;
      }
      return obj;
    }
    const grace = resource.behavior.gracePeriodSeconds?.(obj, opts.gracePeriodSeconds) ?? 0;
    const finalizers = [...(meta.finalizers ?? [])];
    const policy = opts.propagationPolicy ?? 'Background';
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    const terminating = resource.kind === 'Namespace';
    if (grace > 0 || finalizers.length > 0 || terminating) {
      const next = clone(obj);
      next.metadata.deletionTimestamp = rfc3339(this.clock.now() + grace * 1000);
      next.metadata.deletionGracePeriodSeconds = grace;
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      if (terminating) next.status = { ...(isPlainObject(next.status) ? next.status : {}), phase: 'Terminating' };
      return this.commit(col, 'MODIFIED', stored.key, next, stored).object;
    }
    return this.commit(col, 'DELETED', stored.key, clone(obj), stored).object;
  }

  /** DELETE on a collection: deletes every object the selectors match, returns them. */
  deleteCollection(resource: ResourceType, opts: ListOptions & DeleteOptions): SimObject[] {
    const { items } = this.list(resource, { ...opts, limit: undefined, continue: undefined });
    return items.map((s) => this.delete(resource, { namespace: s.object.metadata.namespace ?? '', name: s.object.metadata.name }, opts));
  }

  /** pods/binding: assigns an unbound pod to a node, as the scheduler does. */
  bind(ref: ObjectRef, binding: unknown, opts: WriteOptions = {}): SuccessStatus {
    const pods = this.registry.pods;
    const stored = this.mustGet(pods, ref);
    const target = isPlainObject(binding) && isPlainObject(binding.target) ? binding.target : undefined;
    const nodeName = target && typeof target.name === 'string' ? target.name : '';
    if (nodeName === '') {
      throw new StatusError(invalid({ kind: 'Binding', name: ref.name,
        causes: [{ field: 'target.name', reason: 'FieldValueRequired', message: 'Required value' }] }));
    }
    const pod = stored.object;
    const spec = isPlainObject(pod.spec) ? pod.spec : {};
    if (pod.metadata.deletionTimestamp !== undefined) {
      throw new StatusError(conflict('pods/binding', ref.name, `pod ${ref.name} is being deleted, cannot be assigned to a host`));
    }
    if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
      throw new StatusError(conflict('pods/binding', ref.name, `pod ${ref.name} is already assigned to node "${spec.nodeName}"`));
    }
    const bindingMeta = isPlainObject(binding) && isPlainObject(binding.metadata) ? binding.metadata : {};
    const uid = typeof bindingMeta.uid === 'string' ? bindingMeta.uid : undefined;
    if (uid && uid !== pod.metadata.uid) {
      throw new StatusError(conflict('pods/binding', ref.name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid ?? ''}`));
    }
    if (opts.dryRun) return success(201);
    // The new version shares what the binding does not change with the stored one.
    const status = isPlainObject(pod.status) ? pod.status : {};
    const next: SimObject = {
      ...pod,
      metadata: isPlainObject(bindingMeta.annotations)
        ? { ...pod.metadata, annotations: { ...pod.metadata.annotations, ...(bindingMeta.annotations as Record<string, string>) } }
        : { ...pod.metadata },
      spec: { ...spec, nodeName },
      status: {
        ...status,
        conditions: upsertCondition(status.conditions, {
          type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(this.clock.now()),
        }),
      },
    };
    this.commit(this.col(pods), 'MODIFIED', stored.key, next, stored);
    return success(201);
  }

  /** pods/eviction: marks the pod as disrupted, then deletes it gracefully. */
  evict(ref: ObjectRef, eviction: unknown, opts: WriteOptions = {}): SuccessStatus {
    const pods = this.registry.pods;
    const stored = this.mustGet(pods, ref);
    const deleteOptions = isPlainObject(eviction) && isPlainObject(eviction.deleteOptions) ? eviction.deleteOptions : {};
    if (opts.dryRun || stored.object.metadata.deletionTimestamp !== undefined) return success(201);
    this.mutate(pods, ref, (pod) => {
      const status = isPlainObject(pod.status) ? pod.status : (pod.status = {});
      status.conditions = upsertCondition(status.conditions, {
        type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI',
        message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: rfc3339(this.clock.now()),
      });
    }, { subresource: 'status' });
    this.delete(pods, ref, deleteOptionsFrom(deleteOptions));
    return success(201);
  }

  // ---------------------------------------------------------------- internals

  private col(resource: ResourceType): Collection {
    const c = this.collections.get(resource);
    if (!c) throw new Error(`${resource.plural} is not served by this store`);
    return c;
  }

  private mustGet(resource: ResourceType, ref: ObjectRef): StoredObject {
    const s = this.getStored(resource, ref);
    if (!s) throw new StatusError(notFound(resource.plural, ref.name, resource.group || undefined));
    return s;
  }

  private invalid(resource: ResourceType, name: string, causes: StatusCause[]): Status {
    return invalid({ kind: resource.kind, ...(resource.group ? { group: resource.group } : {}), name, causes });
  }

  private checkTypeMeta(resource: ResourceType, obj: SimObject): void {
    if (obj.apiVersion === undefined || obj.apiVersion === '') obj.apiVersion = resource.apiVersion;
    if (obj.kind === undefined || obj.kind === '') obj.kind = resource.kind;
    if (obj.apiVersion !== resource.apiVersion) {
      throw new StatusError(badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${resource.apiVersion})`));
    }
    if (obj.kind !== resource.kind) {
      throw new StatusError(badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${resource.kind})`));
    }
    if (!isPlainObject(obj.metadata)) obj.metadata = { name: '' };
  }

  private validateMeta(resource: ResourceType, obj: SimObject): StatusCause[] {
    const causes: StatusCause[] = [];
    const { name, labels, annotations, ownerReferences, finalizers } = obj.metadata;
    const rule = resource.nameRule === 'label' ? DNS_LABEL : DNS_SUBDOMAIN;
    const max = resource.nameRule === 'label' ? 63 : 253;
    if (typeof name !== 'string' || !rule.test(name) || name.length > max) {
      causes.push({ field: 'metadata.name', reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 ${resource.nameRule === 'label' ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` });
    }
    for (const [field, map] of [['labels', labels], ['annotations', annotations]] as const) {
      if (map === undefined || map === null) continue;
      if (!isPlainObject(map) || Object.values(map).some((v) => typeof v !== 'string')) {
        causes.push({ field: `metadata.${field}`, reason: 'FieldValueInvalid', message: 'Invalid value: values must be strings' });
      }
    }
    if (ownerReferences !== undefined) {
      if (!Array.isArray(ownerReferences)) {
        causes.push({ field: 'metadata.ownerReferences', reason: 'FieldValueInvalid', message: 'Invalid value: must be a list' });
      } else {
        let controllers = 0;
        ownerReferences.forEach((o: unknown, i) => {
          const ref = isPlainObject(o) ? o : {};
          for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
            if (typeof ref[f] !== 'string' || ref[f] === '') {
              causes.push({ field: `metadata.ownerReferences[${i}].${f}`, reason: 'FieldValueRequired', message: 'Required value' });
            }
          }
          if (ref.controller === true) controllers++;
        });
        if (controllers > 1) {
          causes.push({ field: 'metadata.ownerReferences', reason: 'FieldValueInvalid', message: 'Invalid value: Only one reference can have Controller set to true' });
        }
      }
    }
    if (finalizers !== undefined && (!Array.isArray(finalizers) || finalizers.some((f) => typeof f !== 'string'))) {
      causes.push({ field: 'metadata.finalizers', reason: 'FieldValueInvalid', message: 'Invalid value: must be a list of strings' });
    }
    return causes;
  }

  private checkNamespaceOpen(namespace: string): void {
    const ns = this.col(this.registry.namespaces).byKey.get(namespace);
    if (!ns) throw new StatusError(notFound('namespaces', namespace));
    if (ns.object.metadata.deletionTimestamp !== undefined) {
      throw new StatusError(forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`));
    }
  }

  private generateName(resource: ResourceType, namespace: string, prefix: string): string {
    const col = this.col(resource);
    for (;;) {
      const bytes = randomBytes(5);
      let suffix = '';
      for (const b of bytes) suffix += NAME_SUFFIX_ALPHABET[b % NAME_SUFFIX_ALPHABET.length];
      const name = `${prefix.slice(0, 58)}${suffix}`;
      if (!col.byKey.has(objectKey(namespace, name))) return name;
    }
  }

  private behaviorContext(now: number): BehaviorContext {
    return {
      now,
      allocateClusterIP: () => {
        const n = this.nextServiceIP++;
        return `10.96.${(n >> 8) & 255}.${n & 255}`;
      },
    };
  }

  /** The common tail of PUT, PATCH and in-process mutations. `next` is owned by the store. */
  private applyUpdate(resource: ResourceType, stored: StoredObject, next: SimObject, opts: UpdateOptions): SimObject {
    const cur = stored.object;
    const name = cur.metadata.name;
    this.checkTypeMeta(resource, next);
    if (next.metadata.name !== undefined && next.metadata.name !== '' && next.metadata.name !== name) {
      throw new StatusError(badRequest(`the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`));
    }
    if (resource.namespaced && next.metadata.namespace && next.metadata.namespace !== cur.metadata.namespace) {
      throw new StatusError(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    }
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== cur.metadata.resourceVersion) {
      throw new StatusError(conflict(resource.plural, name,
        'the object has been modified; please apply your changes to the latest version and try again', resource.group || undefined));
    }
    if (next.metadata.uid && next.metadata.uid !== cur.metadata.uid) {
      throw new StatusError(conflict(resource.plural, name,
        `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${cur.metadata.uid ?? ''}`, resource.group || undefined));
    }

    let result: SimObject;
    if (opts.subresource === 'status') {
      if (!resource.statusSubresource) throw new StatusError(notFound(`${resource.plural}/status`, name, resource.group || undefined));
      result = JSON.parse(stored.json) as SimObject;
      if (next.status === undefined) delete result.status;
      else result.status = next.status;
    } else {
      result = next;
      const meta = result.metadata;
      const old = cur.metadata;
      meta.name = name;
      if (resource.namespaced) meta.namespace = old.namespace;
      else delete meta.namespace;
      meta.uid = old.uid;
      meta.creationTimestamp = old.creationTimestamp;
      meta.generation = old.generation;
      if (old.deletionTimestamp !== undefined) {
        meta.deletionTimestamp = old.deletionTimestamp;
        meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
      } else {
        delete meta.deletionTimestamp;
        delete meta.deletionGracePeriodSeconds;
      }
      normalizeMeta(meta);
      if (resource.statusSubresource) {
        if (cur.status === undefined) delete result.status;
        else result.status = JSON.parse(JSON.stringify(cur.status)) as unknown;
      }
      resource.behavior.prepareUpdate?.(result, cur);
      const causes = this.validateMeta(resource, result);
      if (old.deletionTimestamp !== undefined) {
        const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
        if (added.length > 0) {
          causes.push({ field: 'metadata.finalizers', reason: 'FieldValueForbidden',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` });
        }
      }
      causes.push(...(resource.behavior.validate?.(result, cur) ?? []));
      if (causes.length > 0) throw new StatusError(this.invalid(resource, name, causes));
      if (!deepEqual(specPart(result), specPart(cur))) meta.generation = (old.generation ?? 1) + 1;
    }
    result.metadata.resourceVersion = cur.metadata.resourceVersion;
    const col = this.col(resource);
    if (isFinal(resource, result)) {
      if (opts.dryRun) return result;
      return this.commit(col, 'DELETED', stored.key, result, stored).object;
    }
    if (deepEqual(result, cur)) return cur;
    if (opts.dryRun) return result;
    return this.commit(col, 'MODIFIED', stored.key, result, stored).object;
  }

  private commit(col: Collection, type: 'ADDED' | 'MODIFIED' | 'DELETED', key: string, obj: SimObject, prev: StoredObject | undefined): StoredObject {
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    const json = JSON.stringify(obj);
    const stored: StoredObject = { key, object: obj, json };
    this.jsonCache.set(obj, json);
    const resource = col.resource;
    if (type === 'DELETED') {
      if (prev) col.remove(prev);
      if (obj.metadata.uid) this.byUid.delete(obj.metadata.uid);
      this.indexOwners(resource, key, prev?.object, undefined);
    } else {
      col.put(stored, prev);
      if (obj.metadata.uid) this.byUid.set(obj.metadata.uid, { resource, key });
      this.indexOwners(resource, key, prev?.object, obj);
    }
    const event: StoreEvent = { type, object: obj, json, prev: prev?.object, rv: this.rv, resource };
    col.hub.record(event);
    if (this.listeners.size > 0) {
      this.pending.push(event);
      this.drain();
    }
    return stored;
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let e = this.pending.shift(); e; e = this.pending.shift()) {
        for (const l of this.listeners) {
          try {
            l(e);
          } catch (err) {
            process.stderr.write(`sim-cluster: change listener failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private indexOwners(resource: ResourceType, key: string, before: SimObject | undefined, after: SimObject | undefined): void {
    if (before?.metadata.ownerReferences === undefined && after?.metadata.ownerReferences === undefined) return;
    const uids = (o: SimObject | undefined) => new Set((o?.metadata.ownerReferences ?? []).map((r) => r.uid));
    const oldUids = uids(before);
    const newUids = uids(after);
    const depKey = `${resource.apiVersion}/${resource.kind} ${key}`;
    for (const u of oldUids) {
      if (newUids.has(u)) continue;
      const m = this.dependents.get(u);
      m?.delete(depKey);
      if (m && m.size === 0) this.dependents.delete(u);
    }
    for (const u of newUids) {
      let m = this.dependents.get(u);
      if (!m) this.dependents.set(u, (m = new Map()));
      m.set(depKey, { resource, key });
    }
  }
}

/** A new conditions list with `cond` merged in by type (the input list is not changed). */
function upsertCondition(conditions: unknown, cond: Record<string, unknown>): Record<string, unknown>[] {
  const list = Array.isArray(conditions) ? conditions.filter(isPlainObject) : [];
  const i = list.findIndex((c) => c.type === cond.type);
  if (i >= 0) list[i] = { ...list[i], ...cond };
  else list.push(cond);
  return list;
}

function withoutResourceVersion(body: unknown): unknown {
  if (!isPlainObject(body) || !isPlainObject(body.metadata)) return body;
  const { resourceVersion: _rv, ...metadata } = body.metadata;
  return { ...body, metadata };
}

/** DeleteOptions from a request body or an Eviction's deleteOptions. */
export function deleteOptionsFrom(x: unknown): DeleteOptions {
  if (!isPlainObject(x)) return {};
  const out: DeleteOptions = {};
  if (typeof x.gracePeriodSeconds === 'number') out.gracePeriodSeconds = x.gracePeriodSeconds;
  if (x.propagationPolicy === 'Background' || x.propagationPolicy === 'Foreground' || x.propagationPolicy === 'Orphan') {
    out.propagationPolicy = x.propagationPolicy;
  } else if (x.orphanDependents === true) {
    out.propagationPolicy = 'Orphan';
  }
  if (isPlainObject(x.preconditions)) {
    const p = x.preconditions;
    out.preconditions = {
      ...(typeof p.uid === 'string' ? { uid: p.uid } : {}),
      ...(typeof p.resourceVersion === 'string' ? { resourceVersion: p.resourceVersion } : {}),
    };
  }
  if (Array.isArray(x.dryRun) && x.dryRun.includes('All')) out.dryRun = true;
  return out;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const x = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (isPlainObject(x) && typeof x.rv === 'number' && typeof x.start === 'string') return { rv: x.rv, start: x.start };
  } catch {
    // fall through to the error below
  }
  throw new StatusError(badRequest('continue key is not valid: the continue token could not be decoded'));
}
