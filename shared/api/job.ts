/** `batch.volcano.sh/v1alpha1` Job: a gang of tasks, each a replicated pod template. */
import type { ObjectMeta, PersistentVolumeClaimSpec, PodPhase, PodTemplateSpec } from './core.js';

export const JOB_API_GROUP = 'batch.volcano.sh';
export const JOB_API_VERSION = 'batch.volcano.sh/v1alpha1';
export const JOB_KIND = 'Job';

/** Job lifecycle phase (`status.state.phase`). */
export type JobPhase =
  | 'Pending' // waiting for the gang to be admitted and scheduled
  | 'Aborting' // AbortJob in progress
  | 'Aborted' // aborted; may be resumed
  | 'Running' // at least minAvailable pods running or finished
  | 'Restarting' // pods being killed for a restart
  | 'Completing' // CompleteJob in progress
  | 'Completed' // finished successfully
  | 'Terminating' // TerminateJob in progress
  | 'Terminated' // terminated; cannot be resumed
  | 'Failed'; // retries exhausted or failure

export const JOB_PHASES: readonly JobPhase[] = [
  'Pending',
  'Aborting',
  'Aborted',
  'Running',
  'Restarting',
  'Completing',
  'Completed',
  'Terminating',
  'Terminated',
  'Failed',
];

/** Event that drives lifecycle policies. */
export type JobEvent =
  | '*' // any event
  | 'PodPending'
  | 'PodRunning' // internal
  | 'PodFailed'
  | 'PodEvicted'
  | 'Unknown' // PodGroup became Unknown
  | 'TaskCompleted'
  | 'TaskFailed'
  | 'OutOfSync' // internal
  | 'CommandIssued' // internal
  | 'JobUpdated';

/** Events a user may name in a lifecycle policy. */
export const USER_JOB_EVENTS: readonly JobEvent[] = [
  '*',
  'PodFailed',
  'PodEvicted',
  'PodPending',
  'Unknown',
  'TaskCompleted',
  'TaskFailed',
  'JobUpdated',
];

/** Action a lifecycle policy or command triggers. */
export type JobAction =
  | 'AbortJob'
  | 'RestartJob'
  | 'RestartTask'
  | 'RestartPod'
  | 'RestartPartition'
  | 'TerminateJob'
  | 'CompleteJob'
  | 'ResumeJob'
  | 'SyncJob' // internal
  | 'EnqueueJob' // internal
  | 'SyncQueue' // queue controller
  | 'OpenQueue' // queue controller
  | 'CloseQueue'; // queue controller

/** Actions a user may name in a lifecycle policy. */
export const USER_JOB_ACTIONS: readonly JobAction[] = [
  'AbortJob',
  'RestartJob',
  'RestartTask',
  'RestartPod',
  'RestartPartition',
  'TerminateJob',
  'CompleteJob',
  'ResumeJob',
];

export interface LifecyclePolicy {
  action: JobAction;
  event?: JobEvent;
  events?: JobEvent[];
  exitCode?: number;
  /** Go duration such as `30s`, `5m`. */
  timeout?: string;
  [key: string]: unknown;
}

export interface NetworkTopologySpec {
  mode?: 'hard' | 'soft';
  highestTierAllowed?: number;
  highestTierName?: string;
  [key: string]: unknown;
}

export interface DependsOn {
  name: string[];
  /** `any`: one ready dependency suffices; `all` (default): every one must be ready. */
  iteration?: 'any' | 'all';
  [key: string]: unknown;
}

export interface PartitionPolicy {
  totalPartitions: number;
  partitionSize: number;
  minPartitions?: number;
  networkTopology?: NetworkTopologySpec;
  [key: string]: unknown;
}

export type TopologyPolicy = 'none' | 'best-effort' | 'restricted' | 'single-numa-node';

export interface TaskSpec {
  name?: string;
  replicas?: number;
  minAvailable?: number;
  template?: PodTemplateSpec;
  policies?: LifecyclePolicy[];
  topologyPolicy?: TopologyPolicy;
  maxRetry?: number;
  dependsOn?: DependsOn;
  partitionPolicy?: PartitionPolicy;
  [key: string]: unknown;
}

export interface VolumeSpec {
  mountPath: string;
  volumeClaimName?: string;
  volumeClaim?: PersistentVolumeClaimSpec;
  [key: string]: unknown;
}

/** Job-controller plugin name → argv-style args (`--key=value`). */
export type JobPlugins = Record<string, string[]>;

export const KNOWN_JOB_PLUGINS: readonly string[] = ['ssh', 'env', 'svc', 'tensorflow', 'mpi', 'pytorch', 'hcclrank', 'ray'];

export interface JobSpec {
  schedulerName?: string;
  minAvailable?: number;
  minSuccess?: number;
  queue?: string;
  priorityClassName?: string;
  maxRetry?: number;
  ttlSecondsAfterFinished?: number;
  tasks?: TaskSpec[];
  policies?: LifecyclePolicy[];
  plugins?: JobPlugins;
  volumes?: VolumeSpec[];
  networkTopology?: NetworkTopologySpec;
  /** Go duration; informational. */
  runningEstimate?: string;
  [key: string]: unknown;
}

export interface JobState {
  phase: JobPhase;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  [key: string]: unknown;
}

export interface JobCondition {
  status: JobPhase;
  lastTransitionTime: string;
  [key: string]: unknown;
}

export interface TaskState {
  phase: Partial<Record<PodPhase, number>>;
  [key: string]: unknown;
}

export interface JobStatus {
  state?: JobState;
  minAvailable?: number;
  taskStatusCount?: Record<string, TaskState>;
  pending?: number;
  running?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  unknown?: number;
  version?: number;
  retryCount?: number;
  runningDuration?: string;
  controlledResources?: Record<string, string>;
  conditions?: JobCondition[];
  [key: string]: unknown;
}

export interface Job {
  apiVersion: typeof JOB_API_VERSION;
  kind: typeof JOB_KIND;
  metadata: ObjectMeta;
  spec: JobSpec;
  status?: JobStatus;
  [key: string]: unknown;
}
