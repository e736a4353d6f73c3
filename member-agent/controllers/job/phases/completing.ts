/** Completing: unfinished pods are being killed; Completed once none is pending, running or terminating. */
import { killJob } from '../job-operations.js';
import type { JobPhaseHandler } from '../job-view.js';

export const completingPhase: JobPhaseHandler = {
  phase: 'Completing',
  execute(view) {
    return killJob(view, 'soft', (s) => {
      if (s.terminating === 0 && s.pending === 0 && s.running === 0) s.phase = 'Completed';
    });
  },
};
