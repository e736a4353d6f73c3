/**
 * The member agent's Prometheus metrics, in a registry of its own; every sample carries the
 * `cluster` label of the member it serves.
 *
 * The agent is a Volcano for its cluster, so its scheduler and controllers export Volcano's names
 * (`volcano_e2e_scheduling_latency_milliseconds`, `volcano_unschedule_*`, `volcano_queue_*`, the
 * job-phase counters); what is the agent's own (placements, binding, reconcile errors, API calls,
 * leadership) is `caldera_agent_*`.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import { FAST_SECONDS_BUCKETS, MetricSet, type VolcanoCompatFamily } from '../shared/metrics/metric-set.js';
import { VolcanoCompatMetrics, volcanoCompatFamilies } from '../shared/metrics/volcano-compat-metrics.js';
import { VolcanoQueueMetrics, type ResourceAmounts } from '../shared/metrics/volcano-queue-metrics.js';

export { metricsRoute, metricsRequestListener, renderMetrics, PROMETHEUS_TEXT_CONTENT_TYPE } from '../shared/metrics/metrics-route.js';
export type { QueueResourceView, ResourceAmounts } from '../shared/metrics/volcano-queue-metrics.js';

export interface AgentMetricsOptions {
  /** the member cluster's name, added as `cluster` to every sample (omitted when absent) */
  cluster?: string;
  /** also serve the Volcano names that promtool's lint flags (default true) */
  volcanoCompat?: boolean;
  /** add prom-client's `process_*` and `nodejs_*` families (default true) */
  processMetrics?: boolean;
}

/** What the agent did with a placement from the gateway. */
export type AgentPlacementResult =
  | 'accepted' // the job was created in the cluster
  | 'rejected' // it cannot run here (reported back with a reason)
  | 'duplicate' // already applied: same job uid and epoch
  | 'stale'; // an older epoch than the one the agent holds: ignored

/** Node counts by state in `caldera_agent_nodes{state}`. */
export type NodeState = 'ready' | 'not_ready' | 'unschedulable';

export class AgentMetrics extends MetricSet {
  readonly cluster: string | undefined;
  readonly compatFamilies: readonly VolcanoCompatFamily[] = volcanoCompatFamilies('caldera_agent_');

  readonly podsBound: Counter<never>;
  readonly bindErrors: Counter<never>;
  readonly jobPhaseTransitions: Counter<'queue' | 'phase'>;
  readonly jobs: Gauge<'phase'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly placements: Counter<'result'>;
  readonly reportsSent: Counter<'type'>;
  readonly nodes: Gauge<'state'>;
  readonly allocatable: Gauge<'resource'>;
  readonly allocated: Gauge<'resource'>;
  readonly kubeRequestDuration: Histogram<'verb' | 'resource' | 'code'>;
  /** no label of its own: Prometheus's `instance` target label tells the replicas apart */
  readonly leader: Gauge<never>;
  /** Volcano's `schedule_attempts_total{result}`: Success, Unschedulable or Error per pod */
  readonly scheduleAttempts: Counter<'result'>;
  /** Volcano's `eviction_transactions_total{action}` (preempt, reclaim, ...) */
  readonly evictionTransactions: Counter<'action'>;
  readonly volcanoQueues: VolcanoQueueMetrics;
  /** the cycle histogram, unschedulable counts, PodGroup phases and finished jobs, Volcano name + twin */
  readonly cycle: VolcanoCompatMetrics;

