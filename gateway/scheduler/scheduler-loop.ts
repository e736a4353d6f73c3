/**
 * The global scheduling loop on the leader. A cycle runs soon after something changed (debounced)
 * and on a periodic tick:
 *   0. remove deleted jobs from their members (placed ones) and from the store;
 *   1. ready the snapshot (backed-off jobs return, each queue's window is filled with gangs worth
 *      trying) — no Redis read; with none, the cycle ends here;
 *   2. run the scheduling core over it (synchronous);
 *   3. turn the bind decisions into gang placements, one cluster each, with a new epoch, and take
 *      them into the in-memory state at once so the next cycle cannot double-book their nodes;
 *   4. write placements and reservations in one fenced pipeline (a replica that lost the lease
 *      writes nothing and undoes its in-memory placements);
 *   5. dispatch what was written, one `addBulk` per cluster;
 *      (4 and 5 run in the background, in cycle order, while the next cycle decides: its snapshot
 *      already holds these placements, so nothing is double-booked)
 *   6. record why the gangs left pending are pending (condition + explain record), only when the
 *      reason changed; carry PodGroup phases to the next cycle; send the window's unplaced gangs
 *      to their queue's next sweep;
 *   7. reclaim for queues below their deserved share (rate limited);
 *   8. publish queue usage now and then.
 */
import type { Job } from '../../shared/api/job.js';
import {
  CALDERA_ATTEMPT_ANNOTATION,
  CALDERA_CLUSTER_ANNOTATION,
  CALDERA_EPOCH_ANNOTATION,
  CALDERA_UID_ANNOTATION,
} from '../../shared/api/well-known.js';
import type { PlacementMessage } from '../../shared/messages/index.js';
import {
  runCycle,
  type CycleResult,
  type Decision,
  type JobDiagnosis,
  type Registry,
  type SchedulerConfig,
} from '../../shared/scheduling/index.js';
import { placedMutation, unschedulableMutation } from '../ingest/job-status-mutations.js';
import type { PlacementWrite } from '../store/gateway-store.js';
import type { Placement, QueueUsage } from '../store/records.js';
import { GangReclaimer, type ReclaimSettings } from '../reclaim/gang-reclaimer.js';
import type { JobEntry } from './federation-state.js';
import { explainJob, type JobExplanation } from './job-explanation.js';
import { publishFederationMetrics } from './federation-metrics.js';
import { terminateDeletedJobs } from './job-termination.js';
import { splitNodeName } from './node-view.js';
import { NotLeaderError, type SchedulerContext } from './scheduler-context.js';

export interface SchedulerLoopOptions {
  ctx: SchedulerContext;
  config: SchedulerConfig;
  registry?: Registry;
  /** quiet time after a change before a cycle runs; default 5 ms */
  debounceMs?: number;
  /**
   * cycles start at least this far apart (default 20 ms): under a steady stream of submissions a
   * cycle takes what arrived meanwhile, so its fixed cost (a pass over every member node) is
   * shared by more gangs instead of being paid for each one or two
   */
  minIntervalMs?: number;
  /** a cycle runs at least this often; default 1000 ms */
  periodMs?: number;
  /** queue usage is written at most this often; default 2000 ms */
  usageEveryMs?: number;
  /**
   * gangs tried and not placed are tried again at least this often even when nothing changed
   * (waiting-time rules, reclaim rounds); default 5000 ms
   */
  refreshEveryMs?: number;
  reclaim?: Partial<ReclaimSettings>;
  /** why-pending conditions are queued only while fewer status writes than this wait; default 2000 */
  explainBacklogLimit?: number;
}

export interface CycleSummary {
  cycle: number;
  placed: number;
  pending: number;
  evicted: number;
  /** time deciding: readying the snapshot and the scheduling core */
  decideMs: number;
  /** time after deciding in the cycle itself (explanations, reclaim, usage; writes run behind it) */
  restMs: number;
  /** of restMs, the time spent waiting for the previous cycle's placements to be written */
  waitMs?: number;
  stats?: CycleResult['stats'];
}

interface Planned {
  e: JobEntry;
  prev: Placement | undefined;
  placement: Placement;
}

