/**
 * Runs global reclaim after a cycle: victims come from the core's reclaim action (its evictions,
 * widened to whole gangs) and from the gang planner (whole gangs of queues above their deserved
 * share). At most `maxGangs` gangs are evicted per `intervalMs` (a token bucket), and a queue that
 * reclaimed waits `cooldownMs` before it reclaims again, so the room freed by one round is used
 * before another is asked for. Evicted gangs are deleted on their member and re-queued.
 */
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import type { CycleResult, JobDiagnosis } from '../../shared/scheduling/index.js';
import type { JobEntry } from '../scheduler/federation-state.js';
import { requeueGangs, type RequeueRequest } from '../scheduler/placement-actions.js';
import type { SchedulerContext } from '../scheduler/scheduler-context.js';
import { planGangReclaim, type NodeRoom, type ReclaimerPod, type ReclaimerView, type ReclaimQueueView, type VictimCandidate } from './gang-reclaim.js';

export interface ReclaimSettings {
  enabled: boolean;
  /** gangs evicted at most per interval */
  maxGangs: number;
  intervalMs: number;
  /** a queue that reclaimed waits this long before reclaiming again */
  cooldownMs: number;
}

export const DEFAULT_RECLAIM: ReclaimSettings = { enabled: true, maxGangs: 4, intervalMs: 10_000, cooldownMs: 5_000 };

export class GangReclaimer {
  private readonly settings: ReclaimSettings;
  private tokens: number;
  private refilledAt = 0;
  private readonly cooldown = new Map<string, number>();
  /** gangs evicted so far */
  evicted = 0;

  constructor(private readonly ctx: SchedulerContext, settings: Partial<ReclaimSettings> = {}) {
    this.settings = { ...DEFAULT_RECLAIM, ...settings };
    this.tokens = this.settings.maxGangs;
  }

  /** True when a queue's cooldown just ended: its gangs should be tried (and reclaimed for) again. */
  due(now: number): boolean {
    let due = false;
    for (const [q, until] of this.cooldown) {
      if (until <= now) {
        this.cooldown.delete(q);
        due = true;
      }
    }
    return due;
  }

