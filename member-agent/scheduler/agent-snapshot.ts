/**
 * The scheduler's picture of this cluster, kept incrementally from the informer caches: each node,
 * queue and PodGroup is re-described only when something about it changed, and a SnapshotStore hands
 * out an immutable ClusterSnapshot per cycle.
 *
 * A PodGroup is a job; its tasks are the pods that name it and one of our scheduler names. Every
 * other pod bound to a node (kube-scheduler's, a pod whose PodGroup is gone) is "other" usage of that
 * node. Pods we just bound but whose binding the cache has not shown yet stay "Binding" on their node,
 * so the next cycle does not place them again.
 */
import type { Node, Pod } from '../../shared/api/core.js';
import type { PodGroup, PodGroupPhase } from '../../shared/api/podgroup.js';
import type { Queue } from '../../shared/api/queue.js';
import {
  POD_GROUP_NAME_ANNOTATION,
  PREEMPTABLE_KEY,
  TASK_INDEX_LABEL,
  TASK_PRIORITY_ANNOTATION,
  TASK_SPEC_LABEL,
} from '../../shared/api/well-known.js';
import { podRequest } from '../../shared/resources/pod-request.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import {
  SnapshotStore,
  type ClusterSnapshot,
  type JobSnapshot,
  type NodeSnapshot,
  type QueueSnapshot,
  type TaskSnapshot,
  type TaskStatus,
} from '../../shared/scheduling/index.js';
import { PODS_BY_GROUP } from '../cluster-caches.js';
import type { ObjectStore } from '../kube/object-store.js';
import { nodeReady } from '../reporter/reporter.js';

export interface AgentSnapshotSources {
  nodes: ObjectStore<Node>;
  /** must carry the PODS_BY_GROUP index */
  pods: ObjectStore<Pod>;
  podGroups: ObjectStore<PodGroup>;
  queues: ObjectStore<Queue>;
}

interface Held {
  node: string;
  request: ResourceVector;
  releasing: boolean;
}

interface Other {
  used: ResourceVector;
  releasing: ResourceVector;
  pods: number;
}

function podKey(p: Pod): string {
  return `${p.metadata.namespace ?? 'default'}/${p.metadata.name ?? ''}`;
}

function groupKeyOf(p: Pod): string | undefined {
  const g = p.metadata.annotations?.[POD_GROUP_NAME_ANNOTATION];
  return g ? `${p.metadata.namespace ?? 'default'}/${g}` : undefined;
}

function quantities(list: Record<string, string | number> | undefined): ResourceVector | undefined {
  if (!list) return undefined;
  try {
    return ResourceVector.fromQuantities(list);
  } catch {
    return undefined;
  }
}

function timeOf(ts: string | undefined): number {
  const t = Date.parse(ts ?? '');
  return Number.isFinite(t) ? t : 0;
}

/** The scheduler's status of a pod (with our own binding in flight, if any). */
export function taskStatusOf(pod: Pod, assumedNode: string | undefined): { status: TaskStatus; node?: string } {
  const node = pod.spec.nodeName;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return node ? { status: 'Succeeded', node } : { status: 'Succeeded' };
  if (phase === 'Failed') return node ? { status: 'Failed', node } : { status: 'Failed' };
  if (pod.metadata.deletionTimestamp) return node ? { status: 'Releasing', node } : { status: 'Releasing' };
  if (!node) return assumedNode ? { status: 'Binding', node: assumedNode } : { status: 'Pending' };
  if (phase === 'Running') return { status: 'Running', node };
  if (phase === 'Unknown') return { status: 'Unknown', node };
  return { status: 'Bound', node };
}

