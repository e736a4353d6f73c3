// Task statuses as the scheduler tracks them, with Volcano's groupings.

export type TaskStatus =
  | 'Pending' // no node yet
  | 'Allocated' // given a node in this cycle, not yet bound
  | 'Pipelined' // given a node whose resources are still being released
  | 'Binding' // bind decided, not yet confirmed
  | 'Bound' // pod has a node but is not running yet
  | 'Running' // running
  | 'Releasing' // being deleted; still holds its node's resources
  | 'Succeeded' // finished successfully
  | 'Failed' // finished with failure
  | 'Unknown'; // state not known

export const TASK_STATUSES: readonly TaskStatus[] = [
  'Pending', 'Allocated', 'Pipelined', 'Binding', 'Bound', 'Running', 'Releasing', 'Succeeded', 'Failed', 'Unknown',
];

/** Dense numeric code of each status, for per-job counters. */
export const STATUS_CODE: Readonly<Record<TaskStatus, number>> = {
  Pending: 0, Allocated: 1, Pipelined: 2, Binding: 3, Bound: 4, Running: 5, Releasing: 6, Succeeded: 7, Failed: 8, Unknown: 9,
};

/** Allocated, Binding, Bound or Running: the task holds resources of its node and counts as allocated. */
export function isAllocatedStatus(s: TaskStatus): boolean {
  return s === 'Allocated' || s === 'Binding' || s === 'Bound' || s === 'Running';
}

/** Running, Bound, Failed or Succeeded: the task has been scheduled at some point. */
export function isScheduledStatus(s: TaskStatus): boolean {
  return s === 'Running' || s === 'Bound' || s === 'Failed' || s === 'Succeeded';
}

/** Bound or Running: a task in one of these may be chosen as a victim. */
export function isPreemptableStatus(s: TaskStatus): boolean {
  return s === 'Bound' || s === 'Running';
}

/** The task's request counts in its node's `used` (Releasing tasks also count in `releasing`). */
export function occupiesNode(s: TaskStatus): boolean {
  return isAllocatedStatus(s) || s === 'Releasing';
}

/** The task is charged to its job and queue by the plugins' allocate/deallocate handlers. */
export function holdsAllocation(s: TaskStatus): boolean {
  return isAllocatedStatus(s) || s === 'Pipelined';
}
