// gang: a job runs only when at least minMember of its tasks (and minTaskMember per role) can run.
// Validity, readiness, pipelining and starvation follow the gang counts; not-ready jobs sort
// first; victims never take a gang below minMember; at the end of the cycle every job gets an
// Unschedulable (with the reason) or Scheduled condition.

import { diagnoseJob } from '../diagnostics.js';
import { PERMIT, REJECT } from '../extension-points.js';
import type { JobInfo } from '../job-info.js';
import type { PluginDefinition } from '../plugin.js';
import type { TaskInfo } from '../task-info.js';

/** Keeps each candidate only while its job stays at or above minMember without it. */
export function gangSafeVictims(candidates: readonly TaskInfo[]): TaskInfo[] {
  const occupied = new Map<JobInfo, number>();
  const victims: TaskInfo[] = [];
  for (const c of candidates) {
    const job = c.job;
    const ready = occupied.get(job) ?? job.readyTaskNum();
    if (ready > job.minMember) {
      occupied.set(job, ready - 1);
      victims.push(c);
    } else {
      occupied.set(job, ready);
    }
  }
  return victims;
}

export const gangPlugin: PluginDefinition = {
  name: 'gang',
  description: 'all-or-nothing placement of minMember tasks; never breaks a gang when evicting',
  arguments: {},
  create: () => ({
    name: 'gang',
    onSessionOpen(ssn) {
      ssn.add('gang', 'jobValid', (job) => {
        if (!job.checkRoles('valid')) {
          return { reason: 'NotEnoughPodsOfTask', message: 'Not enough valid pods of each task for gang-scheduling' };
        }
        const valid = job.validTaskNum();
        if (valid < job.minMember) {
          return { reason: 'NotEnoughTasks', message: `Not enough valid tasks for gang-scheduling, valid: ${valid}, min: ${job.minMember}` };
        }
        return undefined;
      });
      ssn.add('gang', 'jobReady', (job) => job.checkRoles('ready') && job.isReady());
      ssn.add('gang', 'jobPipelined', (job) => (job.checkRoles('pipelined') && job.isPipelined() ? PERMIT : REJECT));
      ssn.add('gang', 'jobStarving', (job) => job.isStarving());
      ssn.add('gang', 'jobOrder', (l, r) => {
        const lr = l.isReady();
        const rr = r.isReady();
        return lr === rr ? 0 : lr ? 1 : -1;
      });
      ssn.add('gang', 'preemptable', (_p, candidates) => gangSafeVictims(candidates));
      ssn.add('gang', 'reclaimable', (_p, candidates) => gangSafeVictims(candidates));
    },
    onSessionClose(ssn) {
      for (const job of ssn.jobs) {
        if (job.tasks.length === 0) continue;
        if (job.checkRoles('ready') && job.isReady()) {
          ssn.setCondition(job, { type: 'Scheduled', status: 'True', reason: 'Scheduled', message: 'tasks in gang are ready to be scheduled' });
        } else {
          ssn.setCondition(job, { type: 'Unschedulable', status: 'True', reason: 'NotEnoughResources', message: diagnoseJob(ssn, job).message });
        }
      }
    },
  }),
};
