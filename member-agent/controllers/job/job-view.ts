/**
 * Everything one job-controller step reads: the job, the pods it controls, its PodGroup, the request
 * being handled and the time. Read-only; a phase turns it into a `PhaseOutcome`.
 */
import type { Pod } from '../../../shared/api/core.js';
import type { Job, JobAction, JobPhase, JobStatus } from '../../../shared/api/job.js';
import type { JobEffect } from './job-effects.js';
import type { PodGroup } from '../../../shared/api/podgroup.js';
import type { JobRequest } from './job-request.js';
import type { PriorityLookup } from './job-podgroup.js';
import type { PluginDeps } from './plugins/job-plugin.js';

export interface JobView {
  job: Job;
  /** pods whose controller is this job (by uid), as the cache holds them */
  pods: readonly Pod[];
  podGroup?: PodGroup;
  request: JobRequest;
  /** RFC 3339 time stamped on phase transitions */
  now: string;
  deps: PluginDeps;
  priorityOf?: PriorityLookup;
}

/** What a phase step produced. */
export interface PhaseOutcome {
  /** the phase after the step (unchanged when the step changed nothing) */
  nextPhase: JobPhase;
  /** the job's whole new status */
  status: JobStatus;
  effects: JobEffect[];
}

/** A phase of the job state machine: what each action does while the job is in it. */
export interface JobPhaseHandler {
  readonly phase: JobPhase;
  execute(view: JobView, action: JobAction): PhaseOutcome;
}

/** The job's phase; a job the controller has not seen yet has none and is treated as Pending. */
export function currentPhase(job: Job): JobPhase | '' {
  return job.status?.state?.phase ?? '';
}
