/**
 * Turns what the agent's parts report (a scheduling cycle, the caches) into the agent's metrics
 * (member-agent/metrics.ts): Volcano's scheduler families and the `caldera_agent_*` gauges.
 */
import type { Node } from '../shared/api/core.js';
import type { Job } from '../shared/api/job.js';
import type { Queue } from '../shared/api/queue.js';
import { ResourceVector } from '../shared/resources/resource-vector.js';
import type { CycleResult } from '../shared/scheduling/index.js';
import type { ObjectStore } from './kube/object-store.js';
import type { AgentMetrics } from './metrics.js';
import type { NodeUsage } from './node-usage.js';
import { nodeReady } from './reporter/reporter.js';

function amounts(list: Record<string, string | number> | undefined): Record<string, number> {
  if (!list) return {};
  try {
    return ResourceVector.fromQuantities(list).toAmounts();
  } catch {
    return {};
  }
}

/** One scheduling cycle: its duration, what it could not place, PodGroups by phase, queue shares. */
export function recordCycle(m: AgentMetrics, result: CycleResult, binds: number, queues: ObjectStore<Queue>): void {
  m.observeSchedulingCycle(result.stats.elapsedMs / 1000);
  const unschedulable = new Map<string, number>();
  let pending = 0;
  for (const d of result.diagnostics) {
    unschedulable.set(d.name, d.unschedulableTasks);
    pending += d.unschedulableTasks;
  }
  m.cycle.setUnschedulable(unschedulable);
  m.cycle.setPodGroupPhases(new Map(result.queueStatus.map((q) => [q.queue, q.podGroups])));
  if (binds > 0) m.scheduleAttempts.inc({ result: 'Success' }, binds);
  if (pending > 0) m.scheduleAttempts.inc({ result: 'Unschedulable' }, pending);
  for (const d of result.decisions) if (d.type === 'evict') m.evictionTransactions.inc({ action: d.reason });
  m.volcanoQueues.record(
    result.queueStatus.map((q) => {
      const spec = queues.get(undefined, q.queue)?.spec;
      return {
        queue: q.queue,
        allocated: q.allocated.toAmounts(),
        ...(q.deserved ? { deserved: q.deserved.toAmounts() } : {}),
        ...(q.share !== undefined ? { share: q.share } : {}),
        ...(spec?.weight !== undefined ? { weight: spec.weight } : {}),
        ...(spec?.capability ? { capability: amounts(spec.capability) } : {}),
      };
    }),
  );
}

/** Nodes by state with the schedulable totals, and jobs by phase. */
export function recordClusterGauges(m: AgentMetrics, src: { nodes: ObjectStore<Node>; jobs: ObjectStore<Job>; usage: NodeUsage }): void {
  const counts = { ready: 0, not_ready: 0, unschedulable: 0 };
  let allocatable = ResourceVector.empty();
  let allocated = ResourceVector.empty();
  for (const n of src.nodes.values()) {
    const ready = nodeReady(n);
    if (!ready) counts.not_ready++;
    else if (n.spec?.unschedulable) counts.unschedulable++;
    else counts.ready++;
    if (!ready || n.spec?.unschedulable) continue;
    try {
      allocatable = allocatable.add(ResourceVector.fromQuantities(n.status?.allocatable ?? {}));
    } catch {
      // a node with an unreadable quantity adds nothing
    }
    allocated = allocated.add(src.usage.of(n.metadata.name ?? '').requested);
  }
  m.recordNodes({ counts, allocatable: allocatable.toAmounts(), allocated: allocated.toAmounts() });
  const phases: Record<string, number> = {};
  for (const j of src.jobs.values()) {
    const p = j.status?.state?.phase ?? 'Pending';
    phases[p] = (phases[p] ?? 0) + 1;
  }
  m.setJobPhases(phases);
}