export class SchedulerLoop {
  readonly ctx: SchedulerContext;
  private readonly opts: SchedulerLoopOptions;
  private readonly debounceMs: number;
  private readonly minIntervalMs: number;
  private readonly explainBacklogLimit: number;
  private lastStartedAt = Number.NEGATIVE_INFINITY;
  private readonly periodMs: number;
  private readonly usageEveryMs: number;
  private readonly reclaimer: GangReclaimer;
  private cycleNo = 0;
  private debounce: NodeJS.Timeout | undefined;
  private tick: NodeJS.Timeout | undefined;
  private wake: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private lastUsageAt = 0;
  private lastRefreshAt = 0;
  private readonly refreshEveryMs: number;
  private lastUsageKey = '';
  /** placements written but not yet handed to their member's queue (dispatch failed) */
  private undispatched: PlacementMessage[] = [];
  /** the chain of placement batches being written and dispatched, in cycle order */
  private applying: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** the most recent cycle, for tests and metrics */
  last: CycleSummary | undefined;
  /** cycles that threw (logged) */
  failures = 0;

  constructor(opts: SchedulerLoopOptions) {
    this.opts = opts;
    this.ctx = opts.ctx;
    this.debounceMs = opts.debounceMs ?? 5;
    this.minIntervalMs = opts.minIntervalMs ?? 20;
    this.explainBacklogLimit = opts.explainBacklogLimit ?? 2000;
    this.periodMs = opts.periodMs ?? 1000;
    this.usageEveryMs = opts.usageEveryMs ?? 2000;
    this.refreshEveryMs = opts.refreshEveryMs ?? 5000;
    this.reclaimer = new GangReclaimer(opts.ctx, opts.reclaim);
  }

