/**
 * The leader's in-memory picture of the federation: jobs with their placements, queues, member
 * clusters with their nodes, and the scheduling snapshot kept current from them. It is loaded once
 * when leadership is won and then changed only by events (change feed, agent reports, the
 * scheduler's own decisions) — never rebuilt from Redis per cycle.
 *
 * What the scheduling core sees: every member node, with what placed gangs hold on it folded into
 * the node's own usage (the agent's `requested` for bound gangs, reservations on top for gangs not
 * yet bound); each queue's window of pending gangs; and, per queue, one ledger job whose single
 * task carries everything the queue's placed gangs hold, on a ledger node outside every cluster.
 * The core's fair share (proportion, drf, capacity) reads the queue's allocation from it, while
 * the cost of a cycle does not grow with the number of running gangs.
 *
 * Pure bookkeeping: no I/O, no timers; the clock is passed in. Callers persist what it decides.
 */
import type { Job, JobPhase } from '../../shared/api/job.js';
import type { PodGroupPhase } from '../../shared/api/podgroup.js';
import type { Queue } from '../../shared/api/queue.js';
import type { NodeInventory } from '../../shared/messages/node-inventory.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import type { ClusterSnapshot } from '../../shared/scheduling/snapshot.js';
import { SnapshotStore } from '../../shared/scheduling/snapshot-store.js';
import type { StoreSnapshot } from '../store/gateway-store.js';
import type { Change, MemberCluster, Placement, Reservation } from '../store/records.js';
import { TERMINATE_ANNOTATION } from '../store/records.js';
import type { MemberReadiness } from '../health/member-health.js';
import type { NodeRoom } from '../reclaim/gang-reclaim.js';
import { jobShape, jobSnapshot, sharedSpec, type JobShape, type JobShapeOptions } from './job-snapshot.js';
import { federatedNodeName, internedVector, nodeSnapshot, usedOn, type BoundLoad } from './node-view.js';
import { PendingBacklog } from './pending-backlog.js';
import { queueSnapshot } from './queue-view.js';

export type JobStage =
  | 'pending' // waits for a placement (in the backlog or in the snapshot's window)
  | 'backoff' // re-queued after a reject; waits until notBefore
  | 'placed' // holds a placement (reserved until the member reports the gang bound)
  | 'finished'; // ran to a final phase on its member; holds nothing

export interface JobEntry {
  /** `<ns>/<name>` */
  readonly id: string;
  readonly uid: string;
  job: Job;
  shape: JobShape;
  /** submission order (creation resourceVersion) */
  order: number;
  stage: JobStage;
  /** the latest placement record (also kept after a re-queue, for its epoch and history) */
  placement: Placement | undefined;
  /** a placed gang not yet reported bound */
  reserved: boolean;
  /** earliest time a backed-off job may be placed again */
  notBefore: number;
  inSnapshot: boolean;
  /** counted in its queue's window (pending and in the snapshot) */
  windowed: boolean;
  /** PodGroup phase carried between cycles (enqueue admits Pending → Inqueue) */
  phase: PodGroupPhase;
  /** the user asked to delete the job */
  deleting: boolean;
  /** hash of the last why-pending message written, so an unchanged reason is not written again */
  explained: number | undefined;
  /** hash of the core's last diagnosis of the job (explanations are rebuilt only when it changes) */
  diagnosed?: number;
}

export interface MemberEntry {
  readonly name: string;
  labels: Record<string, string>;
  cordoned: boolean;
  readiness: MemberReadiness | 'Unknown';
  /** the MemberCluster object exists in the store */
  registered: boolean;
  readonly nodes: Map<string, NodeInventory>;
  /** per node: requests of bound pods of placed gangs (already inside the node's `requested`) */
  readonly bound: Map<string, BoundLoad>;
  /** per node: requests of pods of placed gangs not yet bound (held on top of `requested`) */
  readonly reserved: Map<string, BoundLoad>;
  /** ids of jobs placed here */
  readonly placed: Set<string>;
}

export interface FederationStateOptions extends JobShapeOptions {
  /** pending jobs per queue shown to each cycle; default 2048 */
  windowPerQueue?: number;
}