  constructor(opts: AgentMetricsOptions = {}) {
    super({ volcanoCompat: opts.volcanoCompat ?? true, ...(opts.cluster ? { defaultLabels: { cluster: opts.cluster } } : {}) });
    this.cluster = opts.cluster;

    this.podsBound = this.counter({ name: 'caldera_agent_pods_bound_total', help: 'Pods the agent\'s scheduler bound to a node.' });
    this.bindErrors = this.counter({ name: 'caldera_agent_bind_errors_total', help: 'Pod bindings the API server refused or that failed.' });
    this.jobPhaseTransitions = this.counter({
      name: 'caldera_agent_job_phase_transitions_total',
      help: 'Job phase changes made by the job controller, by queue and the phase entered.',
      labelNames: ['queue', 'phase'],
    });
    this.jobs = this.gauge({ name: 'caldera_agent_jobs', help: 'Jobs in the cluster by phase.', labelNames: ['phase'] });
    this.reconcileDuration = this.histogram({
      name: 'caldera_agent_reconcile_duration_seconds',
      help: 'Duration of one reconcile of one object, by controller (job, podgroup, queue, placement), in seconds.',
      labelNames: ['controller'],
      buckets: FAST_SECONDS_BUCKETS,
    });
    this.reconcileErrors = this.counter({
      name: 'caldera_agent_reconcile_errors_total',
      help: 'Reconciles that ended in an error and were requeued, by controller.',
      labelNames: ['controller'],
    });
    this.placements = this.counter({
      name: 'caldera_agent_placements_total',
      help: 'Placements received from the gateway, by what the agent did with them.',
      labelNames: ['result'],
    });
    this.reportsSent = this.counter({
      name: 'caldera_agent_reports_total',
      help: 'Reports sent to the gateway, by message type.',
      labelNames: ['type'],
    });
    this.nodes = this.gauge({ name: 'caldera_agent_nodes', help: 'Nodes of the cluster by state.', labelNames: ['state'] });
    this.allocatable = this.gauge({
      name: 'caldera_agent_allocatable',
      help: 'Allocatable resources of the cluster\'s schedulable nodes, in base units (CPU cores, bytes, devices).',
      labelNames: ['resource'],
    });
    this.allocated = this.gauge({
      name: 'caldera_agent_allocated',
      help: 'Resources requested by the pods bound to the cluster\'s nodes, in base units.',
      labelNames: ['resource'],
    });
    this.kubeRequestDuration = this.histogram({
      name: 'caldera_agent_kube_request_duration_seconds',
      help: 'Duration of Kubernetes API calls by verb, resource and status code, in seconds.',
      labelNames: ['verb', 'resource', 'code'],
      buckets: FAST_SECONDS_BUCKETS,
    });
    this.leader = this.gauge({
      name: 'caldera_agent_leader',
      help: 'Whether this agent replica holds the cluster\'s Lease (1) or not (0).',
    });
    this.scheduleAttempts = this.counter({
      name: 'volcano_schedule_attempts_total',
      help: 'Pod scheduling attempts by result (Success, Unschedulable, Error).',
      labelNames: ['result'],
    });
    this.evictionTransactions = this.counter({
      name: 'volcano_eviction_transactions_total',
      help: 'Evictions committed by the scheduler, by action.',
      labelNames: ['action'],
    });
    this.volcanoQueues = new VolcanoQueueMetrics(this);
    this.cycle = new VolcanoCompatMetrics(this, { prefix: 'caldera_agent_', what: 'local (in-cluster)' });
    this.leader.set(0);
    if (opts.processMetrics ?? true) this.addProcessMetrics();
  }

  setLeader(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }

  /** One local cycle took `seconds` (fills the seconds histogram and Volcano's milliseconds one). */
  observeSchedulingCycle(seconds: number): void {
    this.cycle.observeCycle(seconds);
  }

  /** The job controller moved a job into `phase`; finished phases also feed Volcano's counters. */
  recordJobPhase(opts: { job: string; queue: string; phase: string }): void {
    this.jobPhaseTransitions.inc({ queue: opts.queue, phase: opts.phase });
    const p = opts.phase;
    if (p === 'Completed' || p === 'Failed' || p === 'Terminated' || p === 'Aborted') {
      this.cycle.jobFinished({ job: opts.job, queue: opts.queue, phase: p });
    }
  }

  /** Replaces the node picture: counts by state and the totals of schedulable nodes. */
  recordNodes(opts: { counts: Partial<Record<NodeState, number>>; allocatable: ResourceAmounts; allocated: ResourceAmounts }): void {
    this.nodes.reset();
    for (const state of ['ready', 'not_ready', 'unschedulable'] as const) this.nodes.set({ state }, opts.counts[state] ?? 0);
    this.allocatable.reset();
    this.allocated.reset();
    for (const [resource, amount] of Object.entries(opts.allocatable)) this.allocatable.set({ resource }, resource === 'cpu' ? amount / 1000 : amount);
    for (const [resource, amount] of Object.entries(opts.allocated)) this.allocated.set({ resource }, resource === 'cpu' ? amount / 1000 : amount);
  }

  /** Replaces the jobs-by-phase gauge. */
  setJobPhases(counts: Readonly<Record<string, number>>): void {
    this.jobs.reset();
    for (const [phase, n] of Object.entries(counts)) this.jobs.set({ phase }, n);
  }

  observeKubeRequest(opts: { verb: string; resource: string; code: number; seconds: number }): void {
    this.kubeRequestDuration.observe({ verb: opts.verb, resource: opts.resource, code: String(opts.code) }, opts.seconds);
  }
}

export function createAgentMetrics(opts: AgentMetricsOptions = {}): AgentMetrics {
  return new AgentMetrics(opts);
}
