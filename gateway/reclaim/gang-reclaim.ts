/**
 * Global reclaim, gang by gang. When a queue is below its deserved share and its best waiting
 * gang fits nowhere, and other queues are above their deserved share and reclaimable, whole gangs
 * of those queues are chosen for eviction: lowest priority first, then the most recently started
 * (least progress lost), only from one cluster (a gang needs its room in one cluster), and never
 * so many that a victim queue falls below its own deserved share. Pure: the caller evicts.
 *
 * Room is counted node by node when the caller gives the cluster's nodes (`nodesIn`), the
 * reclaimer's pods and the victims' pods: victims are taken until the reclaimer's gang minimum
 * fits on the nodes, each pod on a node it may run on (node selector, required node affinity,
 * taints), with what the victims leave on those very nodes. Room freed on nodes the gang cannot
 * use, or spread so thin that no pod fits, evicts nothing. Without nodes, cluster totals are used.
 */
import type { Affinity, Taint, Toleration } from '../../shared/api/core.js';
import { CPU, MEMORY, type ResourceVector } from '../../shared/resources/resource-vector.js';
import { matchesAnyTerm, matchesNodeSelector } from '../../shared/scheduling/node-affinity.js';
import { untoleratedTaint } from '../../shared/scheduling/taints.js';

/** A schedulable node of a cluster and what it has idle now. */
export interface NodeRoom {
  name: string;
  free: ResourceVector;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
}

/** One pod of the reclaimer's gang minimum and where it may run. */
export interface ReclaimerPod {
  request: ResourceVector;
  nodeSelector?: Readonly<Record<string, string>>;
  affinity?: Affinity;
  tolerations?: readonly Toleration[];
}

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
  /** the pods of its gang minimum (first `minAvailable` in task order); with `nodesIn`, room is counted per node */
  pods?: readonly ReclaimerPod[];
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
  /** where its pods run and what each holds (for room per node) */
  pods?: ReadonlyArray<{ node: string; request: ResourceVector }>;
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

/** True when the node may take the pod: selector, required node affinity, NoSchedule/NoExecute taints. */
function mayRun(pod: ReclaimerPod, node: NodeRoom): boolean {
  const like = { name: node.name, labels: node.labels };
  if (!matchesNodeSelector(pod.nodeSelector, like)) return false;
  const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms !== undefined && !matchesAnyTerm(terms, like)) return false;
  return untoleratedTaint(node.taints, pod.tolerations, ['NoSchedule', 'NoExecute']) === undefined;
}

/**
 * True when every pod finds a node it may run on with room for it (largest pods first, each on
 * the node it leaves least cpu on). A first-fit packing: it may miss a packing that exists, never
 * claims one that does not, so reclaim errs towards evicting nothing.
 */
export function fitsOnNodes(pods: readonly ReclaimerPod[], nodes: readonly NodeRoom[], free: ReadonlyMap<string, ResourceVector>): boolean {
  const left = new Map(free);
  const order = [...pods].sort((a, b) => b.request.get(CPU) - a.request.get(CPU) || b.request.get(MEMORY) - a.request.get(MEMORY));
  for (const pod of order) {
    let best: NodeRoom | undefined;
    let bestCpu = Number.POSITIVE_INFINITY;
    for (const node of nodes) {
      const room = left.get(node.name);
      if (room === undefined || !pod.request.fits(room) || !mayRun(pod, node)) continue;
      const cpuLeft = room.get(CPU) - pod.request.get(CPU);
      if (cpuLeft < bestCpu) {
        best = node;
        bestCpu = cpuLeft;
      }
    }
    if (best === undefined) return false;
    left.set(best.name, (left.get(best.name) as ResourceVector).subClamped(pod.request));
  }
  return true;
}

/**
 * Picks victims for each reclaimer, at most `maxGangs` in total. `freeIn(cluster)` is what the
 * cluster has idle now; victims are added until free + victims covers the gang's need, and, with
 * `nodesIn`, until the gang's pods fit on the nodes with what the victims leave there.
 */
export function planGangReclaim(opts: {
  queues: readonly ReclaimQueueView[];
  reclaimers: readonly ReclaimerView[];
  candidates: readonly VictimCandidate[];
  freeIn: (cluster: string) => ResourceVector;
  /** the cluster's schedulable nodes with their idle room: room is then counted per node */
  nodesIn?: (cluster: string) => readonly NodeRoom[];
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
    const pods = r.pods;
    const nodesOf = (cluster: string): readonly NodeRoom[] | undefined => (pods !== undefined && opts.nodesIn ? opts.nodesIn(cluster) : undefined);
    /** the gang fits: in total, and pod by pod on the nodes when those are known */
    const fits = (free: ResourceVector, nodes: readonly NodeRoom[] | undefined, room: ReadonlyMap<string, ResourceVector>): boolean =>
      r.need.fits(free) && (nodes === undefined || fitsOnNodes(pods as readonly ReclaimerPod[], nodes, room));
    const roomOf = (nodes: readonly NodeRoom[] | undefined): Map<string, ResourceVector> => new Map((nodes ?? []).map((n) => [n.name, n.free]));
    // a cluster with room for it already: the gang waits for another reason (evicting would not help)
    if (r.clusters.some((c) => { const nodes = nodesOf(c); return fits(opts.freeIn(c), nodes, roomOf(nodes)); })) continue;
    let best: ReclaimPlan | undefined;
    for (const cluster of r.clusters) {
      let free = opts.freeIn(cluster);
      const nodes = nodesOf(cluster);
      const room = roomOf(nodes);
      const victims: VictimCandidate[] = [];
      // simulated allocations of the victim queues as victims are taken
      const alloc = new Map<string, ResourceVector>();
      const pool = opts.candidates
        .filter((c) => c.cluster === cluster && !taken.has(c.job) && c.queue !== r.queue)
        .sort(order);
      let enough = false;
      for (const c of pool) {
        if ((enough = fits(free, nodes, room))) break;
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
        // what the victim leaves on each node the gang may use
        for (const p of c.pods ?? []) {
          const at = room.get(p.node);
          if (at !== undefined) room.set(p.node, at.add(p.request));
        }
      }
      if (!enough) enough = fits(free, nodes, room);
      if (!enough || victims.length === 0) continue;
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
