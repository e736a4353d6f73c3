// The typed extension points plugins hook, how results combine, and the plugin option flag that
// gates each one. Combination rules follow Volcano (see docs/scheduling.md):
//   orders: first non-zero result wins; predicates: all must pass; node and domain scores: summed;
//   votes: within a tier any Reject loses, a Permit ends the walk after its tier, default true;
//   victims: intersection within a tier, the first tier that yields victims decides.

import type { JobInfo } from './job-info.js';
import type { DomainInfo, NodeInfo } from './node-info.js';
import type { QueueInfo } from './queue-info.js';
import type { TaskInfo } from './task-info.js';
import type { TaskShape } from './task-shape.js';

export type Vote = 1 | 0 | -1;
export const PERMIT: Vote = 1;
export const ABSTAIN: Vote = 0;
export const REJECT: Vote = -1;

/** A failed validity check: the job is skipped this cycle. */
export interface JobInvalid {
  readonly reason: string;
  readonly message: string;
}

/** What an allocate/deallocate handler sees: the task and the node it gained or lost. */
export interface TaskEvent {
  readonly task: TaskInfo;
  readonly node: NodeInfo;
}

export interface ExtensionPoints {
  /** < 0 puts l first. */
  queueOrder: (l: QueueInfo, r: QueueInfo) => number;
  jobOrder: (l: JobInfo, r: JobInfo) => number;
  taskOrder: (l: TaskInfo, r: TaskInfo) => number;
  /** Job-level check before any node is tried; a string is the reason it fails. */
  prePredicate: (task: TaskInfo) => string | undefined;
  /**
   * Static node filter: may read only the shape and the node's fixed attributes (labels, taints,
   * unschedulable). Results are cached per shape and node for the cycle.
   */
  predicate: (shape: TaskShape, node: NodeInfo) => string | undefined;
  /**
   * State-dependent node filter (e.g. pod count). Re-evaluated whenever the node changes; must not
   * start passing because more was allocated on the node.
   */
  nodeFit: (shape: TaskShape, node: NodeInfo) => string | undefined;
  /** Node score (0..100 times a weight); may read only the shape and the node's state. */
  nodeOrder: (shape: TaskShape, node: NodeInfo) => number;
  /** Whether a job may be placed in a domain; a string is the reason it may not. */
  domainFilter: (job: JobInfo, domain: DomainInfo) => string | undefined;
  domainOrder: (job: JobInfo, domain: DomainInfo) => number;
  /** Victims among candidates, or undefined to abstain. */
  preemptable: (preemptor: TaskInfo, candidates: readonly TaskInfo[]) => readonly TaskInfo[] | undefined;
  reclaimable: (reclaimer: TaskInfo, candidates: readonly TaskInfo[]) => readonly TaskInfo[] | undefined;
  overused: (queue: QueueInfo) => boolean;
  allocatable: (queue: QueueInfo, task: TaskInfo) => boolean;
  /** May this queue take resources back from others for the task? */
  preemptive: (queue: QueueInfo, task: TaskInfo) => boolean;
  jobValid: (job: JobInfo) => JobInvalid | undefined;
  jobReady: (job: JobInfo) => boolean;
  jobPipelined: (job: JobInfo) => Vote;
  jobEnqueueable: (job: JobInfo) => Vote;
  jobStarving: (job: JobInfo) => boolean;
  jobEnqueued: (job: JobInfo) => void;
  allocateEvent: (event: TaskEvent) => void;
  deallocateEvent: (event: TaskEvent) => void;
}

export type ExtensionPointName = keyof ExtensionPoints;

/** Volcano's per-plugin option flags (all default true). */
export const PLUGIN_FLAGS = [
  'enableJobOrder', 'enableTaskOrder', 'enableQueueOrder', 'enabledClusterOrder', 'enabledSubJobOrder',
  'enableJobReady', 'enableJobPipelined', 'enableJobEnqueued', 'enableJobStarving', 'enabledSubJobReady',
  'enabledSubJobPipelined', 'enablePreemptable', 'enableReclaimable', 'enablePreemptive', 'enabledVictim',
  'enablePredicate', 'enableBestNode', 'enableNodeOrder', 'enabledHyperNodeOrder', 'enabledHyperNodeGradient',
  'enabledOverused', 'enabledAllocatable', 'enableTargetJob', 'enableReservedNodes',
] as const;

export type PluginFlag = (typeof PLUGIN_FLAGS)[number];

/** The flag that gates each extension point (undefined: always on). */
export const FLAG_OF: Readonly<Record<ExtensionPointName, PluginFlag | undefined>> = {
  queueOrder: 'enableQueueOrder',
  jobOrder: 'enableJobOrder',
  taskOrder: 'enableTaskOrder',
  prePredicate: 'enablePredicate',
  predicate: 'enablePredicate',
  nodeFit: 'enablePredicate',
  nodeOrder: 'enableNodeOrder',
  domainFilter: 'enablePredicate',
  domainOrder: 'enabledClusterOrder',
  preemptable: 'enablePreemptable',
  reclaimable: 'enableReclaimable',
  overused: 'enabledOverused',
  allocatable: 'enabledAllocatable',
  preemptive: 'enablePreemptive',
  jobValid: undefined,
  jobReady: 'enableJobReady',
  jobPipelined: 'enableJobPipelined',
  jobEnqueueable: 'enableJobEnqueued',
  jobStarving: 'enableJobStarving',
  jobEnqueued: 'enableJobEnqueued',
  allocateEvent: undefined,
  deallocateEvent: undefined,
};
