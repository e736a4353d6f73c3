/**
 * Global reclaim, gang by gang. When a queue is below its deserved share and its best waiting
 * gang fits nowhere, and other queues are above their deserved share and reclaimable, whole gangs
 * of those queues are chosen for eviction: lowest priority first, then the most recently started
 * (least progress lost), only from one cluster (a gang needs its room in one cluster), and never
 * so many that a victim queue falls below its own deserved share. Pure: the caller evicts.
 */
import type { ResourceVector } from '../../shared/resources/resource-vector.js';

export interface ReclaimQueueView {
  name: string;
  deserved: ResourceVector;
  allocated: ResourceVector;
  reclaimable: boolean;
}

export interface ReclaimerView {
  queue: string;
  /** the best waiting gang of the queue that this cycle could not place */
  job: string;
  /** what it needs to start (its minResources) */
  need: ResourceVector;
  /** clusters the gang may go to (selector, list, readiness already applied) */
  clusters: readonly string[];
}

export interface VictimCandidate {
  job: string;
  queue: string;
  cluster: string;
  priority: number;
  /** when the gang started (ms since the epoch); later = less progress lost */
  startedAt: number;
  /** everything the gang holds */
  request: ResourceVector;
}

export interface ReclaimPlan {
  reclaimer: ReclaimerView;
  cluster: string;
  victims: VictimCandidate[];
}

/** The share of `allocated` over `deserved`: the largest ratio over deserved's dimensions. */
export function shareOver(allocated: ResourceVector, deserved: ResourceVector): number {
  let share = 0;
  for (const name of deserved.names()) {
    const d = deserved.get(name);
    const a = allocated.get(name);
    if (d <= 0) {
      if (a > 0) return Number.POSITIVE_INFINITY;
      continue;
    }
    share = Math.max(share, a / d);
  }
  return share;
}

/** True when `amount` ≤ `deserved` in every dimension the gang needs. */
function withinOn(amount: ResourceVector, deserved: ResourceVector, need: ResourceVector): boolean {
  for (const name of need.names()) {
    if (need.get(name) > 0 && amount.get(name) > deserved.get(name)) return false;
  }
  return true;
}

/** True when `allocated` exceeds `deserved` in some dimension. */
function above(allocated: ResourceVector, deserved: ResourceVector): boolean {
  return !allocated.lessEqual(deserved, { missing: 'zero' });
}

/**
 * Which cluster's victims cost less: the most important victim matters first (lower priority is
 * cheaper), then the number of gangs, then the progress they lose (later starts are cheaper).
 */
function cheaper(a: ReclaimPlan, b: ReclaimPlan): boolean {
  const top = (p: ReclaimPlan): number => Math.max(...p.victims.map((v) => v.priority));
  if (top(a) !== top(b)) return top(a) < top(b);
  if (a.victims.length !== b.victims.length) return a.victims.length < b.victims.length;
  const started = (p: ReclaimPlan): number => Math.min(...p.victims.map((v) => v.startedAt));
  return started(a) > started(b);
}

/**
 * Picks victims for each reclaimer, at most `maxGangs` in total. `freeIn(cluster)` is what the
 * cluster has idle now; victims are added until free + victims covers the gang's need.
 */
export function planGangReclaim(opts: {
  queues: readonly ReclaimQueueView[];
  reclaimers: readonly ReclaimerView[];
  candidates: readonly VictimCandidate[];
  freeIn: (cluster: string) => ResourceVector;
  maxGangs: number;
}): ReclaimPlan[] {
  const queues = new Map(opts.queues.map((q) => [q.name, { ...q }]));
  const taken = new Set<string>();
  const plans: ReclaimPlan[] = [];
  let budget = opts.maxGangs;
  const order = (a: VictimCandidate, b: VictimCandidate): number =>
    a.priority - b.priority || b.startedAt - a.startedAt || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0);

  for (const r of opts.reclaimers) {
    if (budget <= 0) break;
    const rq = queues.get(r.queue);
    // like Volcano's preemptive check: the gang must fit within the queue's deserved share
    if (!rq || !withinOn(rq.allocated.add(r.need), rq.deserved, r.need)) continue;
    // a cluster with room for it already: the gang waits for another reason (evicting would not help)
    if (r.clusters.some((c) => r.need.fits(opts.freeIn(c)))) continue;
    let best: ReclaimPlan | undefined;
    for (const cluster of r.clusters) {
      let free = opts.freeIn(cluster);
      const victims: VictimCandidate[] = [];
      // simulated allocations of the victim queues as victims are taken
      const alloc = new Map<string, ResourceVector>();
      const pool = opts.candidates
        .filter((c) => c.cluster === cluster && !taken.has(c.job) && c.queue !== r.queue)
        .sort(order);
      for (const c of pool) {
        if (r.need.fits(free)) break;
        if (victims.length >= budget) break;
        const vq = queues.get(c.queue);
        if (!vq || !vq.reclaimable) continue;
        const current = alloc.get(c.queue) ?? vq.allocated;
        if (!above(current, vq.deserved)) continue;
        const after = current.subClamped(c.request);
        // never below the victim queue's own deserved share
        if (shareOver(after, vq.deserved) < 1 - 1e-9) continue;
        alloc.set(c.queue, after);
        victims.push(c);
        free = free.add(c.request);
      }
      if (!r.need.fits(free) || victims.length === 0) continue;
      const plan = { reclaimer: r, cluster, victims };
      if (!best || cheaper(plan, best)) best = plan;
    }
    if (!best) continue;
    for (const v of best.victims) {
      taken.add(v.job);
      const vq = queues.get(v.queue);
      if (vq) vq.allocated = vq.allocated.subClamped(v.request);
    }
    rq.allocated = rq.allocated.add(r.need);
    budget -= best.victims.length;
    plans.push(best);
  }
  return plans;
}
