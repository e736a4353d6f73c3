// sla: jobs with a waiting time (annotation volcano.sh/sla-waiting-time or sla-waiting-time, or
// the sla-waiting-time argument) sort first, by the moment their waiting time ends; once a job
// has waited that long, sla permits its enqueue and pipelining (a Reject in the same tier still
// wins; a Permit in an earlier tier ends the vote).

import { SLA_WAITING_TIME_BARE_KEY, SLA_WAITING_TIME_KEY } from '../../api/well-known.js';
import { parseDuration } from '../duration.js';
import { ABSTAIN, PERMIT, type Vote } from '../extension-points.js';
import type { JobInfo } from '../job-info.js';
import type { PluginDefinition } from '../plugin.js';

export const slaPlugin: PluginDefinition = {
  name: 'sla',
  description: 'jobs past their waiting time go first and are admitted regardless of later tiers',
  arguments: { known: { 'sla-waiting-time': 'duration' } },
  create: (option) => {
    const fallback = option.arguments.duration('sla-waiting-time');
    return {
      name: 'sla',
      onSessionOpen(ssn) {
        // each job's waiting time, read once per session (jobs without one are left out)
        const waiting = new Map<JobInfo, number>();
        for (const job of ssn.jobs) {
          const text = job.annotations[SLA_WAITING_TIME_KEY] ?? job.annotations[SLA_WAITING_TIME_BARE_KEY];
          const parsed = text === undefined ? undefined : parseDuration(text);
          const w = parsed !== undefined && parsed >= 0 ? parsed : fallback;
          if (w !== undefined) waiting.set(job, w);
        }
        const waitingOf = (job: JobInfo): number | undefined => waiting.get(job);
        // when no job has a waiting time, every pair ties: nothing to order
        if (waiting.size > 0) {
          ssn.add('sla', 'jobOrder', (l, r) => {
            const lw = waitingOf(l);
            const rw = waitingOf(r);
            if (lw === undefined && rw === undefined) return 0;
            if (lw === undefined) return 1;
            if (rw === undefined) return -1;
            const d = l.creationTimestamp + lw - (r.creationTimestamp + rw);
            return d < 0 ? -1 : d > 0 ? 1 : 0;
          });
        }
        const permitAfterWaiting = (job: JobInfo): Vote => {
          const w = waitingOf(job);
          return w !== undefined && ssn.now - job.creationTimestamp >= w ? PERMIT : ABSTAIN;
        };
        ssn.add('sla', 'jobEnqueueable', permitAfterWaiting);
        ssn.add('sla', 'jobPipelined', permitAfterWaiting);
      },
    };
  },
};
