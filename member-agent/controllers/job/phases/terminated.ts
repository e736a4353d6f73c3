/** Terminated (stopped for good): terminal. Policies no longer apply; any action only sweeps unfinished pods. */
import { killJob } from '../job-operations.js';
import type { JobPhaseHandler } from '../job-view.js';

export const terminatedPhase: JobPhaseHandler = {
  phase: 'Terminated',
  execute(view) {
    return killJob(view, 'soft', () => {});
  },
};
