// Shared by preempt and reclaim: evicting victims on one node until a task fits there.

import type { NodeInfo } from '../node-info.js';
import type { Scope } from '../node-search.js';
import type { Session } from '../session.js';
import type { Statement } from '../statement.js';
import type { TaskInfo } from '../task-info.js';

/** Victims least worth keeping first: within a job by reverse task order, across jobs by reverse job order. */
export function victimOrder(ssn: Session, victims: TaskInfo[]): TaskInfo[] {
  return victims.sort((l, r) => (l.job === r.job ? ssn.taskOrder(r, l) : ssn.jobOrder(r.job, l.job)));
}

/** The task's request fits the node's future idle (idle + releasing − pipelined). */
export function fitsFutureIdle(task: TaskInfo, node: NodeInfo): boolean {
  const dims = task.shape.dims;
  for (let k = 0; k < dims.length; k++) {
    if ((task.shape.amounts[k] as number) > node.futureIdleOf(dims[k] as number)) return false;
  }
  return true;
}

/** Σ victims' requests plus the node's future idle covers the task. */
function victimsSuffice(task: TaskInfo, node: NodeInfo, victims: readonly TaskInfo[]): boolean {
  const dims = task.shape.dims;
  for (let k = 0; k < dims.length; k++) {
    const d = dims[k] as number;
    let free = node.futureIdleOf(d);
    for (const v of victims) free += v.dense[d] as number;
    if ((task.shape.amounts[k] as number) > free) return false;
  }
  return true;
}

export interface EvictionSearch {
  /** Eviction candidates on a node, before the plugins choose victims. */
  candidatesOn(node: NodeInfo): TaskInfo[];
  /** The plugins' choice of victims among candidates. */
  choose(task: TaskInfo, candidates: TaskInfo[]): TaskInfo[];
  /** Extra condition before the task may stop evicting (e.g. its queue may take it). */
  enough(task: TaskInfo): boolean;
  reason: string;
}

/**
 * Walks the scope's nodes (best score first), evicting victims on the first node where they make
 * room, and pipelines the task there. The evictions join `stmt` only when the task got a node.
 */
export function evictForTask(ssn: Session, stmt: Statement, task: TaskInfo, scope: Scope, search: EvictionSearch): boolean {
  for (const node of ssn.search.candidates(task.shape, scope)) {
    const candidates = search.candidatesOn(node);
    if (candidates.length === 0) continue;
    const victims = search.choose(task, candidates);
    if (victims.length === 0 || !victimsSuffice(task, node, victims)) continue;
    const nodeStmt = ssn.statement();
    for (const victim of victimOrder(ssn, [...victims])) {
      if (fitsFutureIdle(task, node) && search.enough(task)) break;
      nodeStmt.evict(victim, search.reason);
    }
    if (fitsFutureIdle(task, node) && search.enough(task)) {
      nodeStmt.pipeline(task, node);
      stmt.merge(nodeStmt);
      return true;
    }
    nodeStmt.discard();
  }
  return false;
}
