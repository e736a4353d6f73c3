/**
 * One member agent: "a Volcano for its cluster" that takes orders from the gateway.
 *
 * Start-up: list and watch the cluster (nodes, pods, vcjobs, PodGroups, queues), then campaign for the
 * Lease. The replica that leads runs the duties: the job, PodGroup, Queue and TTL controllers, the
 * local gang scheduler, the reporter and the dispatch consumer. Losing the lease stops them; other
 * replicas only keep their caches warm.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import type { Job } from '../shared/api/job.js';
import type { Queue } from '../shared/api/queue.js';
import { CALDERA_SCHEDULER_NAME, VOLCANO_SCHEDULER_NAME } from '../shared/api/well-known.js';
import { bullmqPrefix } from '../shared/messages/index.js';
import type { CycleResult, SchedulerConfig } from '../shared/scheduling/index.js';
import { ClusterCaches } from './cluster-caches.js';
import { JobTtlCollector } from './controllers/gc/job-ttl-collector.js';
import { JobController } from './controllers/job/job-controller.js';
import { KubeJobWriter } from './controllers/job/kube-job-writer.js';
import type { PluginDeps } from './controllers/job/plugins/job-plugin.js';
import { PodGroupController } from './controllers/podgroup/podgroup-controller.js';
import { QueueController } from './controllers/queue/queue-controller.js';
import { DispatchConsumer } from './dispatch/dispatch-consumer.js';
import { DispatchHandler, type PlacementOutcome } from './dispatch/dispatch-handler.js';
import { KubeAgentWriter } from './kube/kube-agent-writer.js';
import { KubeClient } from './kube/kube-client.js';
import { LeaderElector } from './leader/lease-election.js';
import { errorFields, silentLogger, type AgentLogger } from './logger.js';
import type { AgentMetrics } from './metrics.js';
import { recordClusterGauges, recordCycle } from './metrics-recording.js';
import { NodeUsage } from './node-usage.js';
import { StreamReportSink } from './reporter/stream-report-sink.js';
import { Reporter, type ReportSink } from './reporter/reporter.js';
import { AgentSnapshot } from './scheduler/agent-snapshot.js';
import { SchedulerLoop } from './scheduler/scheduler-loop.js';

export interface LeaderElectionConfig {
  namespace?: string;
  name?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface AgentOptions {
  /** the member cluster's name, as the gateway knows it */
  cluster: string;
  kubeConfig: k8s.KubeConfig;
  /** Redis shared with the gateway (BullMQ transport) */
  redisUrl: string;
  /** BullMQ prefix shared with the gateway (default `{caldera}`) */
  bullPrefix?: string;
  /** the scheduler name pods must carry (default `caldera`); `volcano` is always accepted too */
  schedulerName?: string;
  /** Volcano scheduler configuration (default: Volcano's default actions and tiers) */
  schedulerConfig?: SchedulerConfig;
  schedulePeriodMs?: number;
  /** `false`: this replica leads unconditionally (a single agent) */
  leaderElection?: LeaderElectionConfig | false;
  /** process identity (default host name + random) */
  identity?: string;
  reporter?: { heartbeatEveryMs?: number; deltaEveryMs?: number; fullEveryMs?: number };
  /** replaces the report queue (tests) */
  reportSink?: ReportSink;
  /** job-controller concurrency (default 8 jobs at once) */
  jobWorkers?: number;
  pluginDeps?: PluginDeps;
  /** called after each scheduling cycle with the number of bindings it decided (tests) */
  onSchedulerCycle?: (result: CycleResult, binds: number) => void;
  metrics?: AgentMetrics;
  log?: AgentLogger;
}

/** What runs on the leader; rebuilt each time this replica becomes leader. */
export interface AgentDuties {
  snapshot: AgentSnapshot;
  jobs: JobController;
  podGroups: PodGroupController;
  queues: QueueController;
  ttl: JobTtlCollector;
  scheduler: SchedulerLoop;
  reporter: Reporter;
  dispatch: DispatchConsumer;
}

