/** Terminating: unfinished pods are being killed; Terminated once none is pending, running or terminating. */
import { killJob } from '../job-operations.js';
import type { JobPhaseHandler } from '../job-view.js';

export const terminatingPhase: JobPhaseHandler = {
  phase: 'Terminating',
  execute(view) {
    return killJob(view, 'soft', (s) => {
      if (s.terminating === 0 && s.pending === 0 && s.running === 0) s.phase = 'Terminated';
    });
  },
};
