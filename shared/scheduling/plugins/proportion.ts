// proportion: weighted fair share between queues. Each queue's deserved share comes from weighted
// water-filling of the cluster total, capped by its real capability and its request and raised
// to its guarantee; allocation stops at deserved, enqueue admits within real capability, and
// reclaim takes only from queues above their deserved share.

import { PERMIT, REJECT } from '../extension-points.js';
import type { PluginDefinition } from '../plugin.js';
import type { QueueInfo } from '../queue-info.js';
import { denseAdd } from '../resource-space.js';
import type { Session } from '../session.js';
import type { TaskInfo } from '../task-info.js';
import { EPSILON, type QueueAttr, buildQueueAttrs, fitsOnDims, lessEqual, shareOf } from './queue-shares.js';

/** Weighted water-filling of `total` over queues that have jobs (Volcano's proportion rule). */
export function waterFill(attrs: readonly QueueAttr[], total: Float64Array): void {
  const D = total.length;
  const remaining = Float64Array.from(total);
  const met = new Set<QueueAttr>();
  for (;;) {
    let totalWeight = 0;
    for (const a of attrs) if (!met.has(a)) totalWeight += a.queue.weight;
    if (totalWeight === 0) break;
    const before = Float64Array.from(remaining);
    const increased = new Float64Array(D);
    const decreased = new Float64Array(D);
    for (const a of attrs) {
      if (met.has(a)) continue;
      const old = Float64Array.from(a.deserved);
      for (let d = 0; d < D; d++) {
        let v = (a.deserved[d] as number) + ((remaining[d] as number) * a.queue.weight) / totalWeight;
        v = Math.min(v, a.realCapability[d] as number);
        v = Math.min(v, a.request[d] as number);
        v = Math.max(v, a.guarantee[d] as number);
        a.deserved[d] = v;
      }
      let unchanged = true;
      for (let d = 0; d < D; d++) if (Math.abs((a.deserved[d] as number) - (old[d] as number)) > EPSILON) unchanged = false;
      if (lessEqual(a.request, a.deserved) || unchanged) met.add(a);
      for (let d = 0; d < D; d++) {
        const diff = (a.deserved[d] as number) - (old[d] as number);
        if (diff > 0) increased[d] = (increased[d] as number) + diff;
        else decreased[d] = (decreased[d] as number) - diff;
      }
    }
    let empty = true;
    let same = true;
    for (let d = 0; d < D; d++) {
      remaining[d] = Math.max(0, (remaining[d] as number) - (increased[d] as number) + (decreased[d] as number));
      if ((remaining[d] as number) >= EPSILON) empty = false;
      if (Math.abs((remaining[d] as number) - (before[d] as number)) > EPSILON) same = false;
    }
    if (empty || same) break;
  }
}

export const proportionPlugin: PluginDefinition = {
  name: 'proportion',
  description: 'queue fair share by weight (deserved), capped by capability, raised to guarantee',
  arguments: {},
  create: () => {
    let attrs = new Map<QueueInfo, QueueAttr>();
    return {
      name: 'proportion',
      onSessionOpen(ssn: Session) {
        attrs = buildQueueAttrs(ssn);
        const withJobs = [...attrs.values()].filter((a) => a.queue.jobs.length > 0);
        waterFill(withJobs, ssn.totalAllocatable);
        for (const a of attrs.values()) a.share = shareOf(a.allocated, a.deserved);
        const attrOf = (q: QueueInfo): QueueAttr => attrs.get(q)!;

        ssn.add('proportion', 'queueOrder', (l, r) => {
          if (l.priority !== r.priority) return r.priority - l.priority;
          const d = attrOf(l).share - attrOf(r).share;
          return d < 0 ? -1 : d > 0 ? 1 : 0;
        });
        ssn.add('proportion', 'overused', (q) => lessEqual(attrOf(q).deserved, attrOf(q).allocated));
        ssn.add('proportion', 'allocatable', (q, task) => q.isOpen && fitsOnDims(attrOf(q).allocated, task.dense, attrOf(q).deserved));
        ssn.add('proportion', 'preemptive', (q, task) => fitsOnDims(attrOf(q).allocated, task.dense, attrOf(q).deserved));
        ssn.add('proportion', 'reclaimable', (_reclaimer, candidates) => {
          const allocated = new Map<QueueAttr, Float64Array>();
          const victims: TaskInfo[] = [];
          for (const c of candidates) {
            if (c.job.queue === undefined) continue;
            const a = attrOf(c.job.queue);
            let alloc = allocated.get(a);
            if (alloc === undefined) allocated.set(a, (alloc = Float64Array.from(a.allocated)));
            if (!lessEqual(alloc, a.deserved)) {
              denseAdd(alloc, c.dense, -1);
              victims.push(c);
            }
          }
          return victims;
        });
        ssn.add('proportion', 'jobEnqueueable', (job) => {
          const q = job.queue;
          if (q === undefined) return REJECT;
          if (!q.isOpen) {
            ssn.explain(job, `queue "${q.name}" is ${q.state}`);
            return REJECT;
          }
          if (job.minResources === undefined) return PERMIT;
          const a = attrOf(q);
          const min = ssn.space.dense(job.minResources);
          const base = Float64Array.from(a.allocated);
          denseAdd(base, a.inqueue);
          if (fitsOnDims(base, min, a.realCapability, a.elastic)) return PERMIT;
          ssn.explain(job, `queue resource quota insufficient: queue "${q.name}" cannot admit ${job.minResources.toString()}`);
          return REJECT;
        });
        ssn.add('proportion', 'jobEnqueued', (job) => {
          if (job.queue === undefined || job.minResources === undefined) return;
          denseAdd(attrOf(job.queue).inqueue, ssn.space.dense(job.minResources));
        });
        const update = (task: TaskInfo, sign: 1 | -1): void => {
          if (task.job.queue === undefined) return;
          const a = attrOf(task.job.queue);
          denseAdd(a.allocated, task.dense, sign);
          a.share = shareOf(a.allocated, a.deserved);
        };
        ssn.add('proportion', 'allocateEvent', (e) => update(e.task, 1));
        ssn.add('proportion', 'deallocateEvent', (e) => update(e.task, -1));
      },
      onSessionClose(ssn: Session) {
        for (const a of attrs.values()) ssn.reportQueue(a.queue, { deserved: Float64Array.from(a.deserved), share: a.share });
      },
    };
  },
};
