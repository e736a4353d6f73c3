// The scheduling core's public surface.

export { runCycle, defaultSchedulerConfig, type CycleInput, type CycleResult, type CycleStats } from './run-cycle.js';
export {
  createSnapshot,
  compareNodes,
  SnapshotError,
  type ClusterSnapshot,
  type DomainSnapshot,
  type JobSnapshot,
  type NodeSnapshot,
  type QueueSnapshot,
  type SnapshotInput,
  type TaskSnapshot,
} from './snapshot.js';
export { SnapshotStore, type TaskRef } from './snapshot-store.js';
export {
  DEFAULT_SCHEDULER_CONF,
  parseSchedulerConfig,
  validateSchedulerConfig,
  SchedulerConfigError,
  type ConfigIssue,
  type ConfigResult,
  type SchedulerConfig,
  type TierConfig,
} from './config.js';
export type { Decision } from './decision.js';
export type { JobDiagnosis, DomainDiagnosis } from './diagnostics.js';
export type { PodGroupStatusUpdate } from './podgroup-status.js';
export type { QueueStatusUpdate } from './queue-status.js';
export { ACTIONS, PLUGINS, defaultRegistry, extendRegistry, type Registry } from './registry.js';
export type { Action, PluginDefinition, PluginOption, SchedulerPlugin } from './plugin.js';
export { Arguments, type ArgumentSpec, type ArgumentType } from './arguments.js';
export { ABSTAIN, PERMIT, REJECT, PLUGIN_FLAGS, type ExtensionPoints, type ExtensionPointName, type JobInvalid, type PluginFlag, type TaskEvent, type Vote } from './extension-points.js';
export { Session, type SessionOptions } from './session.js';
export { Statement, StatementError } from './statement.js';
export { JobInfo } from './job-info.js';
export { TaskInfo } from './task-info.js';
export { NodeInfo, DomainInfo } from './node-info.js';
export { QueueInfo } from './queue-info.js';
export type { TaskShape } from './task-shape.js';
export type { FitSummary, NodeChoice, Scope } from './node-search.js';
export { type TaskStatus, TASK_STATUSES, isAllocatedStatus, isScheduledStatus, isPreemptableStatus } from './task-status.js';
export { parseDuration } from './duration.js';
