/**
 * The records the gateway keeps besides the Kubernetes-shaped jobs and queues: member clusters,
 * placements, reservations, per-queue usage, why-pending explanations, and change-feed entries.
 */
import type { ObjectMeta, ResourceList } from '../../shared/api/core.js';
import type { Job } from '../../shared/api/job.js';
import type { Queue } from '../../shared/api/queue.js';
import type { NodeInventory } from '../../shared/messages/node-inventory.js';

export const CALDERA_API_GROUP = 'caldera.dev';
export const CALDERA_API_VERSION = 'caldera.dev/v1alpha1';
export const MEMBER_CLUSTER_KIND = 'MemberCluster';

/** Job annotation the API sets on delete: the dispatcher must terminate the job on its member. */
export const TERMINATE_ANNOTATION = 'caldera.dev/terminate';

/** A member's health as the health component judges it. */
export type MemberPhase =
  | 'Ready' // heartbeats arrive; new placements allowed
  | 'NotReady' // heartbeats missed past the NotReady timeout; no new placements
  | 'Lost' // missed past the Lost grace period; its jobs are re-queued
  | 'Unknown'; // never heard from

export interface MemberClusterSpec {
  /** an admin stopped new placements on this member */
  cordoned?: boolean;
  [key: string]: unknown;
}

export interface MemberClusterStatus {
  phase?: MemberPhase;
  ready?: boolean;
  /** RFC 3339 time of the last heartbeat (merged in from the heartbeat side fields) */
  lastHeartbeatTime?: string;
  /** seconds since the last heartbeat, computed when the object is served */
  heartbeatAgeSeconds?: number;
  agentId?: string;
  /** Σ of the nodes' capacity / allocatable / requested, computed when served */
  capacity?: ResourceList;
  allocatable?: ResourceList;
  allocated?: ResourceList;
  nodeCount?: number;
  readyNodeCount?: number;
  reason?: string;
  message?: string;
  conditions?: Array<{ type: string; status: 'True' | 'False' | 'Unknown'; lastTransitionTime?: string; reason?: string; message?: string }>;
  [key: string]: unknown;
}

export interface MemberCluster {
  apiVersion: typeof CALDERA_API_VERSION;
  kind: typeof MEMBER_CLUSTER_KIND;
  metadata: ObjectMeta;
  spec: MemberClusterSpec;
  status?: MemberClusterStatus;
  [key: string]: unknown;
}

/** Where a placement stands. */
export type PlacementState =
  | 'Placed' // the scheduler decided; not yet handed to the member's queue
  | 'Dispatched' // in the member's dispatch queue
  | 'Accepted' // the agent created the job
  | 'Rejected' // the agent refused it; the job is re-queued
  | 'Requeued'; // taken back (member Lost, reject); waits for a new placement with a higher epoch

export interface Placement {
  uid: string;
  namespace: string;
  name: string;
  queue: string;
  /** member cluster; '' while re-queued */
  cluster: string;
  /** grows with every new placement of the job; messages carry it */
  epoch: number;
  /** 1-based count of placements of this job */
  attempt: number;
  state: PlacementState;
  /** RFC 3339 */
  placedAt: string;
  updatedAt?: string;
  /** task → node names the gang was counted on */
  nodePlan?: Record<string, string[]>;
  reason?: string;
  message?: string;
  /** earlier placements whose copies on those members must be deleted when the members come back */
  superseded?: Array<{ cluster: string; epoch: number }>;
  [key: string]: unknown;
}

/**
 * `{ ...p, ...changes }` for a placement, built key by key. The leader holds one placement per job
 * for the job's life, tens of thousands of them: made by object spread at a call site that has seen
 * placements of several shapes, V8 gives every copy a hidden class of its own (it clones the source's
 * class per call), which costs memory, lengthens every full collection's marking and makes each
 * read of a placement field a megamorphic lookup. Copies made here share their classes.
 */
export function placementWith(p: Placement, changes: Partial<Placement>): Placement {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(p)) out[k] = p[k];
  for (const k of Object.keys(changes)) out[k] = changes[k];
  return out as Placement;
}

/** What the gateway holds back on a member's nodes for a placement the agent has not bound yet. */
export interface Reservation {
  uid: string;
  cluster: string;
  epoch: number;
  /** node → resources held on it */
  nodes: Record<string, ResourceList>;
  /** RFC 3339 */
  createdAt: string;
  [key: string]: unknown;
}

/** A queue's consumption as the scheduler last computed it. */
export interface QueueUsage {
  queue: string;
  allocated: ResourceList;
  reserved?: ResourceList;
  /** jobs by state, as the scheduler counts them */
  pending?: number;
  running?: number;
  /** RFC 3339 */
  updatedAt?: string;
  [key: string]: unknown;
}

/** One reason a job does not fit somewhere. */
export interface ExplainReason {
  /** member cluster the reason is about; absent for reasons that hold everywhere (queue quota) */
  cluster?: string;
  /** short machine reason, e.g. `InsufficientCPU`, `QueueOverQuota`, `Cordoned` */
  reason: string;
  message: string;
  [key: string]: unknown;
}

/** What the scheduler stores for a pending job each cycle it considers it. */
export interface JobExplanationRecord {
  uid: string;
  /** RFC 3339 time of the cycle that produced it */
  evaluatedAt: string;
  cycle?: number;
  reasons: ExplainReason[];
  [key: string]: unknown;
}

/** The objects the change feed carries, by kind. */
export interface ChangeObjects {
  job: Job;
  queue: Queue;
  member: MemberCluster;
  nodes: NodesChange;
  placement: Placement;
  reservation: Reservation;
  usage: QueueUsage;
}

export type ChangeKind = keyof ChangeObjects;
export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A node report as applied to a member's inventory. */
export interface NodesChange {
  cluster: string;
  /** 'full': `upserts` is the whole inventory and every other node is gone */
  mode: 'full' | 'delta';
  upserts: NodeInventory[];
  removed: string[];
}

/**
 * One committed change. `key` is `<ns>/<name>` for jobs, the name for queues and members, the
 * cluster for nodes, the job uid for placements and reservations, the queue for usage. Jobs,
 * queues and members carry `metadata.resourceVersion = rv`. A job's DELETED also means its
 * placement and reservation are gone.
 */
export type Change = {
  [K in ChangeKind]: { rv: number; kind: K; key: string; type: ChangeType; object: ChangeObjects[K]; origin?: ChangeOrigin };
}[ChangeKind];

/** Who wrote a change, when the writer says: `status` = the gateway's status facts of a job. */
export type ChangeOrigin = 'status';