export class AgentSnapshot {
  private readonly store = new SnapshotStore();
  private readonly dirtyNodes = new Set<string>();
  private readonly dirtyJobs = new Set<string>();
  private readonly dirtyQueues = new Set<string>();
  /** pods bound by us that the cache does not show bound yet: pod key → node */
  private readonly assumed = new Map<string, string>();
  /** PodGroup phases we wrote that the cache does not show yet: group key → phase */
  private readonly assumedPhases = new Map<string, PodGroupPhase>();
  private readonly otherByPod = new Map<string, Held>();
  private readonly otherByNode = new Map<string, Other>();
  /** a pod's request by uid: a pod's resources never change, but every watch event is a new object */
  private readonly requests = new Map<string, ResourceVector>();
  /** the task record of each pod, reused while the pod object (and our binding of it) is unchanged */
  private readonly tasks = new Map<string, { pod: Pod; assumed: string | undefined; task: TaskSnapshot }>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly src: AgentSnapshotSources,
    private readonly schedulerNames: ReadonlySet<string>,
  ) {}

  start(): void {
    const { nodes, pods, podGroups, queues } = this.src;
    this.unsubscribe.push(
      nodes.on((ev) => this.dirtyNodes.add(ev.obj.metadata.name ?? '')),
      queues.on((ev) => this.dirtyQueues.add(ev.obj.metadata.name ?? '')),
      podGroups.on((ev) => {
        const key = `${ev.obj.metadata.namespace ?? 'default'}/${ev.obj.metadata.name ?? ''}`;
        this.dirtyJobs.add(key);
        if (ev.type === 'deleted' || ev.obj.status?.phase === this.assumedPhases.get(key)) this.assumedPhases.delete(key);
        // A group appearing or going turns its pods into tasks or back into other usage.
        if (ev.type !== 'updated') for (const p of pods.byIndex(PODS_BY_GROUP, key)) this.track(p);
      }),
      pods.on((ev) => {
        const key = podKey(ev.obj);
        if (ev.type === 'deleted' || ev.obj.spec.nodeName) this.assumed.delete(key);
        const g = groupKeyOf(ev.obj);
        if (g) this.dirtyJobs.add(g);
        const og = ev.old ? groupKeyOf(ev.old) : undefined;
        if (og && og !== g) this.dirtyJobs.add(og);
        if (ev.type === 'deleted') {
          this.untrack(key);
          this.tasks.delete(key);
          if (ev.obj.metadata.uid) this.requests.delete(ev.obj.metadata.uid);
        } else this.track(ev.obj);
      }),
    );
    for (const n of nodes.values()) this.dirtyNodes.add(n.metadata.name ?? '');
    for (const q of queues.values()) this.dirtyQueues.add(q.metadata.name ?? '');
    for (const pg of podGroups.values()) this.dirtyJobs.add(`${pg.metadata.namespace ?? 'default'}/${pg.metadata.name ?? ''}`);
    for (const p of pods.values()) this.track(p);
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** True when something changed since the last snapshot. */
  get changed(): boolean {
    return this.dirtyNodes.size + this.dirtyJobs.size + this.dirtyQueues.size > 0;
  }

  /** Records that we bound `pod` to `node` (until the cache shows it). */
  assume(namespace: string, name: string, node: string): void {
    this.assumed.set(`${namespace}/${name}`, node);
    const pod = this.src.pods.get(namespace, name);
    const g = pod ? groupKeyOf(pod) : undefined;
    if (g) this.dirtyJobs.add(g);
  }

  /** A binding failed: the pod is pending again. */
  forget(namespace: string, name: string): void {
    if (!this.assumed.delete(`${namespace}/${name}`)) return;
    const pod = this.src.pods.get(namespace, name);
    const g = pod ? groupKeyOf(pod) : undefined;
    if (g) this.dirtyJobs.add(g);
  }

  /** Records a PodGroup phase we are writing (until the cache shows it). */
  assumePhase(groupKey: string, phase: PodGroupPhase): void {
    this.assumedPhases.set(groupKey, phase);
    this.dirtyJobs.add(groupKey);
  }

  /** The write of a PodGroup phase failed: the cache's phase stands. */
  forgetPhase(groupKey: string): void {
    if (this.assumedPhases.delete(groupKey)) this.dirtyJobs.add(groupKey);
  }

  snapshot(): ClusterSnapshot {
    const { nodes, podGroups, queues } = this.src;
    for (const name of this.dirtyNodes) {
      const n = nodes.get(undefined, name);
      if (n) this.store.upsertNode(this.nodeSnapshot(n));
      else this.store.removeNode(name);
    }
    this.dirtyNodes.clear();
    for (const name of this.dirtyQueues) {
      const q = queues.get(undefined, name);
      if (q) this.store.upsertQueue(this.queueSnapshot(q));
      else this.store.removeQueue(name);
    }
    this.dirtyQueues.clear();
    for (const key of this.dirtyJobs) {
      const [ns, name] = splitKey(key);
      const pg = podGroups.get(ns, name);
      if (pg) this.store.upsertJob(this.jobSnapshot(pg, key));
      else this.store.removeJob(key);
    }
    this.dirtyJobs.clear();
    return this.store.snapshot();
  }

  private isTask(p: Pod): boolean {
    if (!this.schedulerNames.has(p.spec.schedulerName ?? '')) return false;
    const g = p.metadata.annotations?.[POD_GROUP_NAME_ANNOTATION];
    return !!g && this.src.podGroups.get(p.metadata.namespace ?? 'default', g) !== undefined;
  }

  private requestOf(p: Pod): ResourceVector {
    const uid = p.metadata.uid;
    if (!uid) return podRequest(p.spec);
    let r = this.requests.get(uid);
    if (!r) this.requests.set(uid, (r = podRequest(p.spec)));
    return r;
  }

  /** Keeps the per-node "other usage" of pods that are not our tasks. */
  private track(p: Pod): void {
    const key = podKey(p);
    const phase = p.status?.phase;
    const holds = !!p.spec.nodeName && phase !== 'Succeeded' && phase !== 'Failed' && !this.isTask(p);
    const prev = this.otherByPod.get(key);
    if (!holds) {
      if (prev) this.untrack(key);
      return;
    }
    const releasing = !!p.metadata.deletionTimestamp;
    if (prev && prev.node === p.spec.nodeName && prev.releasing === releasing) return;
    if (prev) this.untrack(key);
    const held: Held = { node: p.spec.nodeName!, request: this.requestOf(p), releasing };
    this.otherByPod.set(key, held);
    const o = this.otherByNode.get(held.node) ?? { used: ResourceVector.empty(), releasing: ResourceVector.empty(), pods: 0 };
    this.otherByNode.set(held.node, {
      used: o.used.add(held.request),
      releasing: releasing ? o.releasing.add(held.request) : o.releasing,
      pods: o.pods + 1,
    });
    this.dirtyNodes.add(held.node);
  }

  private untrack(key: string): void {
    const prev = this.otherByPod.get(key);
    if (!prev) return;
    this.otherByPod.delete(key);
    const o = this.otherByNode.get(prev.node);
    if (!o) return;
    this.otherByNode.set(prev.node, {
      used: o.used.subClamped(prev.request),
      releasing: prev.releasing ? o.releasing.subClamped(prev.request) : o.releasing,
      pods: Math.max(0, o.pods - 1),
    });
    this.dirtyNodes.add(prev.node);
  }

  private nodeSnapshot(n: Node): NodeSnapshot {
    const name = n.metadata.name ?? '';
    const other = this.otherByNode.get(name);
    const allocatable = quantities(n.status?.allocatable) ?? ResourceVector.empty();
    const snap: NodeSnapshot = {
      name,
      allocatable,
      labels: n.metadata.labels ?? {},
      taints: n.spec?.taints ?? [],
      // Volcano schedules onto Ready nodes only.
      unschedulable: n.spec?.unschedulable === true || !nodeReady(n),
      ...(other ? { otherUsed: other.used, otherReleasing: other.releasing, otherPods: other.pods } : {}),
    };
    return snap;
  }

  private queueSnapshot(q: Queue): QueueSnapshot {
    const s = q.spec;
    const capability = quantities(s.capability);
    const deserved = quantities(s.deserved);
    const guarantee = quantities(s.guarantee?.resource);
    return {
      name: q.metadata.name ?? '',
      weight: s.weight ?? 1,
      reclaimable: s.reclaimable ?? true,
      state: q.status?.state ?? 'Open',
      priority: s.priority ?? 0,
      annotations: q.metadata.annotations ?? {},
      creationTimestamp: timeOf(q.metadata.creationTimestamp),
      ...(capability ? { capability } : {}),
      ...(deserved ? { deserved } : {}),
      ...(guarantee ? { guarantee } : {}),
      ...(s.parent ? { parent: s.parent } : {}),
    };
  }

  private jobSnapshot(pg: PodGroup, key: string): JobSnapshot {
    const tasks: TaskSnapshot[] = [];
    for (const p of this.src.pods.byIndex(PODS_BY_GROUP, key)) {
      if (!this.schedulerNames.has(p.spec.schedulerName ?? '')) continue;
      tasks.push(this.taskSnapshot(p));
    }
    const ann = pg.metadata.annotations ?? {};
    const minResources = quantities(pg.spec.minResources);
    const job: JobSnapshot = {
      id: key,
      name: pg.metadata.name ?? '',
      namespace: pg.metadata.namespace ?? 'default',
      queue: pg.spec.queue ?? 'default',
      minMember: pg.spec.minMember ?? 1,
      creationTimestamp: timeOf(pg.metadata.creationTimestamp),
      annotations: ann,
      phase: this.assumedPhases.get(key) ?? pg.status?.phase ?? 'Pending',
      conditions: pg.status?.conditions ?? [],
      preemptable: (ann[PREEMPTABLE_KEY] ?? pg.metadata.labels?.[PREEMPTABLE_KEY]) === 'true',
      tasks,
      ...(pg.spec.minTaskMember ? { minTaskMember: pg.spec.minTaskMember } : {}),
      ...(minResources ? { minResources } : {}),
      ...(pg.spec.priorityClassName ? { priorityClassName: pg.spec.priorityClassName } : {}),
    };
    return job;
  }

  private taskSnapshot(p: Pod): TaskSnapshot {
    const key = podKey(p);
    const assumed = this.assumed.get(key);
    const cached = this.tasks.get(key);
    if (cached && cached.pod === p && cached.assumed === assumed) return cached.task;
    const task = this.buildTask(p, assumed);
    this.tasks.set(key, { pod: p, assumed, task });
    return task;
  }

  private buildTask(p: Pod, assumed: string | undefined): TaskSnapshot {
    const { status, node } = taskStatusOf(p, assumed);
    const ann = p.metadata.annotations ?? {};
    const role = ann[TASK_SPEC_LABEL] ?? p.metadata.labels?.[TASK_SPEC_LABEL];
    const index = Number.parseInt(p.metadata.labels?.[TASK_INDEX_LABEL] ?? ann[TASK_INDEX_LABEL] ?? '', 10);
    const taskPriority = Number.parseInt(ann[TASK_PRIORITY_ANNOTATION] ?? '', 10);
    const preemptable = ann[PREEMPTABLE_KEY] ?? p.metadata.labels?.[PREEMPTABLE_KEY];
    const spec = p.spec;
    return {
      id: p.metadata.name ?? '',
      name: p.metadata.name ?? '',
      status,
      request: this.requestOf(p),
      priority: Number.isFinite(taskPriority) ? taskPriority : (spec.priority ?? 1),
      preemptable: preemptable === undefined ? true : preemptable === 'true',
      ...(node ? { node } : {}),
      ...(role ? { role } : {}),
      ...(Number.isFinite(index) ? { index } : {}),
      ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
      ...(spec.preemptionPolicy === 'Never' ? { preemptionPolicy: 'Never' as const } : {}),
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.affinity ? { affinity: spec.affinity } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
    };
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