const FINAL_PHASES: ReadonlySet<JobPhase> = new Set<JobPhase>(['Completed', 'Failed', 'Terminated', 'Aborted']);

export function isFinalPhase(phase: JobPhase | undefined): boolean {
  return phase !== undefined && FINAL_PHASES.has(phase);
}

export class FederationState {
  readonly snap = new SnapshotStore();
  readonly jobs = new Map<string, JobEntry>();
  readonly byUid = new Map<string, JobEntry>();
  readonly members = new Map<string, MemberEntry>();
  readonly queues = new Map<string, Queue>();
  readonly backlog = new PendingBacklog();
  private readonly backoff = new Set<JobEntry>();
  /** jobs the user asked to delete whose member copies are still to be removed */
  private readonly deletions = new Set<JobEntry>();
  /** pending jobs in the snapshot, per queue */
  private readonly windowCount = new Map<string, number>();
  /** per queue: what its placed gangs hold in total, and the not-yet-bound part */
  private readonly ledgers = new Map<string, { held: ResourceVector; reserved: ResourceVector; gangs: number }>();
  private readonly dirtyLedgers = new Set<string>();
  private readonly dirtyNodes = new Map<MemberEntry, Set<string>>();
  /** pending jobs in the snapshot (this cycle's window) */
  private readonly inWindow = new Set<JobEntry>();
  /**
   * Grows whenever something changes that could let a gang fit that did not before (nodes,
   * members, queues, room freed); a gang tried at the current version is not tried again.
   */
  private version = 0;
  private triedVersion = 0;
  private readonly window: number;
  private readonly shapeOptions: JobShapeOptions;

  constructor(opts: FederationStateOptions = {}) {
    this.window = opts.windowPerQueue ?? 2048;
    this.shapeOptions = { ...(opts.priorityClasses ? { priorityClasses: opts.priorityClasses } : {}), ...(opts.defaultQueue ? { defaultQueue: opts.defaultQueue } : {}) };
  }

  // ------------------------------------------------------------------ loading

  /** Builds the picture from a store snapshot (once, when leadership is won). */
  load(s: StoreSnapshot): void {
    for (const q of s.queues) this.upsertQueue(q);
    for (const m of s.members) this.upsertMember(m);
    for (const [cluster, nodes] of Object.entries(s.nodes)) this.applyNodes(cluster, { mode: 'full', upserts: nodes, removed: [] });
    const placements = new Map(s.placements.map((p) => [p.uid, p]));
    const reserved = new Set(s.reservations.map((r) => r.uid));
    const order = new Map(s.pending.map((p) => [`${p.namespace}/${p.name}`, p.order]));
    for (const job of s.jobs) {
      const uid = job.metadata.uid ?? '';
      const p = placements.get(uid);
      const e = this.addJob(job, order.get(`${job.metadata.namespace}/${job.metadata.name}`) ?? Number(job.metadata.resourceVersion ?? 0));
      if (p) this.adoptPlacement(e, p, reserved.has(uid));
    }
  }

  /** Restores a job's placement as the store holds it. */
  private adoptPlacement(e: JobEntry, p: Placement, reserved: boolean): void {
    e.placement = p;
    const active = p.state === 'Placed' || p.state === 'Dispatched' || p.state === 'Accepted';
    if (!active || p.cluster === '') return; // re-queued or rejected: pending again
    this.backlog.remove(e.id);
    if (e.stage === 'finished') return; // ran to its end on the member (addJob read its phase)
    e.stage = 'placed';
    e.reserved = reserved;
    this.memberOf(p.cluster).placed.add(e.id);
    this.hold(e, 1);
  }

  // ------------------------------------------------------------------ change feed

