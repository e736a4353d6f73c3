// Session view of one job (PodGroup): its tasks, live status counts and readiness predicates.

import type { PodGroupPhase } from '../api/podgroup.js';
import type { ResourceVector } from '../resources/resource-vector.js';
import type { DomainInfo } from './node-info.js';
import type { QueueInfo } from './queue-info.js';
import type { JobSnapshot } from './snapshot.js';
import type { TaskInfo } from './task-info.js';
import { STATUS_CODE, type TaskStatus } from './task-status.js';

const C = STATUS_CODE;

/** Counts of tasks per status (indexed by STATUS_CODE) plus pending BestEffort tasks. */
export class StatusCounts {
  readonly byStatus = new Int32Array(10);
  pendingBestEffort = 0;
  total = 0;

  /** Allocated, Binding, Bound, Running or Succeeded. */
  get ready(): number {
    const s = this.byStatus;
    return (s[C.Allocated] as number) + (s[C.Binding] as number) + (s[C.Bound] as number) + (s[C.Running] as number) + (s[C.Succeeded] as number);
  }

  /** Pipelined. */
  get waiting(): number {
    return this.byStatus[C.Pipelined] as number;
  }

  /** Allocated, Binding, Bound, Running, Succeeded, Pipelined or Pending. */
  get valid(): number {
    return this.ready + this.waiting + (this.byStatus[C.Pending] as number);
  }

  count(status: TaskStatus): number {
    return this.byStatus[C[status]] as number;
  }
}

export class JobInfo {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly queueName: string;
  readonly minMember: number;
  readonly minTaskMember: Readonly<Record<string, number>> | undefined;
  readonly minResources: ResourceVector | undefined;
  readonly priority: number;
  readonly creationTimestamp: number;
  readonly annotations: Readonly<Record<string, string>>;
  readonly preemptable: boolean;
  readonly tasks: TaskInfo[] = [];
  /** PodGroup phase; enqueue (or allocate, without enqueue) moves Pending to Inqueue. */
  phase: PodGroupPhase;
  readonly counts = new StatusCounts();
  /** Per-role counts, kept only when the job has minTaskMember. */
  readonly roleCounts: Map<string, StatusCounts> | undefined;
  /** Σ requests of tasks in Allocated, Binding, Bound or Running (dense). */
  readonly allocated: Float64Array;
  /** Tasks with a node, per domain (only kept when nodes have domains). */
  readonly placedByDomain = new Map<DomainInfo, number>();

  constructor(readonly snapshot: JobSnapshot, readonly queue: QueueInfo | undefined, dims: number) {
    this.id = snapshot.id;
    this.name = snapshot.name;
    this.namespace = snapshot.namespace;
    this.queueName = snapshot.queue;
    this.minMember = snapshot.minMember;
    this.minTaskMember = snapshot.minTaskMember;
    this.minResources = snapshot.minResources;
    this.priority = snapshot.priority ?? 0;
    this.creationTimestamp = snapshot.creationTimestamp;
    this.annotations = snapshot.annotations ?? {};
    this.preemptable = snapshot.preemptable ?? false;
    this.phase = snapshot.phase ?? 'Pending';
    this.roleCounts = snapshot.minTaskMember !== undefined && Object.keys(snapshot.minTaskMember).length > 0 ? new Map() : undefined;
    this.allocated = new Float64Array(dims);
  }

  /** The PodGroup has not been admitted yet. */
  get isPending(): boolean {
    return this.phase === 'Pending';
  }

  /** The one domain the job's placed tasks are in, if any. */
  get placedDomain(): DomainInfo | undefined {
    for (const [d, n] of this.placedByDomain) if (n > 0) return d;
    return undefined;
  }

  readyTaskNum(): number {
    return this.counts.ready;
  }

  waitingTaskNum(): number {
    return this.counts.waiting;
  }

  validTaskNum(): number {
    return this.counts.valid;
  }

  /** Ready + pending BestEffort tasks reach minMember. */
  isReady(): boolean {
    return this.counts.ready + this.counts.pendingBestEffort >= this.minMember;
  }

  /** Ready + pipelined + pending BestEffort tasks reach minMember. */
  isPipelined(): boolean {
    return this.counts.waiting + this.counts.ready + this.counts.pendingBestEffort >= this.minMember;
  }

  /** Ready + pipelined tasks are below minMember. */
  isStarving(): boolean {
    return this.counts.waiting + this.counts.ready < this.minMember;
  }

  /** Per-role check of `which` count against minTaskMember; skipped when minMember < Σ minTaskMember. */
  checkRoles(which: 'ready' | 'pipelined' | 'valid'): boolean {
    if (this.roleCounts === undefined || this.minTaskMember === undefined) return true;
    let sum = 0;
    for (const k in this.minTaskMember) sum += this.minTaskMember[k] as number;
    if (this.minMember < sum) return true;
    for (const role in this.minTaskMember) {
      const min = this.minTaskMember[role] as number;
      const c = this.roleCounts.get(role);
      if (c === undefined) {
        if (min > 0) return false;
        continue;
      }
      const n = which === 'ready' ? c.ready + c.pendingBestEffort : which === 'pipelined' ? c.ready + c.waiting + c.pendingBestEffort : c.valid;
      if (n < min) return false;
    }
    return true;
  }

  /** Tasks currently in `status`. */
  tasksIn(status: TaskStatus): TaskInfo[] {
    return this.tasks.filter((t) => t.status === status);
  }
}
