/**
 * The federation side of a gateway replica: it campaigns for the scheduler lease, and while it
 * leads it runs one reign —
 *   1. load the store once into the in-memory federation state and restore member health;
 *   2. follow the change feed from the loaded resourceVersion (jobs, queues, members);
 *   3. dispatch again every placement written but not yet accepted (agents are idempotent by uid
 *      and epoch, and BullMQ ids make a still-queued copy a no-op);
 *   4. consume the agents' reports, watch member health, and run the scheduling loop;
 * and stops all of it the moment the lease is lost. Replicas that do not lead only serve the API.
 */
import { Redis } from 'ioredis';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../shared/clock.js';
import { bullmqPrefix, type DispatchMessage } from '../shared/messages/index.js';
import { Dispatcher, type DispatchSink } from './dispatch/dispatcher.js';
import { HealthMonitor } from './health/health-monitor.js';
import { MemberHealthTracker, type MemberHealthConfig, type MemberHealthRecord } from './health/member-health.js';
import { JobStatusWriter } from './ingest/job-status-writer.js';
import { ReportConsumer, reportBacklog } from './ingest/report-consumer.js';
import { ReportIngest } from './ingest/report-ingest.js';
import { LeaderLease, type LeaderTerm } from './leader/leader-lease.js';
import { silentLogger } from './leader/silent-logger.js';
import type { GatewayComponent } from './main.js';
import type { GatewayMetrics } from './metrics.js';
import type { ReclaimSettings } from './reclaim/gang-reclaimer.js';
import { FederationState } from './scheduler/federation-state.js';
import { gatewaySchedulerConfig } from './scheduler/gateway-profile.js';
import {
  DEFAULT_FEDERATION_SETTINGS,
  NotLeaderError,
  type FederationSettings,
  type SchedulerContext,
} from './scheduler/scheduler-context.js';
import { placementMessage, SchedulerLoop } from './scheduler/scheduler-loop.js';
import type { Subscription } from './store/gateway-store.js';
import { FencedPlacementStore } from './store/placement-store.js';
import { RedisGatewayStore } from './store/redis-gateway-store.js';

export interface FederationOptions {
  redisUrl: string;
  /** store key prefix (default `caldera`) */
  prefix?: string;
  feedMaxLen?: number;
  /** BullMQ prefix shared with the agents; default `bullmqPrefix()` */
  queuePrefix?: string;
  /** this replica's id in the lease */
  holderId?: string;
  /** a crashed leader is replaced within this long; default 10 s */
  leaseTtlMs?: number;
  health?: Partial<MemberHealthConfig>;
  /** how often member health is checked; default a fifth of the NotReady timeout (10 ms – 1 s) */
  healthCheckEveryMs?: number;
  /** Volcano scheduler configuration (YAML); default the gateway profile */
  schedulerConfig?: string;
  windowPerQueue?: number;
  debounceMs?: number;
  /**
   * the process's store, shared with the API (one connection and one change-feed reader for
   * both); the federation does not close it. Without it the federation connects its own.
   */
  store?: RedisGatewayStore;
  /** scheduling cycles start at least this far apart; default 20 ms */
  minCycleIntervalMs?: number;
  periodMs?: number;
  refreshEveryMs?: number;
  /** why-pending conditions are queued only while fewer status writes wait; default 2000 */
  explainBacklogLimit?: number;
  settings?: Partial<FederationSettings>;
  reclaim?: Partial<ReclaimSettings>;
  priorityClasses?: Record<string, number>;
  dispatchAttempts?: number;
  /** reports read and handled at once, at most; default 512 */
  reportBatch?: number;
  clock?: Clock;
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** replaces the BullMQ dispatcher (tests) */
  dispatcher?: DispatchSink;
}

/** One reign of this replica as leader. */
export class LeaderRun {
  readonly state: FederationState;
  readonly loop: SchedulerLoop;
  readonly ctx: SchedulerContext;
  private subscription: Subscription | undefined;
  private consumer: ReportConsumer | undefined;
  private monitor: HealthMonitor | undefined;
  private ended = false;