  /** Applies one committed change; returns true when the scheduler should run a cycle. */
  applyChange(c: Change): boolean {
    switch (c.kind) {
      case 'job':
        if (c.type === 'DELETED') return this.removeJob(c.key);
        // the status facts the leader itself had written: nothing it does not know already
        if (c.origin === 'status') return false;
        return this.jobChanged(c.object, c.type === 'ADDED' ? c.rv : undefined);
      case 'queue':
        if (c.type === 'DELETED') {
          this.version++;
          this.queues.delete(c.key);
          return this.snap.removeQueue(c.key);
        }
        this.upsertQueue(c.object);
        return true;
      case 'member':
        if (c.type === 'DELETED') {
          this.members.delete(c.key);
          return this.snap.removeDomain(c.key);
        }
        this.upsertMember(c.object);
        return true;
      default:
        // nodes, placements, reservations and usage are written by this leader and already applied
        return false;
    }
  }

  private jobChanged(job: Job, createdRv: number | undefined): boolean {
    const id = `${job.metadata.namespace}/${job.metadata.name}`;
    const e = this.jobs.get(id);
    if (!e || e.uid !== job.metadata.uid) {
      if (e) this.removeJob(id);
      this.addJob(job, createdRv ?? Number(job.metadata.resourceVersion ?? 0));
      return true;
    }
    const deleting = job.metadata.deletionTimestamp !== undefined || job.metadata.annotations?.[TERMINATE_ANNOTATION] !== undefined;
    let relevant = false;
    if (deleting && !e.deleting) {
      e.deleting = true;
      this.deletions.add(e);
      relevant = true;
    }
    const specText = specChanged(e.job, job) ? JSON.stringify(job.spec) : undefined;
    if (specText !== undefined) {
      if (e.windowed) this.leaveSnapshot(e); // its queue or size may have changed: re-enter the window
      e.shape = jobShape(job, this.shapeOptions, specText);
      if (e.stage === 'pending' && !e.deleting) this.backlog.arrive({ id, queue: e.shape.queue, priority: e.shape.priority, order: e.order });
      relevant = true;
    }
    // an unchanged spec keeps the object the entry holds
    e.job = slim(job, specText === undefined ? e.job.spec : sharedSpec(job.spec, specText));
    if (relevant) {
      if (e.deleting && e.stage !== 'placed') {
        this.backlog.remove(id);
        this.leaveSnapshot(e);
      } else {
        this.syncSnapshot(e);
      }
    }
    return relevant;
  }

  private addJob(job: Job, order: number): JobEntry {
    const id = `${job.metadata.namespace}/${job.metadata.name}`;
    const specText = JSON.stringify(job.spec);
    const e: JobEntry = {
      id,
      uid: job.metadata.uid ?? '',
      job: slim(job, sharedSpec(job.spec, specText)),
      shape: jobShape(job, this.shapeOptions, specText),
      order,
      stage: 'pending',
      placement: undefined,
      reserved: false,
      notBefore: 0,
      inSnapshot: false,
      windowed: false,
      phase: 'Pending',
      deleting: job.metadata.deletionTimestamp !== undefined || job.metadata.annotations?.[TERMINATE_ANNOTATION] !== undefined,
      explained: undefined,
    };
    this.jobs.set(id, e);
    this.byUid.set(e.uid, e);
    if (e.deleting) this.deletions.add(e);
    if (isFinalPhase(job.status?.state?.phase)) e.stage = 'finished';
    else if (!e.deleting) this.backlog.arrive({ id, queue: e.shape.queue, priority: e.shape.priority, order });
    return e;
  }

  private removeJob(id: string): boolean {
    const e = this.jobs.get(id);
    if (!e) return false;
    this.jobs.delete(id);
    if (this.byUid.get(e.uid) === e) this.byUid.delete(e.uid);
    this.backlog.remove(id);
    this.backoff.delete(e);
    this.deletions.delete(e);
    if (e.stage === 'placed') this.releasePlacement(e);
    this.leaveSnapshot(e);
    return true;
  }

  /** Puts a job back on the deletion list (its deletion could not be sent). */
  markDeleting(e: JobEntry): void {
    if (this.jobs.get(e.id) === e) this.deletions.add(e);
  }

  /** True when some deleted job waits to be removed. */
  hasDeletions(): boolean {
    return this.deletions.size > 0;
  }

  /** Jobs marked for deletion since the last call. */
  takeDeletions(): JobEntry[] {
    const out = [...this.deletions];
    this.deletions.clear();
    return out;
  }