  async run(opts: { result: CycleResult; pending: readonly JobDiagnosis[]; now: number }): Promise<number> {
    const s = this.settings;
    if (!s.enabled || s.maxGangs <= 0) return 0;
    const { result, pending, now } = opts;
    this.refill(now);
    if (this.tokens < 1) return 0;
    const state = this.ctx.state;

    const victims = new Map<string, { entry: JobEntry; forQueue: string }>();
    // the core's own evictions, widened to whole gangs
    for (const d of result.decisions) {
      if (d.type !== 'evict') continue;
      const e = state.jobs.get(d.job);
      if (e && e.stage === 'placed') victims.set(e.id, { entry: e, forQueue: d.reason });
    }

    // whole gangs for queues below their deserved share, taken from reclaimable queues above theirs
    const queues: ReclaimQueueView[] = [];
    let someAbove = false;
    let someBelow = false;
    for (const q of result.queueStatus) {
      if (!q.deserved) continue;
      const reclaimable = state.queues.get(q.queue)?.spec.reclaimable ?? true;
      queues.push({ name: q.queue, deserved: q.deserved, allocated: q.allocated, reclaimable });
      if (reclaimable && !q.allocated.lessEqual(q.deserved, { missing: 'zero' })) someAbove = true;
      if (below(q.allocated, q.deserved)) someBelow = true;
    }
    if (victims.size === 0 && (!someAbove || !someBelow)) return 0;
    const byQueue = new Map(queues.map((q) => [q.name, q]));
    const heads = new Map<string, { e: JobEntry; d: JobDiagnosis }>();
    for (const d of pending) {
      const e = state.jobs.get(d.job);
      if (!e || e.stage !== 'pending') continue;
      const q = e.shape.queue;
      if ((this.cooldown.get(q) ?? 0) > now) continue;
      const cur = heads.get(q);
      if (!cur || e.shape.priority > cur.e.shape.priority || (e.shape.priority === cur.e.shape.priority && e.order < cur.e.order)) heads.set(q, { e, d });
    }
    const reclaimers: ReclaimerView[] = [];
    for (const [queue, { e, d }] of heads) {
      const qv = byQueue.get(queue);
      if (!qv || !below(qv.allocated, qv.deserved)) continue;
      const clusters = d.domains.filter((x) => x.refused === undefined && x.domain !== undefined).map((x) => x.domain as string);
      if (clusters.length > 0) reclaimers.push({ queue, job: e.id, need: e.shape.minResources, clusters, pods: gangMinimum(e) });
    }
    const budget = Math.floor(this.tokens) - victims.size;
    if (reclaimers.length > 0 && budget > 0 && queues.some((q) => !q.allocated.lessEqual(q.deserved, { missing: 'zero' }))) {
      const candidates: VictimCandidate[] = [];
      for (const m of state.members.values()) {
        for (const id of m.placed) {
          const e = state.jobs.get(id);
          if (!e || e.stage !== 'placed' || !e.placement) continue;
          const started = Date.parse(e.placement.placedAt);
          const pods = state.podsOf(e);
          candidates.push({
            job: id, queue: e.shape.queue, cluster: m.name, priority: e.shape.priority, startedAt: Number.isFinite(started) ? started : 0,
            request: pods.reduce((sum, p) => sum.add(p.request), ResourceVector.empty()), pods,
          });
        }
      }
      // each cluster's nodes are read once per round, however many reclaimers look at them
      const rooms = new Map<string, NodeRoom[]>();
      const nodesIn = (c: string): NodeRoom[] => {
        let r = rooms.get(c);
        if (r === undefined) rooms.set(c, (r = state.nodeRooms(c)));
        return r;
      };
      const plans = planGangReclaim({
        queues, reclaimers, candidates, maxGangs: budget,
        freeIn: (c) => nodesIn(c).reduce((sum, n) => sum.add(n.free), ResourceVector.empty()),
        // room is counted node by node: evictions that free no node the gang can use are not made
        nodesIn,
      });
      for (const p of plans) {
        this.cooldown.set(p.reclaimer.queue, now + s.cooldownMs);
        for (const v of p.victims) {
          const e = state.jobs.get(v.job);
          if (e) victims.set(e.id, { entry: e, forQueue: `queue ${p.reclaimer.queue} (for ${p.reclaimer.job}) is below its deserved share` });
        }
      }
    }
    if (victims.size === 0) return 0;
    const take = [...victims.values()].slice(0, Math.floor(this.tokens));
    const reqs: RequeueRequest[] = take.map((v) => ({
      entry: v.entry, reason: 'Reclaimed', supersede: true, backoffMs: 0,
      message: `evicted by global reclaim: ${v.forQueue}`,
    }));
    await requeueGangs(this.ctx, reqs);
    this.tokens -= take.length;
    this.evicted += take.length;
    this.ctx.log.info({ count: take.length, jobs: take.map((v) => v.entry.id) }, 'reclaimed gangs');
    return take.length;
  }

  private refill(now: number): void {
    const s = this.settings;
    if (this.refilledAt === 0) this.refilledAt = now;
    const add = ((now - this.refilledAt) / s.intervalMs) * s.maxGangs;
    if (add > 0) {
      this.tokens = Math.min(s.maxGangs, this.tokens + add);
      this.refilledAt = now;
    }
  }
}

/** The pods of a gang's minimum (the first `minAvailable` in task order, as minResources counts them). */
function gangMinimum(e: JobEntry): ReclaimerPod[] {
  const pods: ReclaimerPod[] = [];
  let left = e.shape.minMember;
  for (const role of e.shape.roles) {
    const spec = role.spec.template?.spec;
    for (let i = 0; i < role.replicas && left > 0; i++, left--) {
      pods.push({
        request: role.request,
        ...(spec?.nodeSelector !== undefined ? { nodeSelector: spec.nodeSelector } : {}),
        ...(spec?.affinity !== undefined ? { affinity: spec.affinity } : {}),
        ...(spec?.tolerations !== undefined ? { tolerations: spec.tolerations } : {}),
      });
    }
  }
  return pods;
}

function below(allocated: ResourceVector, deserved: ResourceVector): boolean {
  return !deserved.lessEqual(allocated, { missing: 'zero' });
}
