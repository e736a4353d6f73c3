/**
 * `dependsOn`: a task's pods are created only once the tasks it depends on are ready. A task is
 * ready when at least its minAvailable pods have succeeded or run with every container ready (any
 * count when it has no minAvailable). `iteration: any` needs one ready dependency, else all.
 */
import type { Pod } from '../../../shared/api/core.js';
import type { Job, TaskSpec } from '../../../shared/api/job.js';
import { findTask, podTaskName } from './job-shape.js';

export function podReadyForDependents(pod: Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return true;
  if (phase !== 'Running') return false;
  const statuses = (pod.status?.containerStatuses ?? []) as { ready?: boolean }[];
  return statuses.every((s) => s.ready === true);
}

export function taskReady(job: Job, name: string, pods: readonly Pod[]): boolean {
  const task = findTask(job, name);
  if (!task) return false;
  if (task.minAvailable === undefined) return true;
  let ready = 0;
  for (const p of pods) if (podTaskName(p) === name && !p.metadata.deletionTimestamp && podReadyForDependents(p)) ready++;
  return ready >= task.minAvailable;
}

export function dependenciesReady(job: Job, task: TaskSpec, pods: readonly Pod[]): boolean {
  const names = task.dependsOn?.name ?? [];
  if (names.length === 0) return true;
  if (task.dependsOn?.iteration === 'any' && names.length > 1) return names.some((n) => taskReady(job, n, pods));
  return names.every((n) => taskReady(job, n, pods));
}
