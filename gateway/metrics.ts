/**
 * The gateway's Prometheus metrics, in a registry of its own.
 *
 * Volcano's names where the meaning is Volcano's (`volcano_queue_*` for the global queues,
 * `volcano_e2e_scheduling_latency_milliseconds` for the global cycle, ...) so Volcano dashboards work
 * against the gateway; `caldera_*` for what only a federation has. Samples that must be current at
 * scrape time (member heartbeat age, dispatch queue depth) are read in `collect()` callbacks from
 * sources the gateway registers; the rest is set by the code that knows the value, preferably through
 * the `record*` methods, which keep Volcano's families and their `caldera_*` twins consistent.
 */
import type { FastifyInstance } from 'fastify';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { systemClock, type Clock } from '../shared/clock.js';
import { FAST_SECONDS_BUCKETS, MetricSet, type VolcanoCompatFamily } from '../shared/metrics/metric-set.js';
import { VolcanoCompatMetrics, volcanoCompatFamilies } from '../shared/metrics/volcano-compat-metrics.js';
import { VolcanoQueueMetrics, volcanoShare, type QueueResourceView, type ResourceAmounts } from '../shared/metrics/volcano-queue-metrics.js';

export { metricsRoute, metricsRequestListener, renderMetrics, PROMETHEUS_TEXT_CONTENT_TYPE } from '../shared/metrics/metrics-route.js';
export type { QueueResourceView, ResourceAmounts } from '../shared/metrics/volcano-queue-metrics.js';

/** What happened to a placement, as counted in `caldera_placements_total{result}`. */
export type PlacementResult =
  | 'dispatched' // decided by a cycle and handed to the member's dispatch queue
  | 'accepted' // the agent accepted it
  | 'rejected' // the agent rejected it (the job goes back to pending)
  | 'requeued' // the member was Lost; the gang goes back to the global queue
  | 'failed'; // dispatch itself failed (queue write error)

/** Member-cluster health as the gateway's health tracker holds it. */
export interface MemberHealthView {
  cluster: string;
  /** `Ready`, `NotReady` or `Lost` */
  state: string;
  /** when the last report arrived, ms since the epoch */
  lastSeenAt: number;
}

export type MemberHealthSource = () => Iterable<MemberHealthView>;
/** cluster → jobs waiting in its dispatch queue */
export type DispatchQueueDepthSource = () => Promise<Readonly<Record<string, number>>> | Readonly<Record<string, number>>;

export interface GatewayMetricsOptions {
  /** also serve the Volcano names that promtool's lint flags (default true) */
  volcanoCompat?: boolean;
  /** add prom-client's `process_*` and `nodejs_*` families (default true) */
  processMetrics?: boolean;
  clock?: Clock;
  memberHealth?: MemberHealthSource;
  dispatchQueueDepth?: DispatchQueueDepthSource;
}

const MEMBER_STATES = ['Ready', 'NotReady', 'Lost'] as const;

