// reclaim: a queue below its deserved share takes resources back from other queues.
//
// 1. Queues in queue order, skipping overused ones; per queue its starving jobs in job order.
// 2. For each pending task (not preemptionPolicy Never) whose queue may still reclaim
//    (preemptive): walk the nodes best first; candidates are Running, preemptable tasks of jobs in
//    other, reclaimable queues; the plugins choose victims (reclaimable); evict them least
//    important first until the task fits, and pipeline it there.
// 3. The job's statement commits when the job is pipelined, else it is discarded.

import type { Action } from '../plugin.js';
import type { Session } from '../session.js';
import { evictForTask } from './victims.js';

export const reclaimAction: Action = {
  name: 'reclaim',
  description: 'queues below their deserved share evict tasks of reclaimable queues above theirs',
  arguments: {},
  execute(ssn: Session): void {
    const queues = [...ssn.queues].sort((a, b) => ssn.queueOrder(a, b));
    for (const queue of queues) {
      if (ssn.overused(queue)) continue;
      const jobs = queue.jobs
        .filter((j) => !j.isPending && ssn.jobValid(j) === undefined && ssn.jobStarving(j) && j.counts.count('Pending') > 0)
        .sort((a, b) => ssn.jobOrder(a, b));
      for (const job of jobs) {
        for (const scope of ssn.scopesForJob(job)) {
          const stmt = ssn.statement();
          for (const task of ssn.sortedTasks(job)) {
            if (task.status !== 'Pending' || task.snapshot.preemptionPolicy === 'Never') continue;
            if (!ssn.jobStarving(job)) break;
            if (!ssn.preemptive(queue, task)) continue;
            evictForTask(ssn, stmt, task, scope, {
              reason: `reclaimed by queue ${queue.name} for ${job.id}/${task.id}`,
              candidatesOn: (node) =>
                node.tasks.filter(
                  (v) => v.status === 'Running' && v.preemptable && v.job.queue !== undefined && v.job.queue !== queue && v.job.queue.reclaimable,
                ),
              choose: (t, c) => ssn.reclaimable(t, c),
              enough: () => true,
            });
          }
          if (ssn.jobPipelined(job)) {
            stmt.commit();
            break;
          }
          stmt.discard();
        }
      }
    }
  },
};
