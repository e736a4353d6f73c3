/**
 * The job's status as a step rebuilds it: pod counts by phase (overall and per task), then the
 * phase function's verdict, then the bookkeeping Volcano keeps with it (transition time, one
 * condition per phase, version, retry count, controlled resources, running duration).
 */
import type { Pod, PodPhase } from '../../../shared/api/core.js';
import type { JobCondition, JobPhase, JobStatus, TaskState } from '../../../shared/api/job.js';
import { formatGoDuration } from './go-duration.js';
import { minAvailableOf, podTaskName } from './job-shape.js';
import { currentPhase, type JobView, type PhaseOutcome } from './job-view.js';
import type { JobEffect } from './job-effects.js';

/** The mutable part a phase function looks at and changes. */
export interface StatusDraft {
  phase: JobPhase;
  retryCount: number;
  /** `status.minAvailable` (the gang size in force) */
  minAvailable: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  terminating: number;
  unknown: number;
  taskStatusCount: Record<string, TaskState>;
}

/** Decides the next phase from the recounted draft; mutates `phase` and `retryCount`. */
export type PhaseFn = (draft: StatusDraft) => void;

export function emptyDraft(view: JobView): StatusDraft {
  const s = view.job.status;
  return {
    phase: currentPhase(view.job) || 'Pending',
    retryCount: s?.retryCount ?? 0,
    minAvailable: minAvailableOf(view.job),
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    terminating: 0,
    unknown: 0,
    taskStatusCount: {},
  };
}

/** Counts a pod that stays (neither deleted nor terminating) under its phase. */
export function countPod(draft: StatusDraft, pod: Pod, phaseOverride?: PodPhase): void {
  const phase: PodPhase = phaseOverride ?? pod.status?.phase ?? 'Pending';
  switch (phase) {
    case 'Pending':
      draft.pending++;
      break;
    case 'Running':
      draft.running++;
      break;
    case 'Succeeded':
      draft.succeeded++;
      break;
    case 'Failed':
      draft.failed++;
      break;
    default:
      draft.unknown++;
  }
  const task = podTaskName(pod);
  if (task === undefined) return;
  const entry = (draft.taskStatusCount[task] ??= { phase: {} });
  entry.phase[phase] = (entry.phase[phase] ?? 0) + 1;
}

export interface FinishInput {
  draft: StatusDraft;
  effects: JobEffect[];
  controlledResources: Record<string, string>;
  /** full-job kills start a new generation of pods */
  bumpVersion: boolean;
}

/** Turns a counted and judged draft into the job's new status and the step's outcome. */
export function finish(view: JobView, { draft, effects, controlledResources, bumpVersion }: FinishInput): PhaseOutcome {
  const old = view.job.status ?? {};
  const before = currentPhase(view.job);
  const status: JobStatus = {
    ...old,
    minAvailable: draft.minAvailable,
    pending: draft.pending,
    running: draft.running,
    succeeded: draft.succeeded,
    failed: draft.failed,
    terminating: draft.terminating,
    unknown: draft.unknown,
    taskStatusCount: draft.taskStatusCount,
    version: (old.version ?? 0) + (bumpVersion ? 1 : 0),
    retryCount: draft.retryCount,
    controlledResources,
  };
  if (draft.phase !== before) {
    const state: JobStatus['state'] = { phase: draft.phase, lastTransitionTime: view.now };
    const reason = view.request.reason ?? (view.request.action && view.request.action !== 'SyncJob' ? view.request.action : undefined);
    if (reason) state.reason = reason;
    if (view.request.message) state.message = view.request.message;
    status.state = state;
    const conditions: JobCondition[] = (old.conditions ?? []).filter((c) => c.status !== draft.phase);
    conditions.push({ status: draft.phase, lastTransitionTime: view.now });
    status.conditions = conditions;
  } else {
    status.state = { ...(old.state ?? {}), phase: draft.phase };
  }
  const created = Date.parse(view.job.metadata.creationTimestamp ?? '');
  const since = Date.parse(status.state?.lastTransitionTime ?? '');
  if (Number.isFinite(created) && Number.isFinite(since)) status.runningDuration = formatGoDuration(Math.max(0, since - created));
  return { nextPhase: draft.phase, status, effects };
}

/** True when the new status differs from the job's current one in anything but ordering. */
export function statusChanged(before: JobStatus | undefined, after: JobStatus): boolean {
  return JSON.stringify(canonical(before ?? {})) !== JSON.stringify(canonical(after));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => [k, canonical(o[k])]),
    );
  }
  return v;
}
