/**
 * What is requested on each node: Σ requests and the count of every non-terminated pod bound to it,
 * whoever scheduled the pod. Kept incrementally from the pod cache; listeners learn which nodes'
 * usage changed.
 */
import type { Pod } from '../shared/api/core.js';
import { podRequest } from '../shared/resources/pod-request.js';
import { ResourceVector } from '../shared/resources/resource-vector.js';
import type { ObjectStore } from './kube/object-store.js';

export interface NodeUse {
  requested: ResourceVector;
  pods: number;
  /** part of `requested` held by pods that are being deleted */
  releasing: ResourceVector;
}

interface Held {
  node: string;
  request: ResourceVector;
  releasing: boolean;
}

/** A pod holds node resources while it is bound and has not finished. */
export function holdsNode(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec.nodeName && phase !== 'Succeeded' && phase !== 'Failed';
}

export class NodeUsage {
  private readonly byNode = new Map<string, NodeUse>();
  private readonly byPod = new Map<string, Held>();
  private readonly listeners: ((node: string) => void)[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly pods: ObjectStore<Pod>) {}

  start(): void {
    for (const p of this.pods.values()) this.apply(p);
    this.unsubscribe = this.pods.on((ev) => (ev.type === 'deleted' ? this.forget(ev.obj) : this.apply(ev.obj)));
  }

  stop(): void {
    this.unsubscribe?.();
  }

  onChange(fn: (node: string) => void): void {
    this.listeners.push(fn);
  }

  of(node: string): NodeUse {
    return this.byNode.get(node) ?? { requested: ResourceVector.empty(), pods: 0, releasing: ResourceVector.empty() };
  }

  private key(p: Pod): string {
    return `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
  }

  private apply(pod: Pod): void {
    const key = this.key(pod);
    const prev = this.byPod.get(key);
    if (!holdsNode(pod)) {
      if (prev) this.forget(pod);
      return;
    }
    const releasing = !!pod.metadata.deletionTimestamp;
    if (prev && prev.node === pod.spec.nodeName && prev.releasing === releasing) return;
    if (prev) this.release(prev);
    const held: Held = { node: pod.spec.nodeName!, request: prev?.request ?? podRequest(pod.spec), releasing };
    this.byPod.set(key, held);
    const use = this.of(held.node);
    this.byNode.set(held.node, {
      requested: use.requested.add(held.request),
      pods: use.pods + 1,
      releasing: releasing ? use.releasing.add(held.request) : use.releasing,
    });
    this.emit(held.node);
  }

  private forget(pod: Pod): void {
    const key = this.key(pod);
    const prev = this.byPod.get(key);
    if (!prev) return;
    this.byPod.delete(key);
    this.release(prev);
    this.emit(prev.node);
  }

  private release(held: Held): void {
    const use = this.of(held.node);
    this.byNode.set(held.node, {
      requested: use.requested.subClamped(held.request),
      pods: Math.max(0, use.pods - 1),
      releasing: held.releasing ? use.releasing.subClamped(held.request) : use.releasing,
    });
  }

  private emit(node: string): void {
    for (const l of this.listeners) l(node);
  }
}
