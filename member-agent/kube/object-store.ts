/**
 * An in-memory copy of one kind, fed by a watch and by the agent's own writes. Every change is
 * applied at most once per resourceVersion: an object older than the one held (a late watch event
 * after our own write returned) is ignored, and a deleted object stays deleted until the server shows
 * a newer version of it. Listeners see each change once, whichever path brought it.
 */
import type { KubeObject } from './kube-client.js';

export type StoreEventType = 'added' | 'updated' | 'deleted';

export interface StoreEvent<T> {
  type: StoreEventType;
  obj: T;
  /** the previous version, for updates and deletes */
  old?: T;
}

export type StoreListener<T> = (ev: StoreEvent<T>) => void;

/** Computes the keys an object is filed under in a secondary index. */
export type IndexFn<T> = (obj: T) => readonly string[];

export function objectKey(namespace: string | undefined, name: string | undefined): string {
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

export function keyOf(obj: KubeObject): string {
  return objectKey(obj.metadata.namespace, obj.metadata.name);
}

/** Orders two resourceVersions: numeric when both are, else "different means newer". */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined || a === '') return -1;
  if (b === undefined || b === '') return 1;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : 1;
  }
  return 1;
}

export class ObjectStore<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  /** key → resourceVersion at which we know the object was deleted */
  private readonly tombstones = new Map<string, string>();
  private readonly indexes = new Map<string, { fn: IndexFn<T>; map: Map<string, Set<string>> }>();
  private readonly listeners: StoreListener<T>[] = [];

  addIndex(name: string, fn: IndexFn<T>): void {
    const map = new Map<string, Set<string>>();
    this.indexes.set(name, { fn, map });
    for (const [key, obj] of this.objects) for (const v of fn(obj)) addTo(map, v, key);
  }

  on(listener: StoreListener<T>): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get size(): number {
    return this.objects.size;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(objectKey(namespace, name));
  }

  getByKey(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  values(): IterableIterator<T> {
    return this.objects.values();
  }

  byIndex(index: string, value: string): T[] {
    const keys = this.indexes.get(index)?.map.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.objects.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** How many objects an index holds under `value` (no allocation). */
  countByIndex(index: string, value: string): number {
    return this.indexes.get(index)?.map.get(value)?.size ?? 0;
  }

  /** Stores `obj` unless a version at least as new is held or known deleted; returns whether it changed. */
  upsert(obj: T): boolean {
    const key = keyOf(obj);
    const rv = obj.metadata.resourceVersion;
    const dead = this.tombstones.get(key);
    if (dead !== undefined) {
      if (compareResourceVersions(rv, dead) <= 0) return false;
      this.tombstones.delete(key);
    }
    const old = this.objects.get(key);
    if (old && compareResourceVersions(rv, old.metadata.resourceVersion) <= 0) return false;
    if (old) this.unindex(key, old);
    this.objects.set(key, obj);
    this.index(key, obj);
    this.emit(old ? { type: 'updated', obj, old } : { type: 'added', obj });
    return true;
  }

  /** Removes the object; `resourceVersion` (of the deletion, when known) guards against late events. */
  remove(namespace: string | undefined, name: string, resourceVersion?: string): boolean {
    const key = objectKey(namespace, name);
    const old = this.objects.get(key);
    const rv = resourceVersion ?? old?.metadata.resourceVersion;
    if (rv !== undefined) {
      const prev = this.tombstones.get(key);
      if (prev === undefined || compareResourceVersions(rv, prev) > 0) this.tombstones.set(key, rv);
    }
    if (!old) return false;
    if (resourceVersion !== undefined && compareResourceVersions(resourceVersion, old.metadata.resourceVersion) < 0) return false;
    this.objects.delete(key);
    this.unindex(key, old);
    this.emit({ type: 'deleted', obj: old, old });
    return true;
  }

  /** After a relist: the listed objects are the truth; anything else held was deleted meanwhile. */
  replaceAll(items: readonly T[]): void {
    const seen = new Set<string>();
    for (const it of items) {
      const key = keyOf(it);
      seen.add(key);
      this.tombstones.delete(key);
      const old = this.objects.get(key);
      if (old && old.metadata.resourceVersion === it.metadata.resourceVersion) continue;
      if (old) {
        this.unindex(key, old);
        this.objects.set(key, it);
        this.index(key, it);
        this.emit({ type: 'updated', obj: it, old });
      } else {
        this.objects.set(key, it);
        this.index(key, it);
        this.emit({ type: 'added', obj: it });
      }
    }
    for (const [key, old] of [...this.objects]) {
      if (seen.has(key)) continue;
      this.objects.delete(key);
      this.unindex(key, old);
      this.emit({ type: 'deleted', obj: old, old });
    }
    // Tombstones only guard against events older than the list; the list supersedes them.
    for (const key of [...this.tombstones.keys()]) if (!seen.has(key)) this.tombstones.delete(key);
  }

  private index(key: string, obj: T): void {
    for (const { fn, map } of this.indexes.values()) for (const v of fn(obj)) addTo(map, v, key);
  }

  private unindex(key: string, obj: T): void {
    for (const { fn, map } of this.indexes.values()) {
      for (const v of fn(obj)) {
        const set = map.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) map.delete(v);
      }
    }
  }

  private emit(ev: StoreEvent<T>): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // A listener's failure must not stop the others or corrupt the store.
      }
    }
  }
}

function addTo(map: Map<string, Set<string>>, value: string, key: string): void {
  let set = map.get(value);
  if (!set) map.set(value, (set = new Set()));
  set.add(key);
}
