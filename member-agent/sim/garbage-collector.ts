/**
 * The controllers of kube-controller-manager that the store's semantics depend on, reduced to what
 * a simulated cluster needs:
 * - garbage collection over ownerReferences: background cascade (dependents go after the owner),
 *   foreground (the owner waits with the `foregroundDeletion` finalizer until its dependents are gone),
 *   orphan (the `orphan` finalizer: dependents lose the owner reference), and dependents whose owners
 *   never existed or were replaced (uid mismatch) are deleted, or lose the dangling reference;
 * - namespace deletion: a Terminating namespace has its content deleted and goes once it is empty.
 * It reacts to store changes synchronously, right after the commit that triggered it.
 */
import { isStatusError } from '../../shared/errors/status.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import type { ResourceType } from './resource-table.js';
import { isPlainObject, type ObjectRef, type SimObject } from './sim-object.js';

export interface GarbageCollectorOptions {
  /** delete objects whose owners do not exist (default true, as Kubernetes does) */
  deleteDanglingDependents?: boolean;
}

function refOf(obj: SimObject): ObjectRef {
  return { namespace: obj.metadata.namespace ?? '', name: obj.metadata.name };
}

export class GarbageCollector {
  private readonly unsubscribe: () => void;
  private readonly deleteDangling: boolean;

  constructor(private readonly store: ObjectStore, opts: GarbageCollectorOptions = {}) {
    this.deleteDangling = opts.deleteDanglingDependents ?? true;
    this.unsubscribe = store.onChange((e) => this.handle(e));
  }

  stop(): void {
    this.unsubscribe();
  }

  private handle(e: StoreEvent): void {
    const obj = e.object;
    const meta = obj.metadata;
    if (e.type === 'DELETED') {
      if (meta.uid) for (const dep of this.store.dependentsOf(meta.uid)) this.ownerGone(dep.resource, dep.object, meta.uid);
      for (const ref of meta.ownerReferences ?? []) {
        const owner = this.store.getByUid(ref.uid);
        if (owner?.object.metadata.finalizers?.includes('foregroundDeletion')) this.finishForeground(owner.resource, owner.object);
      }
      if (e.resource.namespaced && meta.namespace) this.finishNamespace(meta.namespace);
      return;
    }
    if (meta.deletionTimestamp !== undefined) {
      const finalizers = meta.finalizers ?? [];
      if (finalizers.includes('orphan')) this.orphanDependents(e.resource, obj);
      if (finalizers.includes('foregroundDeletion')) this.deleteDependents(e.resource, obj);
      if (e.resource.kind === 'Namespace' && e.prev?.metadata.deletionTimestamp === undefined) this.emptyNamespace(obj.metadata.name);
      return;
    }
    if (this.deleteDangling && e.type === 'ADDED' && (meta.ownerReferences?.length ?? 0) > 0) this.checkOwners(e.resource, obj);
  }

  private ownerExists(dependent: SimObject, ref: { apiVersion: string; kind: string; uid: string }): boolean {
    const resource = this.store.registry.byApiVersionKind(ref.apiVersion, ref.kind);
    if (!resource) return true; // a kind this cluster does not serve cannot be checked
    const owner = this.store.getByUid(ref.uid);
    if (!owner || owner.resource !== resource) return false;
    return !resource.namespaced || owner.object.metadata.namespace === dependent.metadata.namespace;
  }

  private checkOwners(resource: ResourceType, obj: SimObject): void {
    const refs = obj.metadata.ownerReferences ?? [];
    const absent = refs.filter((r) => !this.ownerExists(obj, r)).map((r) => r.uid);
    if (absent.length === 0) return;
    if (absent.length === refs.length) this.safeDelete(resource, obj);
    else this.dropOwnerRefs(resource, obj, new Set(absent));
  }

  private ownerGone(resource: ResourceType, dependent: SimObject, ownerUid: string): void {
    const others = (dependent.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid && this.ownerExists(dependent, r));
    if (others.length === 0) this.safeDelete(resource, dependent);
    else this.dropOwnerRefs(resource, dependent, new Set([ownerUid]));
  }

  private deleteDependents(resource: ResourceType, owner: SimObject): void {
    for (const dep of this.store.dependentsOf(owner.metadata.uid ?? '')) this.safeDelete(dep.resource, dep.object);
    this.finishForeground(resource, owner);
  }

  private finishForeground(resource: ResourceType, owner: SimObject): void {
    if (this.store.dependentsOf(owner.metadata.uid ?? '').length > 0) return;
    this.removeFinalizer(resource, owner, 'foregroundDeletion');
  }

  private orphanDependents(resource: ResourceType, owner: SimObject): void {
    const uid = owner.metadata.uid ?? '';
    for (const dep of this.store.dependentsOf(uid)) this.dropOwnerRefs(dep.resource, dep.object, new Set([uid]));
    this.removeFinalizer(resource, owner, 'orphan');
  }

  private emptyNamespace(namespace: string): void {
    for (const { resource, object } of this.store.objectsInNamespace(namespace)) this.safeDelete(resource, object);
    this.finishNamespace(namespace);
  }

  private finishNamespace(namespace: string): void {
    const nsResource = this.store.registry.namespaces;
    const ns = this.store.get(nsResource, { namespace: '', name: namespace });
    if (!ns || ns.metadata.deletionTimestamp === undefined || this.store.countInNamespace(namespace) > 0) return;
    this.store.mutate(nsResource, { namespace: '', name: namespace }, (draft) => {
      if (isPlainObject(draft.spec)) draft.spec.finalizers = [];
    });
  }

  private removeFinalizer(resource: ResourceType, obj: SimObject, finalizer: string): void {
    this.store.mutate(resource, refOf(obj), (draft) => {
      const list = draft.metadata.finalizers ?? [];
      if (!list.includes(finalizer)) return false;
      draft.metadata.finalizers = list.filter((f) => f !== finalizer);
      return true;
    });
  }

  private dropOwnerRefs(resource: ResourceType, obj: SimObject, uids: Set<string>): void {
    this.store.mutate(resource, refOf(obj), (draft) => {
      draft.metadata.ownerReferences = (draft.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
    });
  }

  private safeDelete(resource: ResourceType, obj: SimObject): void {
    if (obj.metadata.deletionTimestamp !== undefined) return;
    try {
      this.store.delete(resource, refOf(obj), { propagationPolicy: 'Background' });
    } catch (err) {
      // Someone else deleted it first: nothing left to do.
      if (!isStatusError(err) || err.status.code !== 404) throw err;
    }
  }
}