  private upsertQueue(q: Queue): void {
    this.version++;
    const name = q.metadata.name ?? '';
    this.queues.set(name, q);
    this.snap.upsertQueue(queueSnapshot(q));
  }

  /** A MemberCluster object from the store (labels, cordon, persisted phase). */
  upsertMember(m: MemberCluster): void {
    const name = m.metadata.name ?? '';
    const e = this.memberOf(name);
    e.registered = true;
    e.labels = { ...m.metadata.labels };
    e.cordoned = m.spec.cordoned === true;
    if (e.readiness === 'Unknown' && m.status?.phase !== undefined && m.status.phase !== 'Unknown') e.readiness = m.status.phase;
    this.syncDomain(e);
  }

  memberOf(name: string): MemberEntry {
    let m = this.members.get(name);
    if (!m) {
      m = { name, labels: {}, cordoned: false, readiness: 'Unknown', registered: false, nodes: new Map(), bound: new Map(), reserved: new Map(), placed: new Set() };
      this.members.set(name, m);
    }
    return m;
  }

  setReadiness(cluster: string, readiness: MemberReadiness): void {
    const m = this.memberOf(cluster);
    if (m.readiness === readiness) return;
    m.readiness = readiness;
    this.syncDomain(m);
  }

  private syncDomain(m: MemberEntry): void {
    this.version++;
    this.snap.upsertDomain({ name: m.name, labels: m.labels, ready: m.readiness === 'Ready', cordoned: m.cordoned });
  }

  // ------------------------------------------------------------------ nodes

  applyNodes(cluster: string, r: { mode: 'full' | 'delta'; upserts: readonly NodeInventory[]; removed: readonly string[] }): void {
    const m = this.memberOf(cluster);
    if (r.mode === 'full') {
      const keep = new Set(r.upserts.map((n) => n.name));
      for (const name of [...m.nodes.keys()]) {
        if (!keep.has(name)) this.dropNode(m, name);
      }
    }
    for (const n of r.upserts) {
      m.nodes.set(n.name, n);
      this.touchNode(m, n.name);
    }
    this.version++;
    for (const name of r.removed) this.dropNode(m, name);
    if (this.snap.domain(cluster) === undefined) this.syncDomain(m);
  }

  private dropNode(m: MemberEntry, name: string): void {
    this.version++;
    m.nodes.delete(name);
    this.dirtyNodes.get(m)?.delete(name);
    this.snap.removeNode(federatedNodeName(m.name, name));
  }

  /** The node's snapshot is rebuilt before the next cycle (once, however often it changed). */
  private touchNode(m: MemberEntry, name: string): void {
    let set = this.dirtyNodes.get(m);
    if (!set) this.dirtyNodes.set(m, (set = new Set()));
    set.add(name);
  }

  private syncNodes(): void {
    for (const [m, names] of this.dirtyNodes) {
      for (const name of names) {
        const node = m.nodes.get(name);
        if (!node) continue;
        const bound = m.bound.get(name);
        const reserved = m.reserved.get(name);
        this.snap.upsertNode(nodeSnapshot(m.name, node, bound, reserved));
      }
    }
    this.dirtyNodes.clear();
  }

  /**
   * Adds (sign 1) or removes (sign −1) what a placed gang holds: on its nodes (reserved or bound,
   * as it stands) and in its queue's ledger.
   */
  private hold(e: JobEntry, sign: 1 | -1): void {
    const p = e.placement;
    if (!p?.nodePlan) return;
    const m = this.memberOf(p.cluster);
    const loads = e.reserved ? m.reserved : m.bound;
    let total = ResourceVector.empty();
    for (const role of e.shape.roles) {
      const nodes = p.nodePlan[role.name] ?? [];
      for (const node of nodes) {
        const cur = loads.get(node) ?? { request: ResourceVector.empty(), pods: 0 };
        const next = sign > 0
          ? { request: cur.request.add(role.request), pods: cur.pods + 1 }
          : { request: cur.request.subClamped(role.request), pods: Math.max(0, cur.pods - 1) };
        if (next.pods === 0) loads.delete(node);
        else loads.set(node, next);
        this.touchNode(m, node);
      }
      if (nodes.length > 0) total = total.add(role.request.scale(nodes.length));
    }
    if (sign < 0) this.version++; // room was freed
    const q = e.shape.queue;
    const l = this.ledgers.get(q) ?? { held: ResourceVector.empty(), reserved: ResourceVector.empty(), gangs: 0 };
    const next = sign > 0
      ? { held: l.held.add(total), reserved: e.reserved ? l.reserved.add(total) : l.reserved, gangs: l.gangs + 1 }
      : { held: l.held.subClamped(total), reserved: e.reserved ? l.reserved.subClamped(total) : l.reserved, gangs: Math.max(0, l.gangs - 1) };
    this.ledgers.set(q, next);
    this.dirtyLedgers.add(q);
  }

