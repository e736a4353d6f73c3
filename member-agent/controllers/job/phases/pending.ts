/**
 * Pending: the gang is waiting to be admitted and scheduled. Sync moves it to Running once
 * minAvailable pods run or have finished; restarts, abort, complete and terminate kill pods.
 */
import { syncJob } from '../job-operations.js';
import { liveJobAction } from './live-job-actions.js';
import { minAvailableOf } from '../job-shape.js';
import type { JobPhaseHandler } from '../job-view.js';

export const pendingPhase: JobPhaseHandler = {
  phase: 'Pending',
  execute(view, action) {
    return liveJobAction(view, action) ?? syncJob(view, (s) => {
      if (minAvailableOf(view.job) <= s.running + s.succeeded + s.failed) s.phase = 'Running';
    });
  },
};
