/** The job state machine: one handler per phase, each in its own file under phases/. */
import type { JobPhase } from '../../../shared/api/job.js';
import { abortedPhase } from './phases/aborted.js';
import { abortingPhase } from './phases/aborting.js';
import { completedPhase } from './phases/completed.js';
import { completingPhase } from './phases/completing.js';
import { failedPhase } from './phases/failed.js';
import { pendingPhase } from './phases/pending.js';
import { restartingPhase } from './phases/restarting.js';
import { runningPhase } from './phases/running.js';
import { terminatedPhase } from './phases/terminated.js';
import { terminatingPhase } from './phases/terminating.js';
import { currentPhase, type JobPhaseHandler, type JobView, type PhaseOutcome } from './job-view.js';
import type { JobAction } from '../../../shared/api/job.js';

export const PHASES: Readonly<Record<JobPhase, JobPhaseHandler>> = {
  Pending: pendingPhase,
  Running: runningPhase,
  Restarting: restartingPhase,
  Aborting: abortingPhase,
  Aborted: abortedPhase,
  Completing: completingPhase,
  Completed: completedPhase,
  Terminating: terminatingPhase,
  Terminated: terminatedPhase,
  Failed: failedPhase,
};

/** Runs `action` in the job's current phase (a new job, with no phase yet, is Pending). */
export function executeAction(view: JobView, action: JobAction): PhaseOutcome {
  return PHASES[currentPhase(view.job) || 'Pending'].execute(view, action);
}

export function isFinishedPhase(phase: JobPhase | ''): boolean {
  return phase === 'Completed' || phase === 'Failed' || phase === 'Terminated';
}
