// capacity: elastic queues with an explicit deserved share (spec.deserved). A queue may borrow
// idle resources up to its real capability; reclaim takes back only what a queue holds above its
// deserved share and never below its guarantee. With enableHierarchy, queues form a tree through
// spec.parent: children inherit an unset capability from their parent, a child's real capability
// is its parent's minus the other children's guarantees, checks apply to every ancestor, and
// jobs may only run in leaf queues.

import { PERMIT, REJECT } from '../extension-points.js';
import type { PluginDefinition } from '../plugin.js';
import type { QueueInfo } from '../queue-info.js';
import { denseAdd } from '../resource-space.js';
import type { Session } from '../session.js';
import type { TaskInfo } from '../task-info.js';
import { EPSILON, type QueueAttr, buildQueueAttrs, fitsOnDims } from './queue-shares.js';

interface CapacityAttr extends QueueAttr {
  /** Dimensions with a configured deserved amount. */
  readonly hasDeserved: Uint8Array;
  parent: CapacityAttr | undefined;
  readonly children: CapacityAttr[];
}

function capacityShare(a: CapacityAttr): number {
  let any = false;
  let s = 0;
  for (let d = 0; d < a.allocated.length; d++) {
    if (a.hasDeserved[d] === 0) continue;
    any = true;
    const q = a.deserved[d] as number;
    const v = q <= 0 ? ((a.allocated[d] as number) > 0 ? 1 : 0) : (a.allocated[d] as number) / q;
    if (v > s) s = v;
  }
  return any ? s : 1;
}

export const capacityPlugin: PluginDefinition = {
  name: 'capacity',
  description: 'elastic queues: deserved share from spec.deserved, borrowing up to capability (hierarchical with enableHierarchy)',
  arguments: {},
  create: (option) => {
    const attrs = new Map<QueueInfo, CapacityAttr>();
    const hierarchical = option.enableHierarchy;
    return {
      name: 'capacity',
      onSessionOpen(ssn: Session) {
        const D = ssn.space.size;
        for (const base of buildQueueAttrs(ssn).values()) {
          const q = base.queue;
          const hasDeserved = new Uint8Array(D);
          if (q.deserved !== undefined) {
            const dense = ssn.space.dense(q.deserved);
            for (const name of q.deserved.names()) {
              const d = ssn.space.dim(name);
              if (d >= 0) {
                hasDeserved[d] = 1;
                base.deserved[d] = dense[d] as number;
              }
            }
          }
          attrs.set(q, { ...base, hasDeserved, parent: undefined, children: [] });
        }
        if (hierarchical) linkTree(ssn, attrs);
        for (const a of attrs.values()) {
          for (let d = 0; d < D; d++) {
            if (a.hasDeserved[d] === 0) continue;
            a.deserved[d] = Math.max(Math.min(a.deserved[d] as number, a.realCapability[d] as number), a.guarantee[d] as number);
          }
          a.share = capacityShare(a);
        }
        const attrOf = (q: QueueInfo): CapacityAttr => attrs.get(q)!;
        const chain = (a: CapacityAttr): CapacityAttr[] => {
          const out: CapacityAttr[] = [];
          for (let x: CapacityAttr | undefined = a; x !== undefined; x = hierarchical ? x.parent : undefined) out.push(x);
          return out;
        };
        const isLeaf = (q: QueueInfo): boolean => !hierarchical || attrOf(q).children.length === 0;

        ssn.add('capacity', 'queueOrder', (l, r) => {
          if (l.priority !== r.priority) return r.priority - l.priority;
          const la = attrOf(l);
          const ra = attrOf(r);
          const d = la.share - ra.share;
          if (d !== 0) return d < 0 ? -1 : 1;
          const lh = la.hasDeserved.some((x) => x === 1);
          const rh = ra.hasDeserved.some((x) => x === 1);
          return lh === rh ? 0 : lh ? -1 : 1;
        });
        ssn.add('capacity', 'allocatable', (q, task) => {
          if (!q.isOpen || !isLeaf(q)) return false;
          for (const a of chain(attrOf(q))) if (!fitsOnDims(a.allocated, task.dense, a.realCapability)) return false;
          return true;
        });
        ssn.add('capacity', 'preemptive', (q, task) => {
          const a = attrOf(q);
          if (!fitsOnDims(a.allocated, task.dense, a.realCapability)) return false;
          for (let d = 0; d < task.dense.length; d++) {
            if ((task.dense[d] as number) > 0 && (a.hasDeserved[d] === 0 || (a.allocated[d] as number) < (a.deserved[d] as number) - EPSILON)) return true;
          }
          return false;
        });
        ssn.add('capacity', 'reclaimable', (reclaimer, candidates) => {
          const allocated = new Map<CapacityAttr, Float64Array>();
          const victims: TaskInfo[] = [];
          for (const c of candidates) {
            if (c.job.queue === undefined) continue;
            const a = attrOf(c.job.queue);
            let alloc = allocated.get(a);
            if (alloc === undefined) allocated.set(a, (alloc = Float64Array.from(a.allocated)));
            let overlaps = false;
            let above = false;
            let keepsGuarantee = true;
            for (let d = 0; d < c.dense.length; d++) {
              const x = c.dense[d] as number;
              if (x <= 0) continue;
              if ((alloc[d] as number) - x < (a.guarantee[d] as number) - EPSILON) keepsGuarantee = false;
              if ((reclaimer.dense[d] as number) <= 0) continue;
              overlaps = true;
              if (a.hasDeserved[d] === 0 || (alloc[d] as number) > (a.deserved[d] as number) + EPSILON) above = true;
            }
            if (overlaps && above && keepsGuarantee) {
              denseAdd(alloc, c.dense, -1);
              victims.push(c);
            }
          }
          return victims;
        });
        ssn.add('capacity', 'jobEnqueueable', (job) => {
          const q = job.queue;
          if (q === undefined) return REJECT;
          if (!q.isOpen) {
            ssn.explain(job, `queue "${q.name}" is ${q.state}`);
            return REJECT;
          }
          if (!isLeaf(q)) {
            ssn.explain(job, `queue "${q.name}" is not a leaf queue`);
            return REJECT;
          }
          if (job.minResources === undefined) return PERMIT;
          const min = ssn.space.dense(job.minResources);
          for (const a of chain(attrOf(q))) {
            const base = Float64Array.from(a.allocated);
            denseAdd(base, a.inqueue);
            if (!fitsOnDims(base, min, a.realCapability, a.elastic)) {
              ssn.explain(job, `queue resource quota insufficient: queue "${a.queue.name}" cannot admit ${job.minResources.toString()}`);
              return REJECT;
            }
          }
          return PERMIT;
        });
        ssn.add('capacity', 'jobEnqueued', (job) => {
          if (job.queue === undefined || job.minResources === undefined) return;
          for (const a of chain(attrOf(job.queue))) denseAdd(a.inqueue, ssn.space.dense(job.minResources));
        });
        const update = (task: TaskInfo, sign: 1 | -1): void => {
          if (task.job.queue === undefined) return;
          for (const a of chain(attrOf(task.job.queue))) {
            denseAdd(a.allocated, task.dense, sign);
            a.share = capacityShare(a);
          }
        };
        ssn.add('capacity', 'allocateEvent', (e) => update(e.task, 1));
        ssn.add('capacity', 'deallocateEvent', (e) => update(e.task, -1));
      },
      onSessionClose(ssn: Session) {
        for (const a of attrs.values()) ssn.reportQueue(a.queue, { deserved: Float64Array.from(a.deserved), share: a.share });
      },
    };
  },
};

