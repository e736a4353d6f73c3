/**
 * Restarting: pods of the previous attempt are going away. Every action (Abort and Terminate too)
 * keeps killing; the job fails once retries are spent, else returns to Pending as soon as enough
 * replicas are no longer terminating to form the gang again.
 */
import type { Job } from '../../../../shared/api/job.js';
import { killJob, killTarget, syncJob } from '../job-operations.js';
import { totalReplicas } from '../job-shape.js';
import type { StatusDraft } from '../job-status.js';
import type { JobPhaseHandler } from '../job-view.js';

export function judgeRestarting(job: Job, s: StatusDraft): void {
  if (s.retryCount >= (job.spec.maxRetry ?? 3)) {
    s.phase = 'Failed';
    return;
  }
  if (totalReplicas(job) - s.terminating >= s.minAvailable) s.phase = 'Pending';
}

export const restartingPhase: JobPhaseHandler = {
  phase: 'Restarting',
  execute(view, action) {
    const judge = (s: StatusDraft) => judgeRestarting(view.job, s);
    switch (action) {
      case 'SyncJob':
        return syncJob(view, judge);
      case 'RestartTask':
      case 'RestartPod':
      case 'RestartPartition':
        return killTarget(view, action, judge);
      default:
        return killJob(view, 'none', judge);
    }
  },
};
