// Queue status at the end of a cycle: allocated (rolled up to every ancestor), and the deserved
// share and share that proportion or capacity computed, plus PodGroup counts by phase.

import type { QueueState } from '../api/queue.js';
import type { PodGroupPhase } from '../api/podgroup.js';
import type { ResourceVector } from '../resources/resource-vector.js';
import { denseAdd } from './resource-space.js';
import type { Session } from './session.js';

export interface QueueStatusUpdate {
  readonly queue: string;
  readonly state: QueueState;
  /** Σ requests of tasks Allocated, Binding, Bound or Running, including descendants. */
  readonly allocated: ResourceVector;
  readonly deserved?: ResourceVector;
  /** allocated / deserved in the dominant dimension (from proportion or capacity). */
  readonly share?: number;
  /** PodGroups by phase after the cycle. */
  readonly podGroups: Readonly<Record<PodGroupPhase, number>>;
}

export function queueStatuses(ssn: Session, phases: ReadonlyMap<string, PodGroupPhase>): QueueStatusUpdate[] {
  const D = ssn.space.size;
  const allocated = new Map<string, Float64Array>();
  for (const q of ssn.queues) allocated.set(q.name, new Float64Array(D));
  for (const q of ssn.queues) {
    const own = new Float64Array(D);
    for (const job of q.jobs) denseAdd(own, job.allocated);
    // add to the queue and each ancestor (guarding against cycles)
    const seen = new Set<string>();
    for (let name: string | undefined = q.name; name !== undefined && !seen.has(name); ) {
      seen.add(name);
      const target = allocated.get(name);
      if (target === undefined) break;
      denseAdd(target, own);
      const parent: string | undefined = ssn.queue(name)?.parent;
      name = parent ?? (name === 'root' ? undefined : allocated.has('root') ? 'root' : undefined);
    }
  }
  return ssn.queues.map((q) => {
    const report = ssn.queueReport(q);
    const podGroups: Record<PodGroupPhase, number> = { Pending: 0, Inqueue: 0, Running: 0, Unknown: 0, Completed: 0 };
    for (const job of q.jobs) podGroups[phases.get(job.id) ?? job.phase]++;
    return {
      queue: q.name,
      state: q.state,
      allocated: ssn.space.toVector(allocated.get(q.name)!),
      ...(report?.deserved === undefined ? {} : { deserved: ssn.space.toVector(report.deserved) }),
      ...(report?.share === undefined ? {} : { share: report.share }),
      podGroups,
    };
  });
}