  constructor(
    private readonly fed: Federation,
    readonly term: LeaderTerm,
    private readonly parts: { dispatcher: DispatchSink; statusWriter: JobStatusWriter; workerConnection: Redis },
  ) {
    const o = fed.options;
    const clock = o.clock ?? systemClock;
    this.state = new FederationState({
      ...(o.windowPerQueue !== undefined ? { windowPerQueue: o.windowPerQueue } : {}),
      ...(o.priorityClasses ? { priorityClasses: o.priorityClasses } : {}),
    });
    const health = new MemberHealthTracker({ config: o.health ?? {}, clock });
    this.ctx = {
      state: this.state,
      store: fed.store,
      placements: fed.placements,
      dispatcher: parts.dispatcher,
      statusWriter: parts.statusWriter,
      health,
      clock,
      log: fed.log.child({ epoch: term.term }),
      settings: { ...DEFAULT_FEDERATION_SETTINGS, ...o.settings },
      ...(o.metrics ? { metrics: o.metrics } : {}),
      token: () => {
        const l = fed.lease.leadership();
        if (this.ended || !l || l.term !== term.term) throw new NotLeaderError();
        return l.token;
      },
      // called only once the reign has begun, after the loop below exists
      trigger: () => this.loop.trigger(),
    };
    this.loop = new SchedulerLoop({
      ctx: this.ctx,
      config: gatewaySchedulerConfig(o.schedulerConfig),
      ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
      ...(o.minCycleIntervalMs !== undefined ? { minIntervalMs: o.minCycleIntervalMs } : {}),
      ...(o.periodMs !== undefined ? { periodMs: o.periodMs } : {}),
      ...(o.refreshEveryMs !== undefined ? { refreshEveryMs: o.refreshEveryMs } : {}),
      ...(o.explainBacklogLimit !== undefined ? { explainBacklogLimit: o.explainBacklogLimit } : {}),
      ...(o.reclaim ? { reclaim: o.reclaim } : {}),
    });
  }

  /** Steps 1–4 of a reign. */
  async begin(): Promise<void> {
    const ctx = this.ctx;
    const o = this.fed.options;
    // 1.
    const snap = await ctx.store.loadSnapshot();
    const heartbeats = await ctx.store.heartbeats();
    this.state.load(snap);
    const now = ctx.clock.now();
    const records: MemberHealthRecord[] = [];
    for (const m of snap.members) {
      const name = m.metadata.name ?? '';
      const phase = m.status?.phase;
      if (phase === undefined || phase === 'Unknown') continue;
      records.push({ cluster: name, state: phase, lastSeenAt: heartbeats[name]?.at ?? now, since: now });
      this.state.setReadiness(name, phase);
    }
    ctx.health.restore(records, now);
    ctx.token();
    // 2.
    this.subscription = await ctx.store.subscribe({
      afterRv: snap.resourceVersion,
      onChange: (c) => {
        if (this.state.applyChange(c)) this.loop.trigger();
      },
      onError: (err) => {
        ctx.log.error({ err }, 'change feed failed; starting the reign over');
        void this.fed.restartReign(this);
      },
    });
    // 3.
    const resend: DispatchMessage[] = [];
    for (const e of this.state.jobs.values()) {
      const p = e.placement;
      if (e.stage === 'placed' && p && (p.state === 'Placed' || p.state === 'Dispatched')) resend.push(placementMessage(e, p));
    }
    if (resend.length > 0) {
      await this.parts.dispatcher.send(resend);
      ctx.log.info({ count: resend.length }, 'placements not yet accepted were dispatched again');
    }
    // 4.
    const ingest = new ReportIngest({ ctx, onTransitions: (ts) => this.monitor?.handle(ts) ?? Promise.resolve() });
    this.consumer = new ReportConsumer({
      connection: this.parts.workerConnection,
      prefix: this.fed.queuePrefix,
      handler: ingest,
      logger: ctx.log,
      clock: ctx.clock,
      ...(o.reportBatch !== undefined ? { maxBatch: o.reportBatch } : {}),
    });
    const notReady = o.health?.notReadyAfterMs ?? 30_000;
    const consumer = this.consumer;
    this.monitor = new HealthMonitor(ctx, {
      checkEveryMs: o.healthCheckEveryMs ?? Math.min(1000, Math.max(10, Math.floor(notReady / 5))),
      caughtUpAt: () => consumer.caughtUpAt(),
    });
    this.monitor.start();
    this.consumer.start();
    this.loop.start();
    const metrics = o.metrics;
    if (metrics) {
      metrics.setLeader(true);
      metrics.setMemberHealthSource(() => ctx.health.records().map((r) => ({ cluster: r.cluster, state: r.state, lastSeenAt: r.lastSeenAt })));
      const dispatcher = this.parts.dispatcher;
      if (dispatcher instanceof Dispatcher) metrics.setDispatchQueueDepthSource(() => dispatcher.depths());
      const connection = this.parts.workerConnection;
      metrics.setReportBacklogSource(() => reportBacklog(connection, this.fed.queuePrefix));
    }
    ctx.log.info({ jobs: this.state.jobs.size, members: this.state.members.size, rv: snap.resourceVersion }, 'leading: state loaded');
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const metrics = this.fed.options.metrics;
    if (metrics) {
      metrics.setLeader(false);
      metrics.setMemberHealthSource(undefined);
      metrics.setDispatchQueueDepthSource(undefined);
      metrics.setReportBacklogSource(undefined);
    }
    this.subscription?.close();
    await Promise.allSettled([this.loop.stop(), this.consumer?.close(), this.monitor?.stop()]);
    await this.parts.statusWriter.close().catch(() => undefined);
  }
}

