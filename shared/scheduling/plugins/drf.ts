// drf: Dominant Resource Fairness. A job's share is its largest fraction of any cluster resource;
// jobs with a smaller share go first, and a preemptor may take from a job whose share would stay
// at least as large as its own. With enableHierarchy (hDRF) queues form a tree from their
// `volcano.sh/hierarchy` / `volcano.sh/hierarchy-weights` annotations, queues are ordered by
// weighted share level by level, and reclaim keeps the reclaimer's path ahead.

import { HIERARCHY_ANNOTATION, HIERARCHY_WEIGHTS_ANNOTATION } from '../../api/well-known.js';
import type { JobInfo } from '../job-info.js';
import type { PluginDefinition } from '../plugin.js';
import type { QueueInfo } from '../queue-info.js';
import { denseAdd, denseDominantShare } from '../resource-space.js';
import type { Session } from '../session.js';
import type { TaskInfo } from '../task-info.js';

const SHARE_DELTA = 1e-6;

interface JobAttr {
  allocated: Float64Array;
  share: number;
}

interface TreeNode {
  readonly name: string;
  readonly weight: number;
  readonly children: Map<string, TreeNode>;
  /** Set on job leaves. */
  readonly job?: JobInfo;
  allocated: Float64Array;
  share: number;
  saturated: boolean;
}

export const drfPlugin: PluginDefinition = {
  name: 'drf',
  description: 'dominant resource fairness between jobs (hierarchical across queues with enableHierarchy)',
  arguments: {},
  create: (option) => {
    const attrs = new Map<JobInfo, JobAttr>();
    let total: Float64Array = new Float64Array(0);
    const share = (a: Float64Array): number => denseDominantShare(a, total);
    return {
      name: 'drf',
      onSessionOpen(ssn) {
        total = ssn.totalAllocatable;
        for (const job of ssn.jobs) {
          const allocated = Float64Array.from(job.allocated);
          attrs.set(job, { allocated, share: share(allocated) });
        }
        const attrOf = (job: JobInfo): JobAttr => attrs.get(job)!;

        ssn.add('drf', 'jobOrder', (l, r) => {
          const d = attrOf(l).share - attrOf(r).share;
          return d < 0 ? -1 : d > 0 ? 1 : 0;
        });
        ssn.add('drf', 'preemptable', (preemptor, candidates) => {
          const lalloc = Float64Array.from(attrOf(preemptor.job).allocated);
          denseAdd(lalloc, preemptor.dense);
          const ls = share(lalloc);
          return candidates.filter((c) => {
            const ralloc = Float64Array.from(attrOf(c.job).allocated);
            denseAdd(ralloc, c.dense, -1);
            const rs = share(ralloc);
            return ls < rs || Math.abs(ls - rs) <= SHARE_DELTA;
          });
        });

        let tree: HierarchicalShares | undefined;
        if (option.enableHierarchy) {
          tree = new HierarchicalShares(ssn, attrs);
          const t = tree;
          ssn.add('drf', 'queueOrder', (l, r) => t.compareQueues(l, r));
          ssn.add('drf', 'reclaimable', (reclaimer, candidates) => t.reclaimable(reclaimer, candidates));
        }
        const update = (task: TaskInfo, sign: 1 | -1): void => {
          const a = attrOf(task.job);
          denseAdd(a.allocated, task.dense, sign);
          a.share = share(a.allocated);
          tree?.markDirty();
        };
        ssn.add('drf', 'allocateEvent', (e) => update(e.task, 1));
        ssn.add('drf', 'deallocateEvent', (e) => update(e.task, -1));
      },
    };
  },
};

class HierarchicalShares {
  private readonly root: TreeNode;
  private readonly paths = new Map<QueueInfo, string[]>();
  private readonly requests = new Map<JobInfo, Float64Array>();
  private dirty = true;

