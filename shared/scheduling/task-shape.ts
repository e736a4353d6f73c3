// Task shapes: everything node predicates and node scores may look at, interned per session.
//
// Tasks made from one task spec are identical to the scheduler, and so are tasks of different jobs
// with the same request, node selector, affinity and tolerations. Predicates and node scorers
// receive the shape, never the task, so their results can be cached per shape for the whole cycle.

import type { Affinity, Toleration } from '../api/core.js';
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

export class ShapeRegistry {
  readonly shapes: TaskShape[] = [];
  private readonly byKey = new Map<string, TaskShape>();
  private readonly partKeys = new WeakMap<object, string>();

  constructor(private readonly space: ResourceSpace) {}

  shapeOf(task: TaskSnapshot): TaskShape {
    const dense = this.space.dense(task.request);
    const key = `${this.part(task.request, () => Array.prototype.join.call(dense, ','))}|${this.json(task.nodeSelector)}|${this.json(task.affinity)}|${this.json(task.tolerations)}`;
    let shape = this.byKey.get(key);
    if (shape === undefined) {
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

  private json(x: object | undefined): string {
    if (x === undefined) return '';
    return this.part(x, () => JSON.stringify(x));
  }

  private part(x: object, make: () => string): string {
    let k = this.partKeys.get(x);
    if (k === undefined) {
      k = make();
      this.partKeys.set(x, k);
    }
    return k;
  }
}

function nonEmpty(rec: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> | undefined {
  if (rec === undefined) return undefined;
  for (const _ in rec) return rec;
  return undefined;
}
