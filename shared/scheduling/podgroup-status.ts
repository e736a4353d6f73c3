// PodGroup phase and conditions at the end of a cycle (Volcano's rules):
// 1. some task Running and this cycle marked the gang Unschedulable → Unknown;
// 2. scheduled = tasks Running, Bound, Succeeded or Failed (+ Releasing ones that hold a node);
//    scheduled ≥ minMember → Completed when all of them finished, else Running;
// 3. otherwise Pending, except that Inqueue stays Inqueue (nothing moves it back).

import type { PodGroupCondition, PodGroupPhase } from '../api/podgroup.js';
import type { JobInfo } from './job-info.js';
import type { Session } from './session.js';

export interface PodGroupStatusUpdate {
  readonly job: string;
  readonly namespace: string;
  readonly name: string;
  readonly phase: PodGroupPhase;
  readonly previousPhase: PodGroupPhase;
  /** The snapshot's conditions with this cycle's conditions replacing those of the same type. */
  readonly conditions: readonly PodGroupCondition[];
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Phase or a condition differs from the snapshot (so the caller should write it). */
  readonly changed: boolean;
}

export function podGroupStatus(ssn: Session, job: JobInfo): PodGroupStatusUpdate {
  const c = job.counts;
  const set = ssn.conditionsFor(job);
  const unschedulable = set.some((x) => x.type === 'Unschedulable' && x.status === 'True');
  const running = c.count('Running');
  const succeeded = c.count('Succeeded');
  const failed = c.count('Failed');
  let releasingOnNode = 0;
  if (c.count('Releasing') > 0) for (const t of job.tasks) if (t.status === 'Releasing' && t.node !== undefined) releasingOnNode++;
  const scheduled = running + c.count('Bound') + succeeded + failed + releasingOnNode;
  let phase: PodGroupPhase;
  if (running > 0 && unschedulable) phase = 'Unknown';
  else if (scheduled >= job.minMember && scheduled > 0) phase = scheduled === succeeded + failed ? 'Completed' : 'Running';
  else phase = job.phase === 'Inqueue' ? 'Inqueue' : 'Pending';

  const previous = job.snapshot.conditions ?? [];
  const conditions = previous.filter((p) => !set.some((s) => s.type === p.type)).concat(set);
  const previousPhase = job.snapshot.phase ?? 'Pending';
  const changed =
    phase !== previousPhase ||
    set.some((s) => {
      const p = previous.find((x) => x.type === s.type);
      return p === undefined || p.status !== s.status || p.reason !== s.reason || p.message !== s.message;
    });
  return { job: job.id, namespace: job.namespace, name: job.name, phase, previousPhase, conditions, running, succeeded, failed, changed };
}
