// backfill: places BestEffort tasks (those that request nothing) of admitted jobs.
//
// Jobs are taken in queue order, then job order, tasks in task order. Each task goes to the best
// node that passes the predicates; the job's allocated tasks are bound together once the job is
// ready (a gang of BestEffort tasks still binds whole).

import type { JobInfo } from '../job-info.js';
import type { Action } from '../plugin.js';
import type { Session } from '../session.js';

export const backfillAction: Action = {
  name: 'backfill',
  description: 'places BestEffort tasks (no resource request) of admitted jobs',
  arguments: {},
  execute(ssn: Session): void {
    const enqueueConfigured = ssn.config.actions.includes('enqueue');
    const jobs: JobInfo[] = [];
    for (const job of ssn.jobs) {
      if (job.queue === undefined || (job.isPending && enqueueConfigured)) continue;
      if (job.counts.pendingBestEffort === 0) continue;
      if (ssn.jobValid(job) !== undefined) continue;
      jobs.push(job);
    }
    jobs.sort((a, b) => (a.queue === b.queue ? 0 : ssn.queueOrder(a.queue!, b.queue!)) || ssn.jobOrder(a, b));
    for (const job of jobs) {
      if (job.isPending) job.phase = 'Inqueue';
      const stmt = ssn.statement();
      for (const task of ssn.sortedTasks(job)) {
        if (task.status !== 'Pending' || !task.bestEffort) continue;
        if (ssn.prePredicate(task) !== undefined) continue;
        for (const scope of ssn.scopesForJob(job)) {
          const choice = ssn.search.best(task.shape, scope);
          if (choice === undefined) continue;
          stmt.allocate(task, choice.node);
          break;
        }
        if (ssn.jobReady(job)) stmt.commit();
      }
      if (stmt.size > 0) stmt.keep();
    }
  },
};