export interface AgentHandle {
  readonly agentId: string;
  readonly caches: ClusterCaches;
  readonly client: KubeClient;
  isLeader(): boolean;
  /** the running duties, while this replica leads */
  duties(): AgentDuties | undefined;
  /** resolves once this replica leads and its duties run */
  leading(): Promise<AgentDuties>;
  /** replaces the scheduler configuration (a reloaded file), now and for later terms as leader */
  setSchedulerConfig(config: SchedulerConfig): void;
  stop(): Promise<void>;
}

/** Queues Volcano's scheduler creates at start-up. */
const BOOTSTRAP_QUEUES: Queue[] = [
  { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: 'root' }, spec: { weight: 1, reclaimable: false } },
  { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: 'default' }, spec: { weight: 1, reclaimable: true, parent: 'root' } },
];

export async function startAgent(options: AgentOptions): Promise<AgentHandle> {
  let opts = options;
  const log = opts.log ?? silentLogger;
  const identity = opts.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const agentId = `${opts.cluster}/${identity}`;
  const schedulerNames = new Set([opts.schedulerName ?? CALDERA_SCHEDULER_NAME, VOLCANO_SCHEDULER_NAME]);
  const prefix = opts.bullPrefix ?? bullmqPrefix();
  const metrics = opts.metrics;
  const client = new KubeClient(opts.kubeConfig, metrics ? { onRequest: (c) => metrics.observeKubeRequest(c) } : {});
  const writer = new KubeAgentWriter(client);
  const caches = new ClusterCaches(client, log);
  await caches.start();
  const usage = new NodeUsage(caches.pods);
  usage.start();

  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const sink = opts.reportSink ?? new StreamReportSink({ connection: redis, prefix });

  let current: AgentDuties | undefined;
  let gaugeTimer: NodeJS.Timeout | undefined;
  let waiters: ((d: AgentDuties) => void)[] = [];
  let transition: Promise<void> = Promise.resolve();

  const startDuties = async (): Promise<void> => {
    for (const q of BOOTSTRAP_QUEUES) {
      if (caches.queues.get(undefined, q.metadata.name ?? '')) continue;
      const made = await writer.createQueue(q);
      if (made) caches.queues.upsert(made);
    }
    const jobs = new JobController({
      stores: caches,
      writer: new KubeJobWriter(client),
      log,
      ...(metrics
        ? {
            onTransition: (j: Job, _from: string, to: string) => metrics.recordJobPhase({ job: j.metadata.name ?? '', queue: j.spec.queue ?? 'default', phase: to }),
            onStep: (seconds: number, failed: boolean) => {
              metrics.reconcileDuration.observe({ controller: 'job' }, seconds);
              if (failed) metrics.reconcileErrors.inc({ controller: 'job' });
            },
          }
        : {}),
      ...(opts.jobWorkers ? { workers: opts.jobWorkers } : {}),
      ...(opts.pluginDeps ? { deps: opts.pluginDeps } : {}),
    });
    const snapshot = new AgentSnapshot(caches, schedulerNames);
    const scheduler = new SchedulerLoop({
      snapshot,
      pods: caches.pods,
      podGroups: caches.podGroups,
      queues: caches.queues,
      writer,
      schedulerNames,
      log,
      ...(opts.schedulerConfig ? { config: opts.schedulerConfig } : {}),
      ...(opts.schedulePeriodMs ? { periodMs: opts.schedulePeriodMs } : {}),
      onCycle: (result, binds) => {
        if (metrics) recordCycle(metrics, result, binds, caches.queues);
        opts.onSchedulerCycle?.(result, binds);
      },
      ...(metrics
        ? {
            onBound: () => metrics.podsBound.inc(),
            onBindFailed: () => {
              metrics.bindErrors.inc();
              metrics.scheduleAttempts.inc({ result: 'Error' });
            },
          }
        : {}),
    });
    const reporter = new Reporter({
      cluster: opts.cluster,
      agentId,
      sink: metrics
        ? {
            send: (m) => {
              metrics.reportsSent.inc({ type: m.type });
              return sink.send(m);
            },
          }
        : sink,
      nodes: caches.nodes,
      pods: caches.pods,
      jobs: caches.jobs,
      usage,
      log,
      ...(opts.reporter ?? {}),
    });
    const handler = new DispatchHandler({
      api: writer,
      jobs: caches.jobs,
      queues: caches.queues,
      commands: jobs,
      results: reporter,
      log,
      ...(metrics
        ? {
            onPlacement: (outcome: PlacementOutcome, seconds: number) => {
              metrics.placements.inc({ result: outcome });
              metrics.reconcileDuration.observe({ controller: 'placement' }, seconds);
            },
          }
        : {}),
    });
    const duties: AgentDuties = {
      snapshot,
      jobs,
      podGroups: new PodGroupController({ pods: caches.pods, podGroups: caches.podGroups, writer, schedulerNames, log }),
      queues: new QueueController({ queues: caches.queues, podGroups: caches.podGroups, writer, log }),
      ttl: new JobTtlCollector({ jobs: caches.jobs, deleter: writer, log }),
      scheduler,
      reporter,
      dispatch: new DispatchConsumer({ connection: redis, prefix, cluster: opts.cluster, handle: (m) => handler.handle(m), log }),
    };
    snapshot.start();
    duties.jobs.start();
    duties.podGroups.start();
    duties.queues.start();
    duties.ttl.start();
    duties.scheduler.start();
    duties.reporter.start();
    duties.dispatch.start();
    current = duties;
    metrics?.setLeader(true);
    if (metrics) {
      const gauges = () => recordClusterGauges(metrics, { nodes: caches.nodes, jobs: caches.jobs, usage });
      gauges();
      gaugeTimer = setInterval(gauges, 5000);
      gaugeTimer.unref();
    }
    log.info({ agent: agentId }, 'agent duties started');
    for (const w of waiters.splice(0)) w(duties);
  };

  const stopDuties = async (): Promise<void> => {
    const d = current;
    current = undefined;
    if (!d) return;
    await d.dispatch.stop();
    await d.scheduler.stop();
    d.reporter.stop();
    d.ttl.stop();
    d.queues.stop();
    d.podGroups.stop();
    d.jobs.stop();
    d.snapshot.stop();
    if (gaugeTimer) clearInterval(gaugeTimer);
    gaugeTimer = undefined;
    metrics?.setLeader(false);
    log.info({ agent: agentId }, 'agent duties stopped');
  };

  const serial = (fn: () => Promise<void>) => {
    transition = transition.then(fn).catch((err: unknown) => log.error(errorFields(err), 'agent duty transition failed'));
    return transition;
  };

  let elector: LeaderElector | undefined;
  if (opts.leaderElection === false) {
    await serial(startDuties);
  } else {
    const le = opts.leaderElection ?? {};
    elector = new LeaderElector({
      api: writer,
      namespace: le.namespace ?? 'default',
      name: le.name ?? `caldera-agent-${opts.cluster}`,
      identity,
      log,
      onStartedLeading: () => serial(startDuties),
      onStoppedLeading: () => serial(stopDuties),
      ...(le.leaseDurationMs ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs ? { retryPeriodMs: le.retryPeriodMs } : {}),
    });
    elector.start();
  }

  return {
    agentId,
    caches,
    client,
    isLeader: () => current !== undefined,
    duties: () => current,
    leading: () => (current ? Promise.resolve(current) : new Promise((resolve) => waiters.push(resolve))),
    setSchedulerConfig(config) {
      opts = { ...opts, schedulerConfig: config };
      current?.scheduler.setConfig(config);
    },
    async stop() {
      if (elector) await elector.stop();
      await serial(stopDuties);
      waiters = [];
      usage.stop();
      caches.stop();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
