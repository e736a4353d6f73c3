/** `scheduling.volcano.sh/v1beta1` PodGroup: the scheduler's unit of gang admission. */
import type { ObjectMeta, ResourceList } from './core.js';
import type { NetworkTopologySpec } from './job.js';

export const SCHEDULING_API_GROUP = 'scheduling.volcano.sh';
export const SCHEDULING_API_VERSION = 'scheduling.volcano.sh/v1beta1';
export const POD_GROUP_KIND = 'PodGroup';

export type PodGroupPhase =
  | 'Pending' // not yet admitted by enqueue
  | 'Inqueue' // admitted; pods may be created
  | 'Running' // at least minMember pods scheduled
  | 'Unknown' // some pods running but the gang became unschedulable
  | 'Completed'; // every scheduled pod finished

export type PodGroupConditionType = 'Unschedulable' | 'Scheduled';

export interface PodGroupCondition {
  type: PodGroupConditionType;
  status: 'True' | 'False' | 'Unknown';
  /** Session id that wrote the condition. */
  transitionID?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
  [key: string]: unknown;
}

export interface SubGroupPolicy {
  name: string;
  subGroupSize?: number;
  minSubGroups?: number;
  labelSelector?: Record<string, unknown>;
  matchLabelKeys?: string[];
  networkTopology?: NetworkTopologySpec;
  [key: string]: unknown;
}

export interface PodGroupSpec {
  minMember: number;
  minTaskMember?: Record<string, number>;
  queue?: string;
  priorityClassName?: string;
  minResources?: ResourceList;
  networkTopology?: NetworkTopologySpec;
  subGroupPolicy?: SubGroupPolicy[];
  [key: string]: unknown;
}

export interface PodGroupStatus {
  phase?: PodGroupPhase;
  conditions?: PodGroupCondition[];
  running?: number;
  succeeded?: number;
  failed?: number;
  [key: string]: unknown;
}

export interface PodGroup {
  apiVersion: typeof SCHEDULING_API_VERSION;
  kind: typeof POD_GROUP_KIND;
  metadata: ObjectMeta;
  spec: PodGroupSpec;
  status?: PodGroupStatus;
  [key: string]: unknown;
}