  /** Rebuilds the ledger jobs of queues whose placed gangs changed. */
  private syncLedgers(): void {
    for (const q of this.dirtyLedgers) {
      const l = this.ledgers.get(q);
      const id = ledgerJobId(q);
      if (!l || l.gangs === 0) {
        this.ledgers.delete(q);
        this.snap.removeJob(id);
        continue;
      }
      this.snap.upsertJob({
        id, name: LEDGER, namespace: LEDGER, queue: q, minMember: 1, creationTimestamp: 0, phase: 'Running',
        tasks: [{ id: 'held', name: 'held', status: 'Running', node: LEDGER, request: l.held, preemptable: false }],
      });
    }
    this.dirtyLedgers.clear();
    if (this.ledgers.size > 0 && this.snap.node(LEDGER) === undefined) {
      // outside every domain: never a placement target, never in a cluster's diagnosis
      this.snap.upsertNode({ name: LEDGER, allocatable: ResourceVector.empty(), unschedulable: true });
    }
  }

  // ------------------------------------------------------------------ the snapshot a cycle sees

  /**
   * Readies the snapshot for a cycle: backed-off jobs whose time came return to their queue, and
   * each queue's window is filled from its backlog.
   */
  prepareCycle(now: number): ClusterSnapshot {
    for (const e of [...this.backoff]) {
      if (e.notBefore > now) continue;
      this.backoff.delete(e);
      e.stage = 'pending';
      this.backlog.arrive({ id: e.id, queue: e.shape.queue, priority: e.shape.priority, order: e.order });
    }
    this.triedVersion = this.version;
    for (const queue of this.backlog.queues()) {
      const room = this.window - (this.windowCount.get(queue) ?? 0);
      for (const item of this.backlog.take(queue, room, this.version)) {
        const e = this.jobs.get(item.id);
        if (e && e.stage === 'pending' && !e.deleting) this.syncSnapshot(e);
      }
    }
    this.syncNodes();
    this.syncLedgers();
    return this.snap.snapshot();
  }

  /**
   * After a cycle: gangs of the window it did not place go back to their queue for the next sweep,
   * marked as tried at the version the cycle saw.
   */
  finishCycle(): void {
    for (const e of [...this.inWindow]) {
      if (e.stage !== 'pending') continue;
      this.leaveSnapshot(e);
      if (!e.deleting && this.jobs.get(e.id) === e) {
        this.backlog.retry({ id: e.id, queue: e.shape.queue, priority: e.shape.priority, order: e.order }, this.triedVersion);
      }
    }
  }

  /** Makes every waiting gang worth trying again (time-based rules may decide differently now). */
  refresh(): void {
    this.version++;
  }

  /** The earliest time a backed-off job may return, if any waits. */
  nextBackoffExpiry(): number | undefined {
    let next: number | undefined;
    for (const e of this.backoff) if (next === undefined || e.notBefore < next) next = e.notBefore;
    return next;
  }

  /** Puts the job's current view in the snapshot (or takes it out when it holds nothing). */
  private syncSnapshot(e: JobEntry): void {
    const show = e.stage === 'pending' && !e.deleting && !this.backlog.has(e.id);
    if (!show) {
      this.leaveSnapshot(e);
      return;
    }
    this.snap.upsertJob(jobSnapshot({ job: e.job, shape: e.shape, phase: e.phase }));
    e.inSnapshot = true;
    if (!e.windowed) {
      this.countWindow(e.shape.queue, 1);
      e.windowed = true;
      this.inWindow.add(e);
    }
  }

