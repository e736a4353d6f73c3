// Session view of one task. Its status and node change only through a Statement (or the
// session's own direct allocation for backfill), which keeps job, node and plugin state in step.

import type { ResourceVector } from '../resources/resource-vector.js';
import type { JobInfo } from './job-info.js';
import type { NodeInfo } from './node-info.js';
import type { TaskSnapshot } from './snapshot.js';
import type { TaskShape } from './task-shape.js';
import type { TaskStatus } from './task-status.js';

const INDEX_SUFFIX = /-(\d+)$/;

export class TaskInfo {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  /** Pod index: the snapshot's, else the number at the end of the name, else the position in the job. */
  readonly index: number;
  readonly priority: number;
  readonly preemptable: boolean;
  readonly request: ResourceVector;
  /** Current status (session-owned: change it through a Statement). */
  status: TaskStatus;
  /** Current node (session-owned). */
  node: NodeInfo | undefined;

  constructor(
    readonly snapshot: TaskSnapshot,
    readonly job: JobInfo,
    readonly shape: TaskShape,
    position: number,
    node: NodeInfo | undefined,
  ) {
    this.id = snapshot.id;
    this.name = snapshot.name;
    this.role = snapshot.role ?? '';
    this.index = snapshot.index ?? indexFromName(snapshot.name, position);
    this.priority = snapshot.priority ?? 1;
    this.preemptable = snapshot.preemptable ?? true;
    this.request = snapshot.request;
    this.status = snapshot.status;
    this.node = node;
  }

  /** The request as a dense array (shared with the shape: read-only). */
  get dense(): Float64Array {
    return this.shape.dense;
  }

  get bestEffort(): boolean {
    return this.shape.bestEffort;
  }
}

function indexFromName(name: string, position: number): number {
  const m = INDEX_SUFFIX.exec(name);
  return m === null ? position : Number(m[1]);
}
