/** Completed (finished successfully): terminal. Policies no longer apply; any action only sweeps unfinished pods. */
import { killJob } from '../job-operations.js';
import type { JobPhaseHandler } from '../job-view.js';

export const completedPhase: JobPhaseHandler = {
  phase: 'Completed',
  execute(view) {
    return killJob(view, 'soft', () => {});
  },
};
