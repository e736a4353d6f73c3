/**
 * The PodGroup `<job>-<uid>` a vcjob is scheduled through: its gang size, per-task minimums, queue,
 * priority, partition sub-groups and the minimum resources `enqueue` admits it by.
 */
import type { ResourceList } from '../../../shared/api/core.js';
import type { Job, TaskSpec } from '../../../shared/api/job.js';
import { POD_GROUP_KIND, SCHEDULING_API_VERSION, type PodGroup, type PodGroupSpec, type SubGroupPolicy } from '../../../shared/api/podgroup.js';
import { PARTITION_ID_LABEL, TASK_SPEC_LABEL } from '../../../shared/api/well-known.js';
import { podRequest } from '../../../shared/resources/pod-request.js';
import { ResourceVector } from '../../../shared/resources/resource-vector.js';
import { jobNamespace, jobOwnerReference, minAvailableOf, podGroupNameOf, replicasOf, taskName, tasksOf } from './job-shape.js';

/** Value of a PriorityClass by name (0 when unknown). */
export type PriorityLookup = (className: string | undefined) => number;

export const noPriorities: PriorityLookup = () => 0;

/** A task's gang minimum: its own, else minPartitions × partitionSize, else every replica. */
export function taskMinMember(task: TaskSpec): number {
  if (task.minAvailable !== undefined) return task.minAvailable;
  const p = task.partitionPolicy;
  if (p && (p.minPartitions ?? 0) > 0 && p.partitionSize > 0) return (p.minPartitions ?? 0) * p.partitionSize;
  return replicasOf(task);
}

export function buildJobPodGroup(job: Job, priorityOf: PriorityLookup = noPriorities): PodGroup {
  const spec: PodGroupSpec = {
    minMember: minAvailableOf(job),
    minTaskMember: Object.fromEntries(tasksOf(job).map((t) => [taskName(t), taskMinMember(t)])),
    queue: job.spec.queue ?? 'default',
    minResources: minResources(job, priorityOf),
  };
  if (job.spec.priorityClassName) spec.priorityClassName = job.spec.priorityClassName;
  if (job.spec.networkTopology) spec.networkTopology = job.spec.networkTopology;
  const subGroups = subGroupPolicies(job);
  if (subGroups.length > 0) spec.subGroupPolicy = subGroups;
  return {
    apiVersion: SCHEDULING_API_VERSION,
    kind: POD_GROUP_KIND,
    metadata: {
      name: podGroupNameOf(job),
      namespace: jobNamespace(job),
      labels: { ...(job.metadata.labels ?? {}) },
      annotations: { ...(job.metadata.annotations ?? {}) },
      ownerReferences: [jobOwnerReference(job)],
    },
    spec,
    status: { phase: 'Pending' },
  };
}

function subGroupPolicies(job: Job): SubGroupPolicy[] {
  const out: SubGroupPolicy[] = [];
  for (const task of tasksOf(job)) {
    const p = task.partitionPolicy;
    if (!p) continue;
    const sg: SubGroupPolicy = {
      name: taskName(task),
      subGroupSize: p.partitionSize,
      minSubGroups: p.minPartitions ?? 0,
      labelSelector: { matchLabels: { [TASK_SPEC_LABEL]: taskName(task) } },
      matchLabelKeys: [PARTITION_ID_LABEL],
    };
    if (p.networkTopology) sg.networkTopology = p.networkTopology;
    out.push(sg);
  }
  return out;
}

/**
 * Σ requests of the pods the gang needs, taking tasks by PriorityClass value (highest first): each
 * task's own minimum first (capped at the job's), then the remaining replicas until minAvailable.
 */
export function minResources(job: Job, priorityOf: PriorityLookup = noPriorities): ResourceList {
  const tasks = tasksOf(job)
    .map((task, i) => ({ task, i, prio: priorityOf(task.template?.spec?.priorityClassName) }))
    .sort((a, b) => b.prio - a.prio || a.i - b.i);
  const jobMin = minAvailableOf(job);
  const taskMinSum = tasks.reduce((n, t) => n + (t.task.minAvailable ?? replicasOf(t.task)), 0);
  const counts = new Map<number, number>();
  let left = jobMin;
  if (jobMin >= taskMinSum) {
    for (const t of tasks) {
      const n = Math.min(left, t.task.minAvailable ?? replicasOf(t.task), replicasOf(t.task));
      counts.set(t.i, n);
      left -= n;
    }
  }
  for (const t of tasks) {
    if (left <= 0) break;
    const have = counts.get(t.i) ?? 0;
    const n = Math.min(left, replicasOf(t.task) - have);
    counts.set(t.i, have + n);
    left -= n;
  }
  let total = ResourceVector.empty();
  for (const t of tasks) {
    const n = counts.get(t.i) ?? 0;
    if (n === 0) continue;
    total = total.add(podRequest(t.task.template?.spec ?? { containers: [] }).scale(n));
  }
  return total.toQuantities();
}

/** True when the live PodGroup's spec differs from what the job asks for (scale, priority). */
export function podGroupNeedsUpdate(live: PodGroup, want: PodGroup): boolean {
  const a = live.spec;
  const b = want.spec;
  return (
    a.minMember !== b.minMember ||
    (a.priorityClassName ?? '') !== (b.priorityClassName ?? '') ||
    JSON.stringify(a.minTaskMember ?? {}) !== JSON.stringify(b.minTaskMember ?? {}) ||
    JSON.stringify(normalizeResources(a.minResources)) !== JSON.stringify(normalizeResources(b.minResources)) ||
    JSON.stringify(a.subGroupPolicy ?? []) !== JSON.stringify(b.subGroupPolicy ?? [])
  );
}

function normalizeResources(list: ResourceList | undefined): Record<string, number> {
  if (!list) return {};
  try {
    return ResourceVector.fromQuantities(list).toAmounts();
  } catch {
    return {};
  }
}

