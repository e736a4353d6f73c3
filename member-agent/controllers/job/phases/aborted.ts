/** Aborted: stopped, finished pods kept; only ResumeJob (→ Restarting, a retry) leaves it. */
import { killJob } from '../job-operations.js';
import type { JobPhaseHandler } from '../job-view.js';

export const abortedPhase: JobPhaseHandler = {
  phase: 'Aborted',
  execute(view, action) {
    if (action === 'ResumeJob') {
      return killJob(view, 'soft', (s) => {
        s.retryCount++;
        s.phase = 'Restarting';
      });
    }
    return killJob(view, 'soft', () => {});
  },
};
