/** `scheduling.volcano.sh/v1beta1` Queue (cluster-scoped): a fair-share and quota domain. */
import type { ObjectMeta, ResourceList } from './core.js';
import { SCHEDULING_API_VERSION } from './podgroup.js';

export const QUEUE_KIND = 'Queue';

export type QueueState =
  | 'Open' // accepts jobs
  | 'Closed' // rejects new jobs; running ones continue
  | 'Closing' // closing while pod groups remain
  | 'Unknown';

export interface QueueGuarantee {
  resource?: ResourceList;
  [key: string]: unknown;
}

export interface NodeGroupAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: string[];
  preferredDuringSchedulingIgnoredDuringExecution?: string[];
  [key: string]: unknown;
}

export interface QueueAffinity {
  nodeGroupAffinity?: NodeGroupAffinity;
  nodeGroupAntiAffinity?: NodeGroupAffinity;
  [key: string]: unknown;
}

export interface ExtendCluster {
  name?: string;
  weight?: number;
  capacity?: ResourceList;
  [key: string]: unknown;
}

export interface QueueSpec {
  /** 1..65535; share weight for proportion. */
  weight?: number;
  capability?: ResourceList;
  deserved?: ResourceList;
  guarantee?: QueueGuarantee;
  reclaimable?: boolean;
  parent?: string;
  priority?: number;
  affinity?: QueueAffinity;
  type?: string;
  extendClusters?: ExtendCluster[];
  dequeueStrategy?: 'fifo' | 'traverse';
  [key: string]: unknown;
}

export interface QueueReservation {
  nodes?: string[];
  resource?: ResourceList;
  [key: string]: unknown;
}

export interface QueueStatus {
  state?: QueueState;
  unknown?: number;
  pending?: number;
  running?: number;
  inqueue?: number;
  completed?: number;
  reservation?: QueueReservation;
  allocated?: ResourceList;
  [key: string]: unknown;
}

export interface Queue {
  apiVersion: typeof SCHEDULING_API_VERSION;
  kind: typeof QUEUE_KIND;
  metadata: ObjectMeta;
  spec: QueueSpec;
  status?: QueueStatus;
  [key: string]: unknown;
}

export const ROOT_QUEUE = 'root';
export const DEFAULT_QUEUE = 'default';