  get cycles(): number {
    return this.cycleNo;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick = setInterval(() => this.trigger(0), this.periodMs);
    this.trigger(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.debounce, this.wake]) if (t) clearTimeout(t);
    if (this.tick) clearInterval(this.tick);
    this.debounce = this.tick = this.wake = undefined;
    await this.idle();
  }

  /** Asks for a cycle after the debounce (a cycle in progress is followed by one more). */
  trigger(delayMs = this.debounceMs): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.debounce) return;
    const wait = Math.max(delayMs, this.lastStartedAt + this.minIntervalMs - performance.now());
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.run();
    }, Math.max(0, wait));
  }

  /**
   * Runs one cycle; never two at once. A cycle asked for meanwhile follows after a pause of half
   * the cycle's own work, so the scheduler leaves the process (the API, report ingestion) at least
   * a third of its time however busy it is. Time the cycle spent waiting for earlier placements to
   * be written is not work: it does not lengthen the pause (a slow write would otherwise hold the
   * next cycle back twice).
   */
  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.again = false;
    const started = performance.now();
    this.lastStartedAt = started;
    let waited = 0;
    const body = async (): Promise<void> => {
      try {
        this.last = await this.runOnce();
        waited = this.last.waitMs ?? 0;
      } catch (err) {
        this.failures++;
        if (err instanceof NotLeaderError) {
          this.ctx.log.warn({ err }, 'cycle stopped: leadership lost');
          return;
        }
        this.ctx.log.error({ err }, 'scheduling cycle failed');
      }
    };
    this.running = body().finally(() => { this.running = undefined; });
    await this.running;
    if (this.again) {
      this.again = false;
      this.trigger(Math.max(this.debounceMs, (performance.now() - started - waited) / 2));
    }
    this.armBackoffWake();
  }

  /** Wakes the loop when the earliest backed-off job may be placed again. */
  private armBackoffWake(): void {
    if (this.stopped) return;
    const at = this.ctx.state.nextBackoffExpiry();
    if (at === undefined) return;
    if (this.wake) clearTimeout(this.wake);
    this.wake = setTimeout(() => { this.wake = undefined; this.trigger(0); }, Math.max(0, at - this.ctx.clock.now()) + 1);
  }

  /** One cycle (steps 1–8 above). Steps 4 and 5 run in the background (see `apply`). */
  async runOnce(): Promise<CycleSummary> {
    const ctx = this.ctx;
    const token = ctx.token();
    const cycle = ++this.cycleNo;
    await this.retryDispatch();
    if (ctx.state.hasDeletions()) await terminateDeletedJobs(ctx);

    // 1. and 2.
    const t0 = performance.now();
    const now = ctx.clock.now();
    if (now - this.lastRefreshAt >= this.refreshEveryMs || this.reclaimer.due(now)) {
      this.lastRefreshAt = now;
      ctx.state.refresh();
    }
    const snapshot = ctx.state.prepareCycle(now);
    if (!ctx.state.hasWork()) {
      ctx.state.finishCycle();
      await this.publishUsage(undefined, now);
      return { cycle, placed: 0, pending: 0, evicted: 0, decideMs: performance.now() - t0, restMs: 0 };
    }
    const result = runCycle({ snapshot, config: this.opts.config, clock: ctx.clock, ...(this.opts.registry ? { registry: this.opts.registry } : {}) });
    const t1 = performance.now();

    // 3.
    const iso = new Date(now).toISOString();
    const planned = this.plan(result.decisions, iso);

    // more gangs may wait behind this window: look again right away
    if (planned.length > 0) this.again = true;

    // 4. and 5., behind the previous cycle's, while the next cycle may already decide
    const applied = this.applying.then(() => this.apply(planned, { token, cycle, iso }));
    this.applying = applied.then(() => undefined, () => undefined);
    this.inFlight++;
    void applied.finally(() => { this.inFlight--; }).catch((err: unknown) => {
      this.failures++;
      if (err instanceof NotLeaderError) this.ctx.log.warn({ err, cycle }, 'placements not written: leadership lost');
      else this.ctx.log.error({ err, cycle }, 'writing or dispatching placements failed');
    });

    // 6.
    for (const pg of result.podGroupStatus) {
      const e = ctx.state.jobs.get(pg.job);
      if (e && e.stage === 'pending' && pg.phase === 'Inqueue') e.phase = 'Inqueue';
    }
    const pendingDiagnoses = result.diagnostics.filter((d) => ctx.state.jobs.get(d.job)?.stage === 'pending');
    await this.explain(pendingDiagnoses, cycle, now);
    ctx.state.finishCycle();

    // 7.
    const evicted = await this.reclaimer.run({ result, pending: pendingDiagnoses, now });

    // 8.
    await this.publishUsage(result, now);
    // at most one batch waits behind the one being written: a slow Redis slows the cycles down
    let waitMs = 0;
    if (this.inFlight > 1) {
      const w0 = performance.now();
      await this.applying;
      waitMs = performance.now() - w0;
    }
    const t2 = performance.now();
    ctx.metrics?.observeSchedulingCycle((t2 - t0) / 1000);
    if (planned.length > 0 || evicted > 0) {
      ctx.log.info({ cycle, placed: planned.length, evicted, pending: pendingDiagnoses.length, decideMs: Math.round(t1 - t0), restMs: Math.round(t2 - t1) }, 'cycle');
    }
    return { cycle, placed: planned.length, pending: pendingDiagnoses.length, evicted, decideMs: t1 - t0, restMs: t2 - t1, waitMs, stats: result.stats };
  }

  /** Resolves when every placement decided so far is written and dispatched (or undone). */
  async idle(): Promise<void> {
    await this.running;
    await this.applying;
  }

  /**
   * Steps 4 and 5 for one cycle's placements: one fenced pipeline, then one `addBulk` per cluster.
   * A placement the store refuses is undone in memory; a replica that lost the lease undoes all.
   */
  private async apply(planned: readonly Planned[], opts: { token: string; cycle: number; iso: string }): Promise<void> {
    if (planned.length === 0) return;
    const ctx = this.ctx;
    const { cycle, iso } = opts;
    const t0 = performance.now();
    const writes: PlacementWrite[] = planned.map((p) => ({ placement: p.placement, reservation: ctx.state.reservationOf(p.e, p.placement, iso) }));
    let results;
    try {
      results = await ctx.placements.setPlacements(writes, opts.token);
    } catch (err) {
      for (const p of planned) ctx.state.unplace(p.e, p.prev);
      throw err;
    }
    if (results.some((r) => !r.ok && r.reason === 'Fenced')) {
      for (const p of planned) ctx.state.unplace(p.e, p.prev);
      throw new NotLeaderError();
    }
    let written: Planned[] = [];
    planned.forEach((p, i) => {
      const r = results[i];
      if (r?.ok) written.push(p);
      else {
        ctx.state.unplace(p.e, p.prev);
        ctx.log.warn({ job: p.e.id, cluster: p.placement.cluster, epoch: p.placement.epoch, cycle, result: r }, 'placement not recorded');
      }
    });
    const t1 = performance.now();
    const messages = written.map((p) => placementMessage(p.e, p.placement));
    try {
      await ctx.dispatcher.send(messages);
    } catch (err) {
      ctx.log.error({ err, cycle, count: messages.length }, 'dispatch failed; placements are recorded and will be sent again');
      this.undispatched.push(...messages);
      for (const m of messages) ctx.metrics?.placements.inc({ cluster: m.cluster, result: 'failed' });
      written = [];
    }
    const dispatchedAt = ctx.clock.now();
    for (const p of written) {
      const ref = { namespace: p.e.job.metadata.namespace ?? '', name: p.e.job.metadata.name ?? '', uid: p.e.uid };
      ctx.statusWriter.update(ref, placedMutation({ cluster: p.placement.cluster, epoch: p.placement.epoch, attempt: p.placement.attempt, uid: p.e.uid, now: iso }));
      ctx.metrics?.placements.inc({ cluster: p.placement.cluster, result: 'dispatched' });
      const created = Date.parse(p.e.job.metadata.creationTimestamp ?? '');
      if (Number.isFinite(created)) ctx.metrics?.submitToDispatch.observe(Math.max(0, dispatchedAt - created) / 1000);
      ctx.log.debug({ job: p.e.id, queue: p.e.shape.queue, cluster: p.placement.cluster, epoch: p.placement.epoch, cycle }, 'placed');
    }
    const t2 = performance.now();
    ctx.log.debug({ cycle, placed: written.length, writeMs: Math.round(t1 - t0), dispatchMs: Math.round(t2 - t1) }, 'placements written and dispatched');
  }

  /** Step 3: one placement per gang whose binds this cycle decided. */
  private plan(decisions: readonly Decision[], iso: string): Planned[] {
    const ctx = this.ctx;
    const binds = new Map<string, Array<{ task: string; node: string; domain: string | undefined }>>();
    for (const d of decisions) {
      if (d.type !== 'bind') continue;
      let list = binds.get(d.job);
      if (!list) binds.set(d.job, (list = []));
      list.push({ task: d.task, node: d.node, domain: d.domain });
    }
    const out: Planned[] = [];
    for (const [id, list] of binds) {
      const e = ctx.state.jobs.get(id);
      if (!e || e.stage !== 'pending' || e.deleting) continue;
      const clusters = new Set(list.map((b) => splitNodeName(b.node).cluster));
      if (clusters.size !== 1) {
        ctx.log.error({ job: id, clusters: [...clusters] }, 'a cycle split a gang over clusters; not placed');
        continue;
      }
      const cluster = [...clusters][0] as string;
      const byRole = new Map<string, Array<{ index: number; node: string }>>();
      for (const b of list) {
        const cut = b.task.lastIndexOf('-');
        const role = b.task.slice(0, cut);
        const index = Number(b.task.slice(cut + 1));
        let r = byRole.get(role);
        if (!r) byRole.set(role, (r = []));
        r.push({ index, node: splitNodeName(b.node).node });
      }
      const nodePlan: Record<string, string[]> = {};
      for (const [role, r] of byRole) nodePlan[role] = r.sort((a, b) => a.index - b.index).map((x) => x.node);
      const prevP = e.placement;
      const placement: Placement = {
        uid: e.uid,
        namespace: e.job.metadata.namespace ?? '',
        name: e.job.metadata.name ?? '',
        queue: e.shape.queue,
        cluster,
        epoch: (prevP?.epoch ?? 0) + 1,
        attempt: (prevP?.attempt ?? 0) + 1,
        state: 'Placed',
        placedAt: iso,
        nodePlan,
      };
      // assigned, not spread into the literal: placements keep shared hidden classes (see placementWith)
      if (prevP?.superseded && prevP.superseded.length > 0) placement.superseded = prevP.superseded;
      if (prevP?.retries !== undefined) placement.retries = prevP.retries;
      const prev = ctx.state.place(e, placement);
      out.push({ e, prev, placement });
    }
    return out;
  }

  /** Step 6: condition and explain record for gangs still pending, when the reason changed. */
  private async explain(diagnoses: readonly JobDiagnosis[], cycle: number, now: number): Promise<void> {
    const ctx = this.ctx;
    const records: Array<{ namespace: string; name: string; explanation: JobExplanation }> = [];
    const iso = new Date(now).toISOString();
    for (const d of diagnoses) {
      // why-pending conditions are the least urgent status writes: with a large backlog of them
      // (a flood of jobs that fit nowhere), the rest wait for a later cycle instead of piling up in
      // memory; the job stays undiagnosed, so it is explained once the writer has caught up
      if (ctx.statusWriter.backlog >= this.explainBacklogLimit) break;
      const e = ctx.state.jobs.get(d.job);
      if (!e) continue;
      const queue = ctx.state.queues.get(e.shape.queue);
      const state = queue?.status?.state;
      const key = textHash(`${state ?? ''}|${d.message}`);
      if (e.diagnosed === key) continue;
      e.diagnosed = key;
      const extra = state !== undefined && state !== 'Open' ? [`queue "${e.shape.queue}" is ${state.toLowerCase()}`] : [];
      const x = explainJob({ diagnosis: d, uid: e.uid, cycle, now, extraReasons: extra });
      const said = textHash(x.message);
      if (said === e.explained) continue;
      e.explained = said;
      records.push({ namespace: d.namespace, name: d.name, explanation: x });
      ctx.statusWriter.update({ namespace: d.namespace, name: d.name, uid: e.uid }, unschedulableMutation({ reason: 'NotEnoughResources', message: x.message, now: iso }));
    }
    if (records.length > 0) await ctx.store.putExplanations(records);
  }

  /** Step 8: per-queue usage for the API and metrics, at most every usageEveryMs and when changed. */
  private async publishUsage(result: CycleResult | undefined, now: number): Promise<void> {
    if (now - this.lastUsageAt < this.usageEveryMs) return;
    const ctx = this.ctx;
    const usage = ctx.state.queueUsage();
    const deserved = new Map((result?.queueStatus ?? []).map((q) => [q.queue, q]));
    const records: QueueUsage[] = [...usage].map(([queue, u]) => ({
      queue,
      allocated: u.allocated.toQuantities(),
      reserved: u.reserved.toQuantities(),
      pending: u.pending,
      running: u.running,
      ...(deserved.get(queue)?.deserved ? { deserved: deserved.get(queue)!.deserved!.toQuantities() } : {}),
      ...(deserved.get(queue)?.share !== undefined ? { share: deserved.get(queue)!.share } : {}),
    }));
    if (ctx.metrics) publishFederationMetrics(ctx.metrics, ctx.state, result?.queueStatus);
    const key = JSON.stringify(records);
    this.lastUsageAt = now;
    if (key === this.lastUsageKey) return;
    this.lastUsageKey = key;
    await ctx.store.setQueueUsage(records.map((r) => ({ ...r, updatedAt: new Date(now).toISOString() })));
  }

  private async retryDispatch(): Promise<void> {
    if (this.undispatched.length === 0) return;
    const msgs = this.undispatched;
    this.undispatched = [];
    try {
      await this.ctx.dispatcher.send(msgs);
    } catch (err) {
      this.undispatched.push(...msgs);
      this.ctx.log.error({ err, count: msgs.length }, 'dispatch retry failed');
    }
  }
}

