// allocate: places gangs onto nodes, each gang all or nothing.
//
// 1. Candidates: admitted jobs (Pending ones too when enqueue is not configured: they are
//    promoted) whose queue exists, that pass jobValid and have pending tasks with a request.
// 2. Take the best queue (queueOrder), skipping an overused one, and its best job (jobOrder).
// 3. For each scope the job may use (all nodes, or at the gateway each acceptable domain, best
//    first) whose free total can hold the gang, open a statement and place the tasks in task
//    order (a task's nominated node first, if it fits): skip a task its queue cannot take, stop
//    at the first task no node fits.
// 4. Ready → commit (and put the job back if it has more tasks); pipelined → keep the in-cycle
//    reservation without binding; otherwise discard and try the next scope.
// 5. Put the queue back so its order is recomputed; repeat until no queue has candidates.

import type { JobInfo } from '../job-info.js';
import type { Scope } from '../node-search.js';
import type { Action } from '../plugin.js';
import { PriorityQueue } from '../priority-queue.js';
import type { QueueInfo } from '../queue-info.js';
import type { Session } from '../session.js';
import type { Statement } from '../statement.js';

export const allocateAction: Action = {
  name: 'allocate',
  description: 'places pending gangs onto nodes; a gang binds whole or not at all',
  arguments: { known: { predicateErrorCacheEnable: 'boolean' } },
  execute(ssn: Session): void {
    const enqueueConfigured = ssn.config.actions.includes('enqueue');
    const candidates = new Map<QueueInfo, JobInfo[]>();
    for (const job of ssn.jobs) {
      if (job.isPending) {
        if (enqueueConfigured) continue;
        job.phase = 'Inqueue';
      }
      if (job.queue === undefined) {
        ssn.explain(job, `queue "${job.queueName}" does not exist`);
        continue;
      }
      if (!hasPendingWork(job)) continue;
      const invalid = ssn.jobValid(job);
      if (invalid !== undefined) {
        ssn.explain(job, invalid.message);
        continue;
      }
      let list = candidates.get(job.queue);
      if (list === undefined) candidates.set(job.queue, (list = []));
      list.push(job);
    }
    const byQueue = new Map<QueueInfo, PriorityQueue<JobInfo>>();
    for (const [queue, list] of candidates) byQueue.set(queue, new PriorityQueue((a, b) => ssn.jobOrder(a, b), list));

    const queues = new PriorityQueue<QueueInfo>((a, b) => ssn.queueOrder(a, b), byQueue.keys());
    while (!queues.isEmpty()) {
      const queue = queues.pop()!;
      const jobs = byQueue.get(queue)!;
      if (ssn.overused(queue)) {
        for (let j = jobs.pop(); j !== undefined; j = jobs.pop()) ssn.explain(j, `queue "${queue.name}" is overused`);
        continue;
      }
      const job = jobs.pop();
      if (job === undefined) continue;
      if (placeJob(ssn, job)) jobs.push(job);
      if (!jobs.isEmpty()) queues.push(queue);
    }
  },
};

function hasPendingWork(job: JobInfo): boolean {
  for (const t of job.tasks) if (t.status === 'Pending' && !t.bestEffort) return true;
  return false;
}

/** Tries the job's scopes in order; returns true when it committed and has tasks left. */
function placeJob(ssn: Session, job: JobInfo): boolean {
  const need = ssn.jobNeed(job);
  for (const scope of ssn.scopesForJob(job)) {
    if (!ssn.scopeMayFit(scope, need)) continue;
    const stmt = ssn.statement();
    const outcome = placeTasks(ssn, job, stmt, scope);
    if (ssn.jobReady(job)) {
      stmt.commit();
      return outcome === 'more';
    }
    if (ssn.jobPipelined(job)) {
      stmt.keep();
      return false;
    }
    stmt.discard();
    if (outcome === 'queue-limited') return false;
  }
  return false;
}

type Outcome = 'done' | 'more' | 'no-fit' | 'queue-limited';

function placeTasks(ssn: Session, job: JobInfo, stmt: Statement, scope: Scope): Outcome {
  const queue = job.queue!;
  let outcome: Outcome = 'done';
  const tasks = ssn.sortedTasks(job);
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i]!;
    if (task.status !== 'Pending' || task.bestEffort) continue;
    ssn.counters.allocationAttempts++;
    if (!ssn.allocatable(queue, task)) {
      ssn.explain(job, `queue "${queue.name}" cannot take ${task.request.toString()} more without exceeding its share`);
      outcome = 'queue-limited';
      continue;
    }
    const pre = ssn.prePredicate(task);
    if (pre !== undefined) {
      ssn.explain(job, pre);
      return 'no-fit';
    }
    const nominated = task.snapshot.nominatedNode === undefined ? undefined : ssn.node(task.snapshot.nominatedNode);
    const choice = (nominated === undefined ? undefined : ssn.search.fitsNow(task.shape, scope, nominated)) ?? ssn.search.best(task.shape, scope);
    if (choice === undefined) return 'no-fit';
    if (choice.idleFit) stmt.allocate(task, choice.node);
    else stmt.pipeline(task, choice.node);
    if (ssn.jobReady(job)) {
      for (let k = i + 1; k < tasks.length; k++) {
        const rest = tasks[k]!;
        if (rest.status === 'Pending' && !rest.bestEffort) return 'more';
      }
      return 'done';
    }
  }
  return outcome;
}
