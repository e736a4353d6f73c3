/**
 * Running: at least minAvailable pods ran. Sync decides the end: Completed once minSuccess pods
 * succeeded; when every replica has finished, Completed or Failed by the task minimums, minSuccess
 * and minAvailable; back to Pending when too many pods are pending again.
 */
import type { Job } from '../../../../shared/api/job.js';
import { syncJob } from '../job-operations.js';
import { liveJobAction } from './live-job-actions.js';
import { minAvailableOf, taskName, tasksOf, totalReplicas } from '../job-shape.js';
import type { StatusDraft } from '../job-status.js';
import type { JobPhaseHandler } from '../job-view.js';

/** The Running-phase verdict after a sync (exported for the table tests). */
export function judgeRunning(job: Job, s: StatusDraft): void {
  const replicas = totalReplicas(job);
  if (replicas === 0) return;
  const minSuccess = job.spec.minSuccess;
  if (minSuccess !== undefined && s.succeeded >= minSuccess) {
    s.phase = 'Completed';
    return;
  }
  const minAvailable = minAvailableOf(job);
  if (s.succeeded + s.failed === replicas) {
    const taskMinSum = tasksOf(job).reduce((n, t) => n + (t.minAvailable ?? 0), 0);
    if (minAvailable >= taskMinSum) {
      for (const task of tasksOf(job)) {
        if (task.minAvailable === undefined) continue;
        const ok = s.taskStatusCount[taskName(task)]?.phase.Succeeded ?? 0;
        if (ok < task.minAvailable) {
          s.phase = 'Failed';
          return;
        }
      }
    }
    if (minSuccess !== undefined && s.succeeded < minSuccess) s.phase = 'Failed';
    else s.phase = s.succeeded >= minAvailable ? 'Completed' : 'Failed';
    return;
  }
  if (s.pending > replicas - minAvailable) s.phase = 'Pending';
}

export const runningPhase: JobPhaseHandler = {
  phase: 'Running',
  execute(view, action) {
    return liveJobAction(view, action) ?? syncJob(view, (s) => judgeRunning(view.job, s));
  },
};
