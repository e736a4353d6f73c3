/**
 * What a live job (Pending or Running) does on an action that kills pods: restarts count a retry
 * and go to Restarting; abort, complete and terminate kill softly and go to their -ing phase.
 * Both phases share this table and differ only in how a plain sync judges the job.
 */
import type { JobAction } from '../../../../shared/api/job.js';
import { killJob, killTarget } from '../job-operations.js';
import type { JobView, PhaseOutcome } from '../job-view.js';

/** The outcome of a killing action, or undefined when the action is a sync for the phase to judge. */
export function liveJobAction(view: JobView, action: JobAction): PhaseOutcome | undefined {
  switch (action) {
    case 'RestartJob':
      return killJob(view, 'none', (s) => {
        s.retryCount++;
        s.phase = 'Restarting';
      });
    case 'RestartTask':
    case 'RestartPod':
    case 'RestartPartition':
      return killTarget(view, action, (s) => {
        s.retryCount++;
        s.phase = 'Restarting';
      });
    case 'AbortJob':
      return killJob(view, 'soft', (s) => {
        s.phase = 'Aborting';
      });
    case 'CompleteJob':
      return killJob(view, 'soft', (s) => {
        s.phase = 'Completing';
      });
    case 'TerminateJob':
      return killJob(view, 'soft', (s) => {
        s.phase = 'Terminating';
      });
    default:
      return undefined;
  }
}
