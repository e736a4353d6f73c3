/**
 * Volcano families whose names promtool's lint rejects, each kept for existing dashboards and
 * paired with a lint-clean twin. Recording goes through the methods here so the pair never drifts.
 *
 * | Volcano family (compat)                               | twin (core)                                |
 * |-------------------------------------------------------|--------------------------------------------|
 * | volcano_e2e_scheduling_latency_milliseconds           | <prefix>scheduling_cycle_seconds           |
 * | volcano_unschedule_task_count{job_id}                 | <prefix>unschedulable_tasks{job}           |
 * | volcano_unschedule_job_count                          | <prefix>unschedulable_jobs                 |
 * | volcano_queue_pod_group_<phase>_count{queue_name}     | <prefix>queue_pod_groups{queue,phase}      |
 * | volcano_job_completed_phase_count{job_name,queue_name}| <prefix>jobs_finished_total{queue,phase}   |
 * | volcano_job_failed_phase_count{job_name,queue_name}   | <prefix>jobs_finished_total{queue,phase}   |
 *
 * The twins of the per-job counters drop the job label: one series per job is unbounded.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import { FAST_SECONDS_BUCKETS, exponentialBucketsRange, type MetricSet, type VolcanoCompatFamily } from './metric-set.js';

export type PodGroupPhaseName = 'Pending' | 'Inqueue' | 'Running' | 'Unknown' | 'Completed';

export const POD_GROUP_PHASES: readonly PodGroupPhaseName[] = ['Pending', 'Inqueue', 'Running', 'Unknown', 'Completed'];

/** Job phases after which a job never runs again. */
export type FinishedJobPhase = 'Completed' | 'Failed' | 'Terminated' | 'Aborted';

const BASE_UNIT = 'use base unit "seconds" instead of "milliseconds"';
const NO_TOTAL = 'counter metrics should have "_total" suffix';
const COUNT_SUFFIX = 'non-histogram and non-summary metrics should not have "_count" suffix';

/** The compat families of a process whose own families start with `prefix` (`caldera_` or `caldera_agent_`). */
export function volcanoCompatFamilies(prefix: string): VolcanoCompatFamily[] {
  return [
    { name: 'volcano_e2e_scheduling_latency_milliseconds', twin: `${prefix}scheduling_cycle_seconds`, lint: [BASE_UNIT] },
    { name: 'volcano_unschedule_task_count', twin: `${prefix}unschedulable_tasks`, lint: [COUNT_SUFFIX] },
    { name: 'volcano_unschedule_job_count', twin: `${prefix}unschedulable_jobs`, lint: [COUNT_SUFFIX] },
    ...POD_GROUP_PHASES.map((p) => ({ name: podGroupFamily(p), twin: `${prefix}queue_pod_groups`, lint: [COUNT_SUFFIX] })),
    { name: 'volcano_job_completed_phase_count', twin: `${prefix}jobs_finished_total`, lint: [NO_TOTAL, COUNT_SUFFIX] },
    { name: 'volcano_job_failed_phase_count', twin: `${prefix}jobs_finished_total`, lint: [NO_TOTAL, COUNT_SUFFIX] },
  ];
}

function podGroupFamily(phase: PodGroupPhaseName): string {
  return `volcano_queue_pod_group_${phase.toLowerCase()}_count`;
}

export class VolcanoCompatMetrics {
  /** whole scheduling cycle, in seconds (twin of the Volcano histogram below) */
  readonly schedulingCycle: Histogram<never>;
  readonly unschedulableTasks: Gauge<'job'>;
  readonly unschedulableJobs: Gauge<never>;
  readonly queuePodGroups: Gauge<'queue' | 'phase'>;
  readonly jobsFinished: Counter<'queue' | 'phase'>;

  readonly e2eSchedulingLatencyMilliseconds: Histogram<never>;
  readonly unscheduleTaskCount: Gauge<'job_id'>;
  readonly unscheduleJobCount: Gauge<never>;
  readonly queuePodGroupCount: Readonly<Record<PodGroupPhaseName, Gauge<'queue_name'>>>;
  readonly jobCompletedPhaseCount: Counter<'job_name' | 'queue_name'>;
  readonly jobFailedPhaseCount: Counter<'job_name' | 'queue_name'>;

