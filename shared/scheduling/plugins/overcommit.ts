// overcommit: enqueue admission against the whole cluster. A job is admitted while the
// minResources of admitted-but-unallocated jobs fit into total × overcommit-factor − used.

import { PERMIT, REJECT } from '../extension-points.js';
import type { PluginDefinition } from '../plugin.js';
import { denseAdd } from '../resource-space.js';
import { EPSILON, inqueueOf } from './queue-shares.js';

export const DEFAULT_OVERCOMMIT_FACTOR = 1.2;

export const overcommitPlugin: PluginDefinition = {
  name: 'overcommit',
  description: 'admits jobs while their minResources fit in total × overcommit-factor (default 1.2) − used',
  arguments: { known: { 'overcommit-factor': 'number' } },
  create: (option) => {
    const given = option.arguments.number('overcommit-factor', DEFAULT_OVERCOMMIT_FACTOR);
    const factor = given < 1 ? DEFAULT_OVERCOMMIT_FACTOR : given;
    return {
      name: 'overcommit',
      onSessionOpen(ssn) {
        const D = ssn.space.size;
        const idle = new Float64Array(D);
        for (let d = 0; d < D; d++) idle[d] = (ssn.totalAllocatable[d] as number) * factor - (ssn.totalUsed[d] as number);
        const inqueue = new Float64Array(D);
        for (const job of ssn.jobs) {
          if (job.minResources === undefined) continue;
          if (job.phase === 'Inqueue' || (job.phase === 'Running' && job.counts.ready >= job.minMember)) denseAdd(inqueue, inqueueOf(ssn, job));
        }
        ssn.add('overcommit', 'jobEnqueueable', (job) => {
          if (job.minResources === undefined) return PERMIT;
          const min = ssn.space.dense(job.minResources);
          for (let d = 0; d < D; d++) {
            const x = min[d] as number;
            if (x > 0 && (inqueue[d] as number) + x > (idle[d] as number) + EPSILON) {
              ssn.explain(job, `resource in cluster is overused: ${ssn.space.names[d]} is short for ${job.minResources.toString()}`);
              return REJECT;
            }
          }
          return PERMIT;
        });
        ssn.add('overcommit', 'jobEnqueued', (job) => {
          if (job.minResources !== undefined) denseAdd(inqueue, ssn.space.dense(job.minResources));
        });
      },
    };
  },
};