  private leaveSnapshot(e: JobEntry): void {
    if (!e.inSnapshot) return;
    this.snap.removeJob(e.id);
    if (e.windowed) this.countWindow(e.shape.queue, -1);
    e.windowed = false;
    this.inWindow.delete(e);
    e.inSnapshot = false;
  }

  private countWindow(queue: string, d: number): void {
    this.windowCount.set(queue, Math.max(0, (this.windowCount.get(queue) ?? 0) + d));
  }

  // ------------------------------------------------------------------ placement lifecycle

  /** The scheduler placed the gang (before it is written anywhere); returns the previous record. */
  place(e: JobEntry, p: Placement, reserved = true): Placement | undefined {
    const prev = e.placement;
    this.backlog.remove(e.id);
    this.backoff.delete(e);
    this.leaveSnapshot(e);
    e.placement = p;
    e.stage = 'placed';
    e.reserved = reserved;
    e.phase = 'Running';
    e.explained = undefined;
    e.diagnosed = undefined;
    this.memberOf(p.cluster).placed.add(e.id);
    this.hold(e, 1);
    return prev;
  }

  /** Undoes `place` when the write failed. */
  unplace(e: JobEntry, prev: Placement | undefined): void {
    if (e.stage !== 'placed') return;
    this.releasePlacement(e);
    e.placement = prev;
    e.stage = 'pending';
    e.phase = 'Inqueue';
    this.leaveSnapshot(e);
    if (this.jobs.get(e.id) === e && !e.deleting) {
      this.backlog.arrive({ id: e.id, queue: e.shape.queue, priority: e.shape.priority, order: e.order });
    }
  }

  /** The placement record changed state (Dispatched, Accepted) without moving the gang. */
  updatePlacement(e: JobEntry, p: Placement): void {
    e.placement = p;
  }

  /** The member reported the gang bound: its pods are now in the nodes' `requested`. */
  markBound(e: JobEntry): void {
    if (e.stage !== 'placed' || !e.reserved) return;
    this.hold(e, -1);
    e.reserved = false;
    this.hold(e, 1);
  }

  /** The job reached a final phase on its member: it holds nothing any more. */
  markFinished(e: JobEntry): void {
    if (e.stage === 'placed') this.releasePlacement(e);
    this.backlog.remove(e.id);
    this.backoff.delete(e);
    e.stage = 'finished';
    this.leaveSnapshot(e);
  }

  /**
   * Takes the gang back from its member (reject, Lost member, reclaim): it waits in its queue
   * again, keeping its place in line, from `notBefore` on.
   */
  requeue(e: JobEntry, opts: { placement: Placement; notBefore: number }): void {
    if (e.stage === 'placed') this.releasePlacement(e);
    e.placement = opts.placement;
    e.phase = 'Inqueue';
    e.explained = undefined;
    e.diagnosed = undefined;
    this.leaveSnapshot(e);
    if (e.deleting || this.jobs.get(e.id) !== e) return;
    e.notBefore = opts.notBefore;
    e.stage = 'backoff';
    this.backoff.add(e);
  }

  /** The job failed at the gateway (retries exhausted): like finished. */
  markFailed(e: JobEntry): void {
    this.markFinished(e);
  }

  private releasePlacement(e: JobEntry): void {
    const p = e.placement;
    if (!p) return;
    this.hold(e, -1);
    e.reserved = false;
    this.members.get(p.cluster)?.placed.delete(e.id);
  }

  /** Highest epoch issued for the job so far. */
  lastEpoch(e: JobEntry): number {
    return e.placement?.epoch ?? 0;
  }

  /** A reservation record for a placement: the requests it holds per node. */
  reservationOf(e: JobEntry, p: Placement, createdAt: string): Reservation {
    const perNode = new Map<string, ResourceVector>();
    for (const role of e.shape.roles) {
      for (const node of p.nodePlan?.[role.name] ?? []) perNode.set(node, (perNode.get(node) ?? ResourceVector.empty()).add(role.request));
    }
    const nodes: Record<string, Record<string, string>> = {};
    for (const [node, v] of perNode) nodes[node] = v.toQuantities();
    return { uid: e.uid, cluster: p.cluster, epoch: p.epoch, nodes, createdAt };
  }

