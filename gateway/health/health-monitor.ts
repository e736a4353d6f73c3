/**
 * Acts on member health on the leader: checks the tracker on a timer and on every transition
 *   - NotReady: the member's domain takes no new placements; its jobs stay where they are;
 *   - Lost: every gang placed there goes back to its queue as a whole (a new epoch will supersede
 *     the copy the member may still hold), honouring each job's maxRetry;
 *   - back from Lost: the member is told to delete every copy from a superseded placement;
 * and records the phase on the MemberCluster object.
 */
import type { MemberPhase } from '../store/records.js';
import { deleteSupersededOn, requeueGangs, type RequeueRequest } from '../scheduler/placement-actions.js';
import type { SchedulerContext } from '../scheduler/scheduler-context.js';
import type { HealthTransition } from './member-health.js';

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly opts: {
      checkEveryMs: number;
      /** up to when every report has been read (the report consumer's catch-up time) */
      caughtUpAt?: () => number;
    },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { void this.check(); }, this.opts.checkEveryMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Applies the passage of time. */
  check(): Promise<void> {
    const ts = this.ctx.health.evaluate(this.opts.caughtUpAt?.());
    if (ts.length === 0) return this.running;
    return this.handle(ts);
  }

  /** Acts on transitions (from `check` or from report ingestion), one batch at a time. */
  handle(ts: readonly HealthTransition[]): Promise<void> {
    this.running = this.running.then(() => this.apply(ts)).catch((err: unknown) => {
      this.ctx.log.error({ err }, 'acting on member health failed');
    });
    return this.running;
  }

  private async apply(ts: readonly HealthTransition[]): Promise<void> {
    const ctx = this.ctx;
    for (const t of ts) {
      ctx.state.setReadiness(t.cluster, t.to);
      const fields = { cluster: t.cluster, from: t.from, to: t.to, reason: t.reason };
      if (t.to === 'Ready') ctx.log.info(fields, 'member health changed');
      else ctx.log.warn(fields, 'member health changed');
    }
    const lost = ts.filter((t) => t.to === 'Lost');
    const requeues: RequeueRequest[] = [];
    for (const t of lost) {
      const member = ctx.state.members.get(t.cluster);
      for (const id of member?.placed ?? []) {
        const entry = ctx.state.jobs.get(id);
        if (!entry || entry.stage !== 'placed') continue;
        requeues.push({
          entry, reason: 'MemberLost', supersede: true, backoffMs: 0,
          message: `cluster ${t.cluster} sent no report for longer than its grace period; the gang was taken back`,
        });
      }
    }
    if (requeues.length > 0) await requeueGangs(ctx, requeues);
    for (const t of ts.filter((x) => x.returned)) await deleteSupersededOn(ctx, t.cluster);
    await Promise.all(ts.map((t) => this.persist(t)));
    ctx.trigger();
  }

  private async persist(t: HealthTransition): Promise<void> {
    const phase: MemberPhase = t.to;
    const at = new Date(t.at).toISOString();
    await this.ctx.store.mutateMember(t.cluster, (m) => {
      if (m.status?.phase === phase) return undefined;
      const conditions = (m.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
      conditions.push({ type: 'Ready', status: phase === 'Ready' ? 'True' : 'False', lastTransitionTime: at, reason: t.reason });
      m.status = { ...m.status, phase, ready: phase === 'Ready', reason: t.reason, conditions };
      return m;
    }).catch((err: unknown) => this.ctx.log.warn({ err, cluster: t.cluster }, 'could not record member phase'));
  }
}