  constructor(set: MetricSet, opts: { prefix: string; what: string }) {
    const { prefix, what } = opts;
    const compat = 'volcano-compat' as const;
    this.schedulingCycle = set.histogram({
      name: `${prefix}scheduling_cycle_seconds`,
      help: `Duration of one ${what} scheduling cycle (snapshot, actions, plugins, decisions), in seconds.`,
      buckets: FAST_SECONDS_BUCKETS,
    });
    this.unschedulableTasks = set.gauge({ name: `${prefix}unschedulable_tasks`, help: 'Tasks of a job the last cycle could not schedule.', labelNames: ['job'] });
    this.unschedulableJobs = set.gauge({ name: `${prefix}unschedulable_jobs`, help: 'Jobs the last cycle could not schedule.' });
    this.queuePodGroups = set.gauge({ name: `${prefix}queue_pod_groups`, help: 'PodGroups of a queue by phase.', labelNames: ['queue', 'phase'] });
    this.jobsFinished = set.counter({ name: `${prefix}jobs_finished_total`, help: 'Jobs that reached a finished phase, by queue and phase.', labelNames: ['queue', 'phase'] });

    this.e2eSchedulingLatencyMilliseconds = set.histogram({
      name: 'volcano_e2e_scheduling_latency_milliseconds',
      help: 'E2e scheduling latency in milliseconds (Volcano name; see the seconds twin).',
      buckets: exponentialBucketsRange({ min: 1, max: 5000, count: 20 }),
      kind: compat,
    });
    this.unscheduleTaskCount = set.gauge({ name: 'volcano_unschedule_task_count', help: 'Number of tasks that could not be scheduled (Volcano name).', labelNames: ['job_id'], kind: compat });
    this.unscheduleJobCount = set.gauge({ name: 'volcano_unschedule_job_count', help: 'Number of jobs that could not be scheduled (Volcano name).', kind: compat });
    const podGroupGauges = {} as Record<PodGroupPhaseName, Gauge<'queue_name'>>;
    for (const phase of POD_GROUP_PHASES) {
      podGroupGauges[phase] = set.gauge({
        name: podGroupFamily(phase),
        help: `Number of ${phase} PodGroups in the queue (Volcano name).`,
        labelNames: ['queue_name'],
        kind: compat,
      });
    }
    this.queuePodGroupCount = podGroupGauges;
    this.jobCompletedPhaseCount = set.counter({ name: 'volcano_job_completed_phase_count', help: 'Number of times a job reached Completed (Volcano name).', labelNames: ['job_name', 'queue_name'], kind: compat });
    this.jobFailedPhaseCount = set.counter({ name: 'volcano_job_failed_phase_count', help: 'Number of times a job reached Failed (Volcano name).', labelNames: ['job_name', 'queue_name'], kind: compat });
  }

  /** One scheduling cycle took `seconds`. */
  observeCycle(seconds: number): void {
    this.schedulingCycle.observe(seconds);
    this.e2eSchedulingLatencyMilliseconds.observe(seconds * 1000);
  }

  /** Replaces the unschedulable picture: job name → tasks the last cycle could not place (0 = none). */
  setUnschedulable(tasksByJob: ReadonlyMap<string, number>): void {
    this.unschedulableTasks.reset();
    this.unscheduleTaskCount.reset();
    let jobs = 0;
    for (const [job, tasks] of tasksByJob) {
      if (tasks <= 0) continue;
      jobs++;
      this.unschedulableTasks.set({ job }, tasks);
      this.unscheduleTaskCount.set({ job_id: job }, tasks);
    }
    this.unschedulableJobs.set(jobs);
    this.unscheduleJobCount.set(jobs);
  }

  /** Replaces the PodGroup counts: queue → phase → count; every phase of a listed queue is written. */
  setPodGroupPhases(byQueue: ReadonlyMap<string, Partial<Record<PodGroupPhaseName, number>>>): void {
    this.queuePodGroups.reset();
    for (const phase of POD_GROUP_PHASES) this.queuePodGroupCount[phase].reset();
    for (const [queue, counts] of byQueue) {
      for (const phase of POD_GROUP_PHASES) {
        const n = counts[phase] ?? 0;
        this.queuePodGroups.set({ queue, phase }, n);
        this.queuePodGroupCount[phase].set({ queue_name: queue }, n);
      }
    }
  }

  /** A job entered a finished phase (call once per transition). */
  jobFinished(opts: { job: string; queue: string; phase: FinishedJobPhase }): void {
    this.jobsFinished.inc({ queue: opts.queue, phase: opts.phase });
    if (opts.phase === 'Completed') this.jobCompletedPhaseCount.inc({ job_name: opts.job, queue_name: opts.queue });
    if (opts.phase === 'Failed') this.jobFailedPhaseCount.inc({ job_name: opts.job, queue_name: opts.queue });
  }
}
