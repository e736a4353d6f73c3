// A transaction over the session: allocate, pipeline and evict change only session state (and fire
// the plugins' event handlers); commit turns them into decisions, discard undoes them in reverse
// order. A gang goes through one statement, so it commits whole or not at all.

import type { NodeInfo } from './node-info.js';
import type { Session } from './session.js';
import type { TaskInfo } from './task-info.js';
import type { TaskStatus } from './task-status.js';

interface Operation {
  readonly kind: 'allocate' | 'pipeline' | 'evict';
  readonly task: TaskInfo;
  readonly previousStatus: TaskStatus;
  readonly previousNode: NodeInfo | undefined;
  readonly reason: string;
}

export class StatementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatementError';
  }
}

export class Statement {
  private operations: Operation[] = [];

  constructor(private readonly ssn: Session) {}

  /** Number of operations not yet committed or discarded. */
  get size(): number {
    return this.operations.length;
  }

  /** Gives a Pending task the node (its request fits the node's idle resources). */
  allocate(task: TaskInfo, node: NodeInfo): void {
    this.expect(task, 'Pending', 'allocate');
    this.record('allocate', task, '');
    this.ssn.setTaskStatus(task, 'Allocated', node);
  }

  /** Reserves the node for a Pending task that waits for resources being released there. */
  pipeline(task: TaskInfo, node: NodeInfo): void {
    this.expect(task, 'Pending', 'pipeline');
    this.record('pipeline', task, '');
    this.ssn.setTaskStatus(task, 'Pipelined', node);
  }

  /** Marks a task on a node for eviction: its resources become releasing. */
  evict(task: TaskInfo, reason: string): void {
    if (task.node === undefined || (task.status !== 'Running' && task.status !== 'Bound' && task.status !== 'Allocated' && task.status !== 'Binding')) {
      throw new StatementError(`cannot evict task ${task.job.id}/${task.id} in status ${task.status}`);
    }
    this.record('evict', task, reason);
    this.ssn.setTaskStatus(task, 'Releasing', task.node);
  }

  /** Makes every operation real: binds, evictions and nominations become decisions. */
  commit(): void {
    const ops = this.operations;
    this.operations = [];
    for (const op of ops) {
      const task = op.task;
      const node = task.node;
      if (node === undefined) continue;
      const domain = node.domain?.name;
      if (op.kind === 'allocate') {
        this.ssn.setTaskStatus(task, 'Binding', node);
        this.ssn.emit(domain === undefined
          ? { type: 'bind', job: task.job.id, task: task.id, node: node.name }
          : { type: 'bind', job: task.job.id, task: task.id, node: node.name, domain });
      } else if (op.kind === 'pipeline') {
        this.ssn.emit(domain === undefined
          ? { type: 'pipeline', job: task.job.id, task: task.id, node: node.name }
          : { type: 'pipeline', job: task.job.id, task: task.id, node: node.name, domain });
      } else {
        this.ssn.emit(domain === undefined
          ? { type: 'evict', job: task.job.id, task: task.id, node: node.name, reason: op.reason }
          : { type: 'evict', job: task.job.id, task: task.id, node: node.name, domain, reason: op.reason });
      }
    }
    this.ssn.counters.statementsCommitted++;
  }

  /** Undoes every operation, newest first, restoring the session exactly. */
  discard(): void {
    const ops = this.operations;
    this.operations = [];
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      this.ssn.setTaskStatus(op.task, op.previousStatus, op.previousNode);
    }
    this.ssn.counters.statementsDiscarded++;
  }

  /** Takes over another statement's operations (they commit or discard with this one). */
  merge(other: Statement): void {
    for (const op of other.operations) this.operations.push(op);
    other.operations = [];
  }

  /** Forgets the operations without undoing them: the session keeps them as in-cycle reservations. */
  keep(): void {
    this.operations = [];
  }

  private expect(task: TaskInfo, status: TaskStatus, op: string): void {
    if (task.status !== status) throw new StatementError(`cannot ${op} task ${task.job.id}/${task.id} in status ${task.status}`);
  }

  private record(kind: Operation['kind'], task: TaskInfo, reason: string): void {
    this.operations.push({ kind, task, previousStatus: task.status, previousNode: task.node, reason });
  }
}
