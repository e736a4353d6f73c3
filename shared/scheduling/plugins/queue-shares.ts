// Dense per-queue bookkeeping shared by proportion and capacity.

import type { JobInfo } from '../job-info.js';
import type { QueueInfo } from '../queue-info.js';
import { denseAdd } from '../resource-space.js';
import type { Session } from '../session.js';

export const EPSILON = 0.1;

export interface QueueAttr {
  readonly queue: QueueInfo;
  /** Σ requests of allocated (and pipelined) tasks. */
  readonly allocated: Float64Array;
  /** allocated + pending requests. */
  readonly request: Float64Array;
  /** minResources of admitted jobs not yet allocated. */
  readonly inqueue: Float64Array;
  /** Σ of jobs' allocation above their minResources. */
  readonly elastic: Float64Array;
  /** Capability with unset dimensions unlimited. */
  readonly capability: Float64Array;
  readonly guarantee: Float64Array;
  readonly realCapability: Float64Array;
  readonly deserved: Float64Array;
  share: number;
}

/** max over dims of allocated/deserved; a zero deserved counts as 1 when something is allocated. */
export function shareOf(allocated: Float64Array, deserved: Float64Array): number {
  let s = 0;
  for (let d = 0; d < allocated.length; d++) {
    const a = allocated[d] as number;
    const q = deserved[d] as number;
    const v = q <= 0 ? (a > 0 ? 1 : 0) : a / q;
    if (v > s) s = v;
  }
  return s;
}

/** a ≤ b in every dimension (within epsilon). */
export function lessEqual(a: Float64Array, b: Float64Array): boolean {
  for (let d = 0; d < a.length; d++) if ((a[d] as number) > (b[d] as number) + EPSILON) return false;
  return true;
}

/** base + extra ≤ limit on the dimensions where `extra` is non-zero (missing counts as given). */
export function fitsOnDims(base: Float64Array, extra: Float64Array, limit: Float64Array, minus?: Float64Array): boolean {
  for (let d = 0; d < extra.length; d++) {
    const x = extra[d] as number;
    if (x <= 0) continue;
    const v = (base[d] as number) + x - (minus === undefined ? 0 : (minus[d] as number));
    if (v > (limit[d] as number) + EPSILON) return false;
  }
  return true;
}

/** The unallocated part of a job's minResources. */
export function inqueueOf(ssn: Session, job: JobInfo): Float64Array {
  const min = ssn.space.dense(job.minResources);
  const out = new Float64Array(min.length);
  for (let d = 0; d < min.length; d++) out[d] = Math.max(0, (min[d] as number) - (job.allocated[d] as number));
  return out;
}

/** Builds the per-queue attributes for every queue (capability unset or ≤ 0 is unlimited). */
export function buildQueueAttrs(ssn: Session): Map<QueueInfo, QueueAttr> {
  const D = ssn.space.size;
  const attrs = new Map<QueueInfo, QueueAttr>();
  const totalGuarantee = new Float64Array(D);
  for (const q of ssn.queues) denseAdd(totalGuarantee, ssn.space.dense(q.guarantee));
  for (const queue of ssn.queues) {
    const capability = new Float64Array(D).fill(Number.POSITIVE_INFINITY);
    if (queue.capability !== undefined) {
      const c = ssn.space.dense(queue.capability);
      for (const name of queue.capability.names()) {
        const d = ssn.space.dim(name);
        if (d >= 0 && (c[d] as number) > 0) capability[d] = c[d] as number;
      }
    }
    const guarantee = Float64Array.from(ssn.space.dense(queue.guarantee));
    const realCapability = new Float64Array(D);
    for (let d = 0; d < D; d++) {
      realCapability[d] = Math.min(capability[d] as number, (ssn.totalAllocatable[d] as number) - (totalGuarantee[d] as number) + (guarantee[d] as number));
    }
    const attr: QueueAttr = {
      queue,
      allocated: new Float64Array(D),
      request: new Float64Array(D),
      inqueue: new Float64Array(D),
      elastic: new Float64Array(D),
      capability,
      guarantee,
      realCapability,
      deserved: new Float64Array(D),
      share: 0,
    };
    for (const job of queue.jobs) {
      for (const t of job.tasks) {
        if (t.status === 'Pending') denseAdd(attr.request, t.dense);
      }
      denseAdd(attr.allocated, job.allocated);
      denseAdd(attr.request, job.allocated);
      const min = ssn.space.dense(job.minResources);
      if (job.phase === 'Inqueue' || (job.phase === 'Running' && job.minResources !== undefined && job.counts.ready >= job.minMember)) {
        if (job.minResources !== undefined) denseAdd(attr.inqueue, inqueueOf(ssn, job));
      }
      if (job.minResources !== undefined) {
        for (let d = 0; d < D; d++) attr.elastic[d] = (attr.elastic[d] as number) + Math.max(0, (job.allocated[d] as number) - (min[d] as number));
      }
    }
    attrs.set(queue, attr);
  }
  return attrs;
}
