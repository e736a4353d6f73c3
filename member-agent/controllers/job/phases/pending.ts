/**
 * Pending: the gang is waiting to be admitted and scheduled. Sync moves it to Running once
 * minAvailable pods run or have finished; restarts, abort, complete and terminate kill pods.
 */
import { killJob, killTarget, syncJob } from '../job-operations.js';
import { minAvailableOf } from '../job-shape.js';
import type { JobPhaseHandler } from '../job-view.js';

export const pendingPhase: JobPhaseHandler = {
  phase: 'Pending',
  execute(view, action) {
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
        return syncJob(view, (s) => {
          if (minAvailableOf(view.job) <= s.running + s.succeeded + s.failed) s.phase = 'Running';
        });
    }
  },
};
