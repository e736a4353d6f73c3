/** Failed (retries spent or not enough pods succeeded): terminal. Policies no longer apply; any action only sweeps unfinished pods. */
import { killJob } from '../job-operations.js';
import type { JobPhaseHandler } from '../job-view.js';

export const failedPhase: JobPhaseHandler = {
  phase: 'Failed',
  execute(view) {
    return killJob(view, 'soft', () => {});
  },
};