export class Federation {
  readonly options: FederationOptions;
  readonly store: RedisGatewayStore;
  readonly placements: FencedPlacementStore;
  readonly lease: LeaderLease;
  readonly log: Logger;
  readonly queuePrefix: string;
  private readonly bullConnection: Redis;
  private dispatcher: DispatchSink | undefined;
  private reign: LeaderRun | undefined;
  private transition: Promise<void> = Promise.resolve();
  private stopped = false;
  /** reigns so far (tests) */
  reigns = 0;

  private constructor(options: FederationOptions, store: RedisGatewayStore, bullConnection: Redis, private readonly ownsStore: boolean) {
    this.options = options;
    this.store = store;
    this.bullConnection = bullConnection;
    this.placements = new FencedPlacementStore(store, { ...(options.feedMaxLen !== undefined ? { feedMaxLen: options.feedMaxLen } : {}) });
    this.queuePrefix = options.queuePrefix ?? bullmqPrefix();
    const holderId = options.holderId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.log = (options.logger ?? silentLogger).child({ component: 'federation', holder: holderId });
    this.lease = new LeaderLease({
      redis: store.client,
      leaseKey: store.keys.leaderLease,
      termKey: store.keys.leaderTerm,
      holderId,
      ...(options.leaseTtlMs !== undefined ? { ttlMs: options.leaseTtlMs } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      logger: this.log,
      onElected: (term) => this.schedule(() => this.lead(term)),
      onDeposed: () => this.schedule(() => this.abdicate()),
    });
  }

  static async start(options: FederationOptions): Promise<Federation> {
    const store = options.store ?? await Federation.connectStore(options);
    const bull = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    bull.on('error', () => {
      // ioredis reconnects; BullMQ surfaces failures to its callers
    });
    const fed = new Federation(options, store, bull, options.store === undefined);
    options.metrics?.setLeader(false);
    await fed.lease.start();
    return fed;
  }

  private static async connectStore(options: FederationOptions): Promise<RedisGatewayStore> {
    // Auto-pipelining: the commands a cycle, a report batch or a status flush issue in one tick go
    // to Redis in one write instead of one system call each.
    const client = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true });
    client.on('error', () => {
      // ioredis reconnects by itself; failing commands surface to their callers
    });
    await client.connect();
    return new RedisGatewayStore({
      client,
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      ...(options.feedMaxLen !== undefined ? { feedMaxLen: options.feedMaxLen } : {}),
    });
  }

  isLeader(): boolean {
    return this.lease.isLeader() && this.reign !== undefined;
  }

  /** The current reign (tests, benchmarks). */
  get leader(): LeaderRun | undefined {
    return this.reign;
  }

  /** Waits until pending leadership changes have been acted on. */
  settled(): Promise<void> {
    return this.transition;
  }

  /** Leadership changes are handled one at a time, in order. */
  private schedule(fn: () => Promise<void>): void {
    this.transition = this.transition.then(fn).catch((err: unknown) => this.log.error({ err }, 'leadership change failed'));
  }

  private async lead(term: LeaderTerm): Promise<void> {
    if (this.stopped) return;
    await this.abdicate();
    const l = this.lease.leadership();
    if (!l || l.term !== term.term) return;
    this.dispatcher ??= this.options.dispatcher ?? new Dispatcher({
      connection: this.bullConnection,
      prefix: this.queuePrefix,
      logger: this.log,
      ...(this.options.dispatchAttempts !== undefined ? { attempts: this.options.dispatchAttempts } : {}),
    });
    const statusWriter = new JobStatusWriter({ store: this.store, logger: this.log });
    const run = new LeaderRun(this, term, { dispatcher: this.dispatcher, statusWriter, workerConnection: this.bullConnection });
    this.reign = run;
    this.reigns++;
    try {
      await run.begin();
    } catch (err) {
      this.log.error({ err }, 'could not begin leading');
      if (this.reign === run) this.reign = undefined;
      await run.end();
    }
  }

  private async abdicate(): Promise<void> {
    const run = this.reign;
    this.reign = undefined;
    if (run) await run.end();
  }

  /** Starts the reign over from the store (the change feed was lost). */
  restartReign(run: LeaderRun): Promise<void> {
    this.schedule(async () => {
      if (this.reign !== run) return;
      await this.abdicate();
      const l = this.lease.leadership();
      if (l) await this.lead(l);
    });
    return this.transition;
  }

  /**
   * Stops campaigning and leading. `release: false` leaves the lease to expire, as a crashed
   * replica would (tests).
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    await this.abdicate();
    await this.lease.stop(opts);
    await this.transition;
    await this.dispatcher?.close();
    if (this.ownsStore) await this.store.close();
    await this.bullConnection.quit().catch(() => this.bullConnection.disconnect());
  }
}

/**
 * The federation as a component of `startGateway`: every replica campaigns; the leader schedules.
 * The scheduler configuration comes from `CALDERA_SCHEDULER_CONFIG` when set (checked at start).
 */
export function federationComponent(opts: Omit<FederationOptions, 'redisUrl' | 'prefix' | 'feedMaxLen' | 'logger' | 'clock'> = {}): GatewayComponent {
  return {
    name: 'federation',
    async start(c) {
      const file = c.config.schedulerConfigFile;
      const schedulerConfig = opts.schedulerConfig ?? (file !== undefined ? await readFile(file, 'utf8') : undefined);
      if (schedulerConfig !== undefined) gatewaySchedulerConfig(schedulerConfig); // fail now, not at election
      const fed = await Federation.start({
        ...opts,
        ...(schedulerConfig !== undefined ? { schedulerConfig } : {}),
        redisUrl: c.redisUrl,
        prefix: c.config.prefix,
        feedMaxLen: c.config.feedMaxLen,
        // one connection and one change-feed reader for the API and the scheduler
        ...(c.store instanceof RedisGatewayStore ? { store: c.store } : {}),
        health: { notReadyAfterMs: c.config.notReadyAfterMs, lostAfterMs: c.config.lostAfterMs, ...opts.health },
        logger: c.logger as Logger,
        clock: c.clock,
      });
      return { stop: () => fed.stop() };
    },
  };
}
