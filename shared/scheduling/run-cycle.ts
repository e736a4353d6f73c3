// One scheduling cycle: a synchronous, deterministic function of (snapshot, config, clock).
//
// 1. Open a session over the snapshot; plugins register their callbacks.
// 2. Run the configured actions in order; they decide through statements.
// 3. Close the session; plugins write conditions and queue shares.
// 4. Collect decisions, PodGroup status, queue status, diagnostics of pending jobs and stats.

import { systemClock, type Clock } from '../clock.js';
import { DEFAULT_SCHEDULER_CONF, parseSchedulerConfig, type SchedulerConfig } from './config.js';
import type { Decision } from './decision.js';
import { diagnoseJob, type JobDiagnosis } from './diagnostics.js';
import { podGroupStatus, type PodGroupStatusUpdate } from './podgroup-status.js';
import { queueStatuses, type QueueStatusUpdate } from './queue-status.js';
import { defaultRegistry, type Registry } from './registry.js';
import { Session, type SessionCounters } from './session.js';
import type { ClusterSnapshot } from './snapshot.js';

export interface CycleInput {
  readonly snapshot: ClusterSnapshot;
  /** Default: Volcano's default configuration. */
  readonly config?: SchedulerConfig;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Actions and plugins the configuration may name; default: the built-in registry. */
  readonly registry?: Registry;
}

export interface CycleStats extends SessionCounters {
  readonly nodes: number;
  readonly domains: number;
  readonly queues: number;
  readonly jobs: number;
  readonly tasks: number;
  /** Distinct task shapes (request, selector, affinity, tolerations). */
  readonly shapes: number;
  readonly binds: number;
  readonly evictions: number;
  readonly pipelines: number;
  /** Time by the cycle's clock: whole cycle, session open, and each action. */
  readonly elapsedMs: number;
  readonly openMs: number;
  readonly actionMs: Readonly<Record<string, number>>;
}

export interface CycleResult {
  readonly decisions: readonly Decision[];
  readonly podGroupStatus: readonly PodGroupStatusUpdate[];
  readonly queueStatus: readonly QueueStatusUpdate[];
  /** Jobs that are not ready after the cycle, with why. */
  readonly diagnostics: readonly JobDiagnosis[];
  readonly stats: CycleStats;
}

let defaultConfig: SchedulerConfig | undefined;

/** Volcano's default configuration (`enqueue, allocate, backfill`; priority, gang, conformance | overcommit, drf, predicates, proportion, nodeorder). */
export function defaultSchedulerConfig(): SchedulerConfig {
  defaultConfig ??= parseSchedulerConfig(DEFAULT_SCHEDULER_CONF, { registry: defaultRegistry });
  return defaultConfig;
}

export function runCycle(input: CycleInput): CycleResult {
  const clock = input.clock ?? systemClock;
  const registry = input.registry ?? defaultRegistry;
  const config = input.config ?? defaultSchedulerConfig();
  const start = clock.now();
  const ssn = new Session({ snapshot: input.snapshot, config, clock, registry });
  try {
    return cycleOver(ssn, config, registry, clock, start);
  } finally {
    // the results are plain data: the session's node objects can serve the next cycle
    ssn.release();
  }
}

function cycleOver(ssn: Session, config: SchedulerConfig, registry: Registry, clock: Clock, start: number): CycleResult {
  ssn.open();
  const opened = clock.now();

  const actionMs: Record<string, number> = {};
  for (const name of config.actions) {
    const action = registry.actions[name];
    if (action === undefined) throw new Error(`action "${name}" is not registered`);
    const t0 = clock.now();
    action.execute(ssn);
    actionMs[name] = (actionMs[name] ?? 0) + clock.now() - t0;
  }

  ssn.close();

  const podGroups = ssn.jobs.map((job) => podGroupStatus(ssn, job));
  const phases = new Map(podGroups.map((p) => [p.job, p.phase]));
  const diagnostics: JobDiagnosis[] = [];
  for (const job of ssn.jobs) {
    if (job.tasks.length === 0 || (ssn.jobReady(job) && job.isReady())) continue;
    if (job.counts.count('Pending') === 0 && !job.isPending) continue;
    diagnostics.push(diagnoseJob(ssn, job));
  }
  const queueStatus = queueStatuses(ssn, phases);

  let binds = 0;
  let evictions = 0;
  let pipelines = 0;
  for (const d of ssn.decisions) {
    if (d.type === 'bind') binds++;
    else if (d.type === 'evict') evictions++;
    else pipelines++;
  }
  let tasks = 0;
  for (const j of ssn.jobs) tasks += j.tasks.length;
  const end = clock.now();
  return {
    decisions: ssn.decisions,
    podGroupStatus: podGroups,
    queueStatus,
    diagnostics,
    stats: {
      ...ssn.counters,
      nodes: ssn.nodes.length,
      domains: ssn.domains.length,
      queues: ssn.queues.length,
      jobs: ssn.jobs.length,
      tasks,
      shapes: ssn.shapes.shapes.length,
      binds,
      evictions,
      pipelines,
      elapsedMs: end - start,
      openMs: opened - start,
      actionMs,
    },
  };
}
