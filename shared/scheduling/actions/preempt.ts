// preempt: starving jobs evict lower-priority work of their own queue.
//
// 1. Preemptors: admitted, valid jobs whose queue exists and that are starving (jobStarving).
// 2. Between jobs, per queue (queueOrder) and job (jobOrder): while the job starves, take its
//    pending tasks in task order; for each, walk the nodes best first and evict victims of other
//    jobs in the same queue that the plugins allow (preemptable), least important first, until the
//    task fits; the task is then pipelined on that node. The job's statement commits when the
//    job is pipelined (evictions and nominations become decisions), else it is discarded.
// 3. Within a job: a still-starving job's pending tasks may evict its own lower-priority tasks;
//    each such eviction commits on its own.
// A task with preemptionPolicy Never never preempts.

import type { JobInfo } from '../job-info.js';
import type { Action } from '../plugin.js';
import type { Session } from '../session.js';
import type { TaskInfo } from '../task-info.js';
import { isPreemptableStatus } from '../task-status.js';
import { evictForTask } from './victims.js';

export const preemptAction: Action = {
  name: 'preempt',
  description: 'starving jobs evict lower-priority tasks of their own queue',
  arguments: { ignored: ['enableTopologyAwarePreemption', 'topologyAwarePreemptWorkerNum', 'minCandidateNodesPercentage', 'minCandidateNodesAbsolute', 'maxCandidateNodesAbsolute', 'predicateErrorCacheEnable'] },
  execute(ssn: Session): void {
    const queues = [...ssn.queues].sort((a, b) => ssn.queueOrder(a, b));
    for (const queue of queues) {
      const jobs = starvingJobs(ssn, queue.jobs);
      for (const job of jobs) {
        for (const scope of ssn.scopesForJob(job)) {
          const stmt = ssn.statement();
          for (const task of preemptorTasks(ssn, job)) {
            if (!ssn.jobStarving(job)) break;
            evictForTask(ssn, stmt, task, scope, {
              reason: `preempted by ${job.id}/${task.id}`,
              candidatesOn: (node) => node.tasks.filter((v) => isVictim(v, task) && v.job !== job && v.job.queue === queue),
              choose: (t, c) => ssn.preemptable(t, c),
              enough: (t) => ssn.allocatable(queue, t),
            });
          }
          if (ssn.jobPipelined(job)) {
            stmt.commit();
            break;
          }
          stmt.discard();
        }
      }
      for (const job of starvingJobs(ssn, queue.jobs)) {
        const scope = first(ssn.scopesForJob(job));
        if (scope === undefined) continue;
        for (const task of preemptorTasks(ssn, job)) {
          if (!ssn.jobStarving(job)) break;
          const stmt = ssn.statement();
          const placed = evictForTask(ssn, stmt, task, scope, {
            reason: `preempted by ${job.id}/${task.id}`,
            candidatesOn: (node) => node.tasks.filter((v) => isVictim(v, task) && v.job === job && v.priority < task.priority),
            choose: (t, c) => ssn.preemptable(t, c),
            enough: (t) => ssn.allocatable(queue, t),
          });
          if (placed) stmt.commit();
          else stmt.discard();
        }
      }
    }
  },
};

function first<T>(items: Iterable<T>): T | undefined {
  for (const x of items) return x;
  return undefined;
}

function starvingJobs(ssn: Session, jobs: readonly JobInfo[]): JobInfo[] {
  return jobs
    .filter((j) => !j.isPending && ssn.jobValid(j) === undefined && ssn.jobStarving(j) && j.counts.count('Pending') > 0)
    .sort((a, b) => ssn.jobOrder(a, b));
}

function preemptorTasks(ssn: Session, job: JobInfo): TaskInfo[] {
  return ssn.sortedTasks(job).filter((t) => t.status === 'Pending' && t.snapshot.preemptionPolicy !== 'Never');
}

function isVictim(v: TaskInfo, preemptor: TaskInfo): boolean {
  return isPreemptableStatus(v.status) && v.preemptable && !(preemptor.bestEffort && !v.bestEffort);
}
