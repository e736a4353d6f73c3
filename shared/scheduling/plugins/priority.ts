// priority: higher-priority jobs and tasks first; a victim must have lower priority than its
// preemptor (job priority across jobs, task priority within a job).

import type { PluginDefinition } from '../plugin.js';

export const priorityPlugin: PluginDefinition = {
  name: 'priority',
  description: 'orders jobs and tasks by priority; lets higher priority preempt lower',
  arguments: {},
  create: () => ({
    name: 'priority',
    onSessionOpen(ssn) {
      ssn.add('priority', 'taskOrder', (l, r) => r.priority - l.priority);
      ssn.add('priority', 'jobOrder', (l, r) => r.priority - l.priority);
      ssn.add('priority', 'preemptable', (preemptor, candidates) =>
        candidates.filter((c) => (c.job === preemptor.job ? c.priority < preemptor.priority : c.job.priority < preemptor.job.priority)),
      );
      // A job starves until every one of its tasks is ready or pipelined.
      ssn.add('priority', 'jobStarving', (job) => job.counts.ready + job.counts.waiting < job.tasks.length);
    },
  }),
};
