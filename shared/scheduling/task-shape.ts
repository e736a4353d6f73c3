// Task shapes: everything node predicates and node scores may look at, interned per session.
//
// Tasks made from one task spec are identical to the scheduler, and so are tasks of different jobs
// with the same request, node selector, affinity and tolerations. Predicates and node scorers
// receive the shape, never the task, so their results can be cached per shape for the whole cycle.

import type { Affinity, Toleration } from '../api/core.js';
import { CPU, MEMORY, PODS } from '../resources/resource-units.js';
import type { ResourceVector } from '../resources/resource-vector.js';
import type { ResourceSpace } from './resource-space.js';
import type { TaskSnapshot } from './snapshot.js';

export interface TaskShape {
  /** Session-local id (dense, from 0). */
  readonly id: number;
  readonly key: string;
  readonly request: ResourceVector;
  /** The request as a dense array over the session's resource dimensions. */
  readonly dense: Float64Array;
  /** Dimensions with a non-zero request, and the amounts. */
  readonly dims: Int32Array;
  readonly amounts: Float64Array;
  readonly nodeSelector: Readonly<Record<string, string>> | undefined;
  readonly affinity: Affinity | undefined;
  readonly tolerations: readonly Toleration[] | undefined;
  /** The task requests nothing (Kubernetes BestEffort). */
  readonly bestEffort: boolean;
}

/**
 * Shape keys do not depend on the session: a task snapshot's key is computed once and reused by
 * every later cycle that sees the same (immutable) snapshot object.
 */
const taskKeys = new WeakMap<TaskSnapshot, string>();
const requestKeys = new WeakMap<ResourceVector, string>();
const jsonKeys = new WeakMap<object, string>();

/**
 * The request part of a shape key: cpu, memory and every other non-zero amount but `pods` (which is
 * no dimension of a session's resource space). Two requests get the same key exactly when their
 * dense forms are equal in any session that holds both.
 */
function requestKey(v: ResourceVector): string {
  let k = requestKeys.get(v);
  if (k === undefined) {
    k = `${v.cpu},${v.memory}`;
    for (const name of v.names()) {
      if (name === CPU || name === MEMORY || name === PODS) continue;
      const amount = v.get(name);
      if (amount !== 0) k += `,${name}=${amount}`;
    }
    requestKeys.set(v, k);
  }
  return k;
}

function jsonKey(x: object | undefined): string {
  if (x === undefined) return '';
  let k = jsonKeys.get(x);
  if (k === undefined) {
    k = JSON.stringify(x);
    jsonKeys.set(x, k);
  }
  return k;
}

/** The key that interns a task's shape: request, node selector, affinity, tolerations. */
export function shapeKey(task: TaskSnapshot): string {
  let k = taskKeys.get(task);
  if (k === undefined) {
    k = `${requestKey(task.request)}|${jsonKey(task.nodeSelector)}|${jsonKey(task.affinity)}|${jsonKey(task.tolerations)}`;
    taskKeys.set(task, k);
  }
  return k;
}

export class ShapeRegistry {
  readonly shapes: TaskShape[] = [];
  private readonly byKey = new Map<string, TaskShape>();

  constructor(private readonly space: ResourceSpace) {}

  /** The task's shape (`key`: its shape key, when the caller has it already). */
  shapeOf(task: TaskSnapshot, key: string = shapeKey(task)): TaskShape {
    let shape = this.byKey.get(key);
    if (shape === undefined) {
      const dense = this.space.dense(task.request);
      let n = 0;
      for (let d = 0; d < dense.length; d++) if ((dense[d] as number) > 0) n++;
      const dims = new Int32Array(n);
      const amounts = new Float64Array(n);
      n = 0;
      for (let d = 0; d < dense.length; d++) {
        if ((dense[d] as number) > 0) {
          dims[n] = d;
          amounts[n++] = dense[d] as number;
        }
      }
      shape = Object.freeze({
        id: this.shapes.length,
        key,
        request: task.request,
        dense,
        dims,
        amounts,
        nodeSelector: nonEmpty(task.nodeSelector),
        affinity: task.affinity,
        tolerations: task.tolerations !== undefined && task.tolerations.length > 0 ? task.tolerations : undefined,
        bestEffort: n === 0,
      });
      this.shapes.push(shape);
      this.byKey.set(key, shape);
    }
    return shape;
  }
}

function nonEmpty(rec: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> | undefined {
  if (rec === undefined) return undefined;
  for (const _ in rec) return rec;
  return undefined;
}