/** From submission to the placement's dispatch, which includes time spent pending for resources. */
const SUBMIT_TO_DISPATCH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class GatewayMetrics extends MetricSet {
  /** the Volcano families the lint flags, with their twins (see volcano-compat-metrics.ts) */
  readonly compatFamilies: readonly VolcanoCompatFamily[] = volcanoCompatFamilies('caldera_');

  readonly placements: Counter<'cluster' | 'result'>;
  readonly submitToDispatch: Histogram<never>;
  readonly memberHeartbeatAge: Gauge<'cluster'>;
  readonly memberReady: Gauge<'cluster'>;
  readonly memberState: Gauge<'cluster' | 'state'>;
  readonly memberAllocatable: Gauge<'cluster' | 'resource'>;
  readonly memberAllocated: Gauge<'cluster' | 'resource'>;
  readonly reservations: Gauge<'cluster'>;
  readonly queueDeserved: Gauge<'queue' | 'resource'>;
  readonly queueAllocated: Gauge<'queue' | 'resource'>;
  readonly queueShare: Gauge<'queue'>;
  readonly queueFairnessError: Gauge<'queue'>;
  /** no label of its own: Prometheus's `instance` target label tells the replicas apart */
  readonly leader: Gauge<never>;
  readonly apiRequestDuration: Histogram<'method' | 'route' | 'code'>;
  readonly dispatchQueueDepth: Gauge<'cluster'>;
  readonly reportBacklog: Gauge;
  readonly pendingJobs: Gauge<'queue' | 'reason'>;
  readonly reports: Counter<'cluster' | 'type'>;
  readonly collectErrors: Counter<'family'>;
  /** Volcano's queue gauges (global queues) */
  readonly volcanoQueues: VolcanoQueueMetrics;
  /** the cycle histogram, unschedulable counts, PodGroup phases and finished jobs, Volcano name + twin */
  readonly cycle: VolcanoCompatMetrics;

  private readonly clock: Clock;
  private memberHealth: MemberHealthSource | undefined;
  private depthSource: DispatchQueueDepthSource | undefined;
  private backlogSource: (() => Promise<number> | number) | undefined;

  constructor(opts: GatewayMetricsOptions = {}) {
    super({ volcanoCompat: opts.volcanoCompat ?? true });
    this.clock = opts.clock ?? systemClock;
    this.memberHealth = opts.memberHealth;
    this.depthSource = opts.dispatchQueueDepth;

    this.placements = this.counter({
      name: 'caldera_placements_total',
      help: 'Placements of gangs onto member clusters, by cluster and result.',
      labelNames: ['cluster', 'result'],
    });
    this.submitToDispatch = this.histogram({
      name: 'caldera_submit_to_dispatch_seconds',
      help: 'Time from a job\'s submission to the dispatch of its placement, including time pending, in seconds.',
      buckets: SUBMIT_TO_DISPATCH_BUCKETS,
    });
    this.memberHeartbeatAge = this.gauge({
      name: 'caldera_member_heartbeat_age_seconds',
      help: 'Seconds since the last report from the member cluster\'s agent.',
      labelNames: ['cluster'],
      collect: () => this.collectMembers(this.memberHeartbeatAge, (m) => [[{ cluster: m.cluster }, Math.max(0, (this.clock.now() - m.lastSeenAt) / 1000)]]),
    });
    this.memberReady = this.gauge({
      name: 'caldera_member_ready',
      help: 'Whether the member cluster takes new placements (1) or not (0).',
      labelNames: ['cluster'],
      collect: () => this.collectMembers(this.memberReady, (m) => [[{ cluster: m.cluster }, m.state === 'Ready' ? 1 : 0]]),
    });
    this.memberState = this.gauge({
      name: 'caldera_member_state',
      help: 'Health state of the member cluster: 1 on the current state (Ready, NotReady, Lost), 0 on the others.',
      labelNames: ['cluster', 'state'],
      collect: () => this.collectMembers(this.memberState, (m) => MEMBER_STATES.map((state) => [{ cluster: m.cluster, state }, m.state === state ? 1 : 0])),
    });
    this.memberAllocatable = this.gauge({
      name: 'caldera_member_allocatable',
      help: 'Allocatable resources of the member cluster\'s nodes, in base units (CPU cores, bytes, devices).',
      labelNames: ['cluster', 'resource'],
    });
    this.memberAllocated = this.gauge({
      name: 'caldera_member_allocated',
      help: 'Resources of the member cluster held by pods and reservations, in base units.',
      labelNames: ['cluster', 'resource'],
    });
    this.reservations = this.gauge({
      name: 'caldera_reservations',
      help: 'Placements whose resources the gateway holds until the agent reports them bound or rejected.',
      labelNames: ['cluster'],
    });
    this.queueDeserved = this.gauge({
      name: 'caldera_queue_deserved',
      help: 'Resources the queue deserves under federation-wide fair share, in base units (CPU cores, bytes, devices).',
      labelNames: ['queue', 'resource'],
    });
    this.queueAllocated = this.gauge({
      name: 'caldera_queue_allocated',
      help: 'Resources held by the queue\'s placed and running jobs, in base units (CPU cores, bytes, devices).',
      labelNames: ['queue', 'resource'],
    });
    this.queueShare = this.gauge({
      name: 'caldera_queue_share',
      help: 'The queue\'s share: the largest allocated/deserved ratio over its resources (1 = exactly its due).',
      labelNames: ['queue'],
    });
    this.queueFairnessError = this.gauge({
      name: 'caldera_queue_fairness_error',
      help: 'Dominant share of the federation the queue holds minus the dominant share it deserves (positive = above its due).',
      labelNames: ['queue'],
    });
    this.leader = this.gauge({
      name: 'caldera_leader',
      help: 'Whether this gateway replica holds the scheduling lease (1) or not (0).',
    });
    this.apiRequestDuration = this.histogram({
      name: 'caldera_api_request_duration_seconds',
      help: 'Duration of HTTP API requests by method, route pattern and status code (watch streams excluded), in seconds.',
      labelNames: ['method', 'route', 'code'],
      buckets: FAST_SECONDS_BUCKETS,
    });
    this.dispatchQueueDepth = this.gauge({
      name: 'caldera_dispatch_queue_depth',
      help: 'Entries waiting in the member cluster\'s dispatch queue (each a message or a batch of one cycle\'s messages).',
      labelNames: ['cluster'],
      collect: () => this.collectDispatchDepth(this.dispatchQueueDepth),
    });
    this.reportBacklog = this.gauge({
      name: 'caldera_report_backlog',
      help: 'Agent reports on the report stream the leader has not handled yet (read on the leader).',
      collect: () => this.collectReportBacklog(),
    });
    this.pendingJobs = this.gauge({
      name: 'caldera_pending_jobs',
      help: 'Pending jobs by queue and the reason they do not fit anywhere.',
      labelNames: ['queue', 'reason'],
    });
    this.reports = this.counter({
      name: 'caldera_reports_total',
      help: 'Reports received from member agents, by cluster and message type.',
      labelNames: ['cluster', 'type'],
    });
    this.collectErrors = this.counter({
      name: 'caldera_metrics_collect_errors_total',
      help: 'Scrapes at which reading a metric\'s source failed (the family kept its previous samples).',
      labelNames: ['family'],
    });
    this.volcanoQueues = new VolcanoQueueMetrics(this);
    this.cycle = new VolcanoCompatMetrics(this, { prefix: 'caldera_', what: 'global (federation)' });
    this.leader.set(0);
    if (opts.processMetrics ?? true) this.addProcessMetrics();
  }

  /** The gateway's health tracker, read at every scrape. */
  setMemberHealthSource(source: MemberHealthSource | undefined): void {
    this.memberHealth = source;
  }

  /** The leader's report-backlog reader, called at every scrape. */
  setReportBacklogSource(source: (() => Promise<number> | number) | undefined): void {
    this.backlogSource = source;
    if (!source) this.reportBacklog.reset();
  }

  /** The dispatcher's queue-depth reader, called at every scrape. */
  setDispatchQueueDepthSource(source: DispatchQueueDepthSource | undefined): void {
    this.depthSource = source;
  }

  /**
   * Marks this replica leader or not. Stepping down clears every family only the leader fills (queues,
   * pending, reservations, members' inventory, cycle pictures), so a former leader exports no stale
   * picture beside the new one's.
   */
  setLeader(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
    if (isLeader) return;
    this.recordQueues({ queues: [], total: {} });
    this.recordMemberResources([]);
    this.pendingJobs.reset();
    this.reservations.reset();
    this.cycle.setUnschedulable(new Map());
    this.cycle.setPodGroupPhases(new Map());
  }

  /** One global cycle took `seconds` (fills the seconds histogram and Volcano's milliseconds one). */
  observeSchedulingCycle(seconds: number): void {
    this.cycle.observeCycle(seconds);
  }

  /**
   * Replaces every queue's resource picture. `total` is the federation's allocatable (same units as
   * the views); the fairness error is each queue's dominant share of it held minus deserved.
   */
  recordQueues(opts: { queues: readonly QueueResourceView[]; total: ResourceAmounts }): void {
    this.volcanoQueues.record(opts.queues);
    this.queueDeserved.reset();
    this.queueAllocated.reset();
    this.queueShare.reset();
    this.queueFairnessError.reset();
    for (const q of opts.queues) {
      const deserved = q.deserved ?? {};
      for (const [resource, amount] of Object.entries(deserved)) this.queueDeserved.set({ queue: q.queue, resource }, baseUnits(resource, amount));
      for (const [resource, amount] of Object.entries(q.allocated)) this.queueAllocated.set({ queue: q.queue, resource }, baseUnits(resource, amount));
      this.queueShare.set({ queue: q.queue }, q.share ?? volcanoShare(q.allocated, deserved));
      this.queueFairnessError.set({ queue: q.queue }, dominantShare(q.allocated, opts.total) - dominantShare(deserved, opts.total));
    }
  }

  /** Replaces the members' node inventory totals (amounts as `ResourceVector.toAmounts()`). */
  recordMemberResources(members: readonly { cluster: string; allocatable: ResourceAmounts; allocated: ResourceAmounts }[]): void {
    this.memberAllocatable.reset();
    this.memberAllocated.reset();
    for (const m of members) {
      for (const [resource, amount] of Object.entries(m.allocatable)) this.memberAllocatable.set({ cluster: m.cluster, resource }, baseUnits(resource, amount));
      for (const [resource, amount] of Object.entries(m.allocated)) this.memberAllocated.set({ cluster: m.cluster, resource }, baseUnits(resource, amount));
    }
  }

  /** Replaces the why-pending picture with counts of pending jobs by queue and reason. */
  setPendingJobs(counts: Iterable<{ queue: string; reason: string; count: number }>): void {
    this.pendingJobs.reset();
    for (const c of counts) this.pendingJobs.inc({ queue: c.queue, reason: c.reason }, c.count);
  }

  /** Adds request-duration hooks to `app` (pass the root instance so every route is covered). */
  observeApiRequests(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const query = request.query as Record<string, unknown> | undefined;
      const watch = query?.watch;
      if (watch === 'true' || watch === '1' || watch === true) return;
      this.observeApiRequest({
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        code: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
      });
    });
  }

  observeApiRequest(opts: { method: string; route: string; code: number; seconds: number }): void {
    this.apiRequestDuration.observe({ method: opts.method, route: opts.route, code: String(opts.code) }, opts.seconds);
  }

  /** The request observer `buildApp({ metrics })` calls (same as observeApiRequest). */
  observeRequest(sample: { method: string; route: string; code: number; seconds: number }): void {
    this.observeApiRequest(sample);
  }

  private collectMembers<L extends string>(
    gauge: Gauge<L>,
    samples: (m: MemberHealthView) => [Partial<Record<L, string>>, number][],
  ): void {
    const source = this.memberHealth;
    if (!source) return;
    let members: MemberHealthView[];
    try {
      members = [...source()];
    } catch {
      this.collectErrors.inc({ family: 'caldera_member' });
      return;
    }
    gauge.reset();
    for (const m of members) for (const [labels, value] of samples(m)) gauge.set(labels, value);
  }

  private async collectReportBacklog(): Promise<void> {
    const source = this.backlogSource;
    if (!source) return;
    try {
      this.reportBacklog.set(await source());
    } catch {
      this.collectErrors.inc({ family: 'caldera_report_backlog' });
    }
  }

  private async collectDispatchDepth(gauge: Gauge<'cluster'>): Promise<void> {
    const source = this.depthSource;
    if (!source) return;
    let depths: Readonly<Record<string, number>>;
    try {
      depths = await source();
    } catch {
      this.collectErrors.inc({ family: 'caldera_dispatch_queue_depth' });
      return;
    }
    gauge.reset();
    for (const [cluster, depth] of Object.entries(depths)) gauge.set({ cluster }, depth);
  }
}

export function createGatewayMetrics(opts: GatewayMetricsOptions = {}): GatewayMetrics {
  return new GatewayMetrics(opts);
}

/** An amount from `ResourceVector.toAmounts()` in Prometheus base units: CPU in cores, the rest as is. */
export function baseUnits(resource: string, amount: number): number {
  return resource === 'cpu' ? amount / 1000 : amount;
}

/** The largest fraction of `total` that `amounts` takes in any resource `total` has. */
export function dominantShare(amounts: ResourceAmounts, total: ResourceAmounts): number {
  let share = 0;
  for (const [name, t] of Object.entries(total)) {
    if (!(t > 0)) continue;
    const s = (amounts[name] ?? 0) / t;
    if (s > share) share = s;
  }
  return share;
}
