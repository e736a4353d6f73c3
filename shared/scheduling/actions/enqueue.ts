// enqueue: admits Pending PodGroups (phase → Inqueue) while the gatekeeping plugins allow.
//
// 1. Per queue, order the Pending jobs (jobOrder); order the queues (queueOrder).
// 2. Take the best queue's best job: a job without minResources is admitted outright, otherwise
//    when jobEnqueueable votes yes. Put the queue back; repeat until no queue has pending jobs.
// A job that is not admitted stays Pending without blocking the jobs behind it.

import type { JobInfo } from '../job-info.js';
import type { Action } from '../plugin.js';
import { PriorityQueue } from '../priority-queue.js';
import type { QueueInfo } from '../queue-info.js';
import type { Session } from '../session.js';

export const enqueueAction: Action = {
  name: 'enqueue',
  description: 'admits Pending PodGroups (phase Inqueue) as far as the enqueue plugins allow',
  arguments: {},
  execute(ssn: Session): void {
    const lists = new Map<QueueInfo, JobInfo[]>();
    for (const job of ssn.jobs) {
      if (job.queue === undefined) {
        ssn.explain(job, `queue "${job.queueName}" does not exist`);
        continue;
      }
      if (!job.isPending) continue;
      let list = lists.get(job.queue);
      if (list === undefined) lists.set(job.queue, (list = []));
      list.push(job);
    }
    const pending = new Map<QueueInfo, PriorityQueue<JobInfo>>();
    for (const [queue, list] of lists) pending.set(queue, new PriorityQueue((a, b) => ssn.jobOrder(a, b), list));
    const queues = new PriorityQueue<QueueInfo>((a, b) => ssn.queueOrder(a, b), pending.keys());
    while (!queues.isEmpty()) {
      const queue = queues.pop()!;
      const jobs = pending.get(queue)!;
      const job = jobs.pop()!;
      if (job.minResources === undefined || ssn.jobEnqueueable(job)) ssn.jobEnqueued(job);
      if (!jobs.isEmpty()) queues.push(queue);
    }
  },
};