  constructor(private readonly ssn: Session, private readonly attrs: Map<JobInfo, JobAttr>) {
    const D = ssn.space.size;
    this.root = { name: 'root', weight: 1, children: new Map(), allocated: new Float64Array(D), share: 0, saturated: false };
    for (const queue of ssn.queues) {
      const path = (queue.annotations[HIERARCHY_ANNOTATION] ?? `root/${queue.name}`).split('/');
      const weights = (queue.annotations[HIERARCHY_WEIGHTS_ANNOTATION] ?? `1/${queue.weight}`).split('/');
      this.paths.set(queue, path);
      let node = this.root;
      for (let i = 1; i < path.length; i++) {
        const name = path[i] as string;
        let child = node.children.get(name);
        if (child === undefined) {
          const w = Number.parseFloat(weights[i] ?? '1');
          child = { name, weight: Number.isFinite(w) && w >= 1 ? w : 1, children: new Map(), allocated: new Float64Array(D), share: 0, saturated: false };
          node.children.set(name, child);
        }
        node = child;
      }
      for (const job of queue.jobs) {
        const request = new Float64Array(D);
        for (const t of job.tasks) if (t.status !== 'Succeeded' && t.status !== 'Failed') denseAdd(request, t.dense);
        this.requests.set(job, request);
        node.children.set(`job:${job.id}`, { name: job.id, weight: 1, job, children: new Map(), allocated: new Float64Array(D), share: 0, saturated: false });
      }
    }
  }

  markDirty(): void {
    this.dirty = true;
  }

  compareQueues(l: QueueInfo, r: QueueInfo): number {
    this.refresh();
    const lp = this.paths.get(l) ?? ['root'];
    const rp = this.paths.get(r) ?? ['root'];
    let ln = this.root;
    let rn = this.root;
    const depth = Math.min(lp.length, rp.length);
    for (let i = 0; i < depth; i++) {
      if (!ln.saturated && rn.saturated) return -1;
      if (ln.saturated && !rn.saturated) return 1;
      const d = ln.share / ln.weight - rn.share / rn.weight;
      if (d !== 0) return d < 0 ? -1 : 1;
      if (i < depth - 1) {
        const lc = ln.children.get(lp[i + 1] as string);
        const rc = rn.children.get(rp[i + 1] as string);
        if (lc === undefined || rc === undefined) return 0;
        ln = lc;
        rn = rc;
      }
    }
    return 0;
  }

  /** Victims whose removal keeps the reclaimer's queue path ahead of the victim's. */
  reclaimable(reclaimer: TaskInfo, candidates: readonly TaskInfo[]): TaskInfo[] {
    const lq = reclaimer.job.queue;
    if (lq === undefined) return [];
    const la = this.attrs.get(reclaimer.job)!;
    denseAdd(la.allocated, reclaimer.dense);
    const victims: TaskInfo[] = [];
    for (const c of candidates) {
      const rq = c.job.queue;
      if (rq === undefined) continue;
      const ra = this.attrs.get(c.job)!;
      denseAdd(ra.allocated, c.dense, -1);
      this.dirty = true;
      const ahead = this.compareQueues(lq, rq) < 0;
      denseAdd(ra.allocated, c.dense);
      if (ahead) victims.push(c);
    }
    denseAdd(la.allocated, reclaimer.dense, -1);
    this.dirty = true;
    return victims;
  }

  private refresh(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const ssn = this.ssn;
    const D = ssn.space.size;
    const allocatedTotal = new Float64Array(D);
    for (const a of this.attrs.values()) denseAdd(allocatedTotal, a.allocated);
    const demanding = new Uint8Array(D);
    for (let d = 0; d < D; d++) demanding[d] = (allocatedTotal[d] as number) < (ssn.totalAllocatable[d] as number) ? 1 : 0;
    this.update(this.root, demanding);
  }

  private update(node: TreeNode, demanding: Uint8Array): void {
    const total = this.ssn.totalAllocatable;
    if (node.job !== undefined) {
      node.allocated = this.attrs.get(node.job)!.allocated;
      node.share = denseDominantShare(node.allocated, total);
      const request = this.requests.get(node.job)!;
      node.saturated = false;
      for (let d = 0; d < request.length; d++) {
        const a = node.allocated[d] as number;
        const q = request[d] as number;
        if ((a !== 0 && q !== 0 && a >= q) || (demanding[d] === 0 && q !== 0)) node.saturated = true;
      }
      return;
    }
    let minShare = 1;
    for (const child of node.children.values()) {
      this.update(child, demanding);
      if (child.share !== 0 && !child.saturated) minShare = Math.min(minShare, denseDominantShare(child.allocated, total));
    }
    const allocated = new Float64Array(total.length);
    let saturated = true;
    for (const child of node.children.values()) {
      if (!child.saturated) saturated = false;
      if (child.share === 0) continue;
      denseAdd(allocated, child.allocated, child.saturated ? 1 : minShare / child.share);
    }
    node.allocated = allocated;
    node.share = denseDominantShare(allocated, total);
    node.saturated = node.children.size > 0 && saturated;
  }
}
