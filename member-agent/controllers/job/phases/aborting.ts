/** Aborting: unfinished pods are being killed; Aborted once none is pending, running or terminating. */
import { killJob } from '../job-operations.js';
import type { JobPhaseHandler } from '../job-view.js';

export const abortingPhase: JobPhaseHandler = {
  phase: 'Aborting',
  execute(view, action) {
    if (action === 'ResumeJob') {
      return killJob(view, 'soft', (s) => {
        s.retryCount++;
        s.phase = 'Restarting';
      });
    }
    return killJob(view, 'soft', (s) => {
      if (s.terminating === 0 && s.pending === 0 && s.running === 0) s.phase = 'Aborted';
    });
  },
};