/** A 32-bit FNV-1a hash: remembering that a text was written without keeping the text. */
function textHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The placement message for a gang: the admitted vcjob with the placement facts as annotations. */
export function placementMessage(e: JobEntry, p: Placement): PlacementMessage {
  const meta = e.job.metadata;
  const job: Job = {
    apiVersion: e.job.apiVersion,
    kind: e.job.kind,
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      ...(meta.labels ? { labels: meta.labels } : {}),
      annotations: {
        ...meta.annotations,
        [CALDERA_CLUSTER_ANNOTATION]: p.cluster,
        [CALDERA_EPOCH_ANNOTATION]: String(p.epoch),
        [CALDERA_ATTEMPT_ANNOTATION]: String(p.attempt),
        [CALDERA_UID_ANNOTATION]: e.uid,
      },
      ...(meta.creationTimestamp ? { creationTimestamp: meta.creationTimestamp } : {}),
    },
    spec: e.job.spec,
  };
  return {
    type: 'placement', v: 1, cluster: p.cluster, uid: e.uid, namespace: meta.namespace ?? '', name: meta.name ?? '',
    epoch: p.epoch, attempt: p.attempt, queue: e.shape.queue, job, nodePlan: p.nodePlan ?? {}, sentAt: Date.now(),
  };
}