  /** True when some pending gang is in a queue's window (a cycle has something to decide). */
  hasWork(): boolean {
    return this.inWindow.size > 0;
  }

  /** A member's schedulable nodes (ready, not cordoned) with what each has idle (reservations taken off). */
  nodeRooms(cluster: string): NodeRoom[] {
    const m = this.members.get(cluster);
    if (!m) return [];
    const out: NodeRoom[] = [];
    for (const node of m.nodes.values()) {
      if (!node.ready || node.unschedulable) continue;
      const used = usedOn(internedVector(node.requested), m.bound.get(node.name), m.reserved.get(node.name));
      out.push({ name: node.name, free: internedVector(node.allocatable).subClamped(used), labels: node.labels, taints: node.taints });
    }
    return out;
  }

  /** What a member has idle on its schedulable nodes, summed (reservations taken off). */
  clusterFree(cluster: string): ResourceVector {
    let free = ResourceVector.empty();
    for (const n of this.nodeRooms(cluster)) free = free.add(n.free);
    return free;
  }

  /** Where a placed gang's pods are, and what each holds. */
  podsOf(e: JobEntry): Array<{ node: string; request: ResourceVector }> {
    const plan = e.placement?.nodePlan;
    const out: Array<{ node: string; request: ResourceVector }> = [];
    for (const role of e.shape.roles) for (const node of plan?.[role.name] ?? []) out.push({ node, request: role.request });
    return out;
  }

  /** Per queue: what its placed gangs hold (and the not-yet-bound part), and job counts. */
  queueUsage(): Map<string, { allocated: ResourceVector; reserved: ResourceVector; pending: number; running: number }> {
    const out = new Map<string, { allocated: ResourceVector; reserved: ResourceVector; pending: number; running: number }>();
    for (const name of this.queues.keys()) out.set(name, { allocated: ResourceVector.empty(), reserved: ResourceVector.empty(), pending: 0, running: 0 });
    for (const [q, l] of this.ledgers) {
      out.set(q, { allocated: l.held, reserved: l.reserved, pending: 0, running: l.gangs });
    }
    for (const q of this.backlog.queues()) {
      const u = out.get(q);
      if (u) u.pending += this.backlog.countIn(q);
    }
    for (const [q, n] of this.windowCount) {
      const u = out.get(q);
      if (u) u.pending += n;
    }
    return out;
  }

  /** Counts for metrics and tests. */
  counts(): { pending: number; backoff: number; placed: number; reserved: number; finished: number } {
    let pending = 0, backoff = 0, placed = 0, reserved = 0, finished = 0;
    for (const e of this.jobs.values()) {
      if (e.stage === 'pending') pending++;
      else if (e.stage === 'backoff') backoff++;
      else if (e.stage === 'placed') { placed++; if (e.reserved) reserved++; }
      else finished++;
    }
    return { pending, backoff, placed, reserved, finished };
  }
}

/**
 * Whether the scheduling-relevant part of a job (its spec) changed. The API bumps
 * `metadata.generation` with every spec change, so status writes cost no comparison.
 */
function specChanged(a: Job, b: Job): boolean {
  if (a.spec === b.spec) return false;
  const ga = a.metadata.generation;
  const gb = b.metadata.generation;
  if (ga !== undefined && gb !== undefined) return ga !== gb;
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec);
}

/**
 * The job as the leader keeps it: without its status (status writes read the stored job), with
 * the spec object it shares with every job of an equal spec.
 */
function slim(job: Job, spec: Job['spec']): Job {
  // a literal, not rest and spread: every job entry would get a hidden class of its own (see placementWith)
  return { apiVersion: job.apiVersion, kind: job.kind, metadata: job.metadata, spec };
}

/** Name of the ledger node and namespace; no member cluster or node can be called this. */
export const LEDGER = '~ledger';

export function ledgerJobId(queue: string): string {
  return `${LEDGER}/${queue}`;
}