/** Links parents and children, rolls allocations up, inherits capability and derives real capability top-down. */
function linkTree(ssn: Session, attrs: Map<QueueInfo, CapacityAttr>): void {
  const byName = new Map([...attrs.values()].map((a) => [a.queue.name, a]));
  for (const a of attrs.values()) {
    const parentName = a.queue.parent ?? (a.queue.name === 'root' ? undefined : 'root');
    const parent = parentName === undefined ? undefined : byName.get(parentName);
    if (parent !== undefined && parent !== a) {
      a.parent = parent;
      parent.children.push(a);
    }
  }
  const depthFirst = (a: CapacityAttr): void => {
    for (const c of a.children) {
      depthFirst(c);
      denseAdd(a.allocated, c.allocated);
      denseAdd(a.inqueue, c.inqueue);
      denseAdd(a.elastic, c.elastic);
    }
  };
  const roots = [...attrs.values()].filter((a) => a.parent === undefined);
  for (const r of roots) depthFirst(r);
  const topDown = (a: CapacityAttr): void => {
    const D = a.allocated.length;
    const childGuarantee = new Float64Array(D);
    for (const c of a.children) denseAdd(childGuarantee, c.guarantee);
    for (const c of a.children) {
      for (let d = 0; d < D; d++) {
        if (c.capability[d] === Number.POSITIVE_INFINITY) c.capability[d] = a.capability[d] as number;
        const fromParent = (a.realCapability[d] as number) - (childGuarantee[d] as number) + (c.guarantee[d] as number);
        c.realCapability[d] = Math.min(c.capability[d] as number, fromParent);
      }
      topDown(c);
    }
  };
  for (const r of roots) {
    for (let d = 0; d < r.realCapability.length; d++) r.realCapability[d] = Math.min(r.capability[d] as number, ssn.totalAllocatable[d] as number);
    topDown(r);
  }
}
