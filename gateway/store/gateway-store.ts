/**
 * `GatewayStore`: everything the gateway's parts (HTTP API, scheduler, dispatcher, report ingestion,
 * member health) need from durable state. The Redis adapter is `RedisGatewayStore`. Every method
 * resolves only after its change is committed in Redis; failures that a client must see are thrown
 * as `StatusError` (NotFound, AlreadyExists, Conflict), everything else as plain errors.
 */
import type { Job } from '../../shared/api/job.js';
import type { Queue } from '../../shared/api/queue.js';
import type { NodeInventory } from '../../shared/messages/node-inventory.js';
import type {
  Change,
  ChangeOrigin,
  JobExplanationRecord,
  MemberCluster,
  Placement,
  QueueUsage,
  Reservation,
} from './records.js';

/** A page of a list. `resourceVersion` was read before the items: a watch from it misses nothing. */
export interface ListPage<T> {
  items: T[];
  resourceVersion: string;
  /** opaque token for the next page; absent on the last page */
  continue?: string;
  /** how many items follow this page (only when a limit cut the list) */
  remainingItemCount?: number;
}

export interface ListOptions<T> {
  limit?: number;
  continue?: string;
  /** only objects passing this count toward `limit` and are returned */
  filter?: (o: T) => boolean;
}

export interface JobListOptions extends ListOptions<Job> {
  namespace?: string;
}

/** Guards on a write: it applies only when the stored object still has this version / uid. */
export interface Preconditions {
  resourceVersion?: string;
  uid?: string;
}

export type DeleteOutcome =
  | 'deleted' // the job was never placed and is gone
  | 'marked' // the job holds a placement; it is marked for termination, the dispatcher takes it from here
  | 'already-marked'; // an earlier delete marked it; nothing changed

/** A placement decision to record (one entry of the scheduler's decision batch). */
export interface PlacementWrite {
  placement: Placement;
  /** held until the agent's reports show the gang bound or rejected */
  reservation?: Reservation;
}

export type PlacementWriteResult =
  | { ok: true; rv: number }
  | { ok: false; reason: 'NotFound' | 'UidMismatch' | 'Deleting' }
  | { ok: false; reason: 'StaleEpoch'; currentEpoch: number };

export interface PlacementUpdate {
  uid: string;
  /** the job's namespace and name (to find it for a re-queue) */
  namespace: string;
  name: string;
  /** the update applies only while the stored placement has this epoch */
  epoch: number;
  /** new placement record (same epoch); absent = unchanged */
  placement?: Placement;
  /** 'release' drops the reservation; a record replaces it; absent = unchanged */
  reservation?: Reservation | 'release';
  /** put the job back in the pending set, keeping its place in line (whole-gang re-queue) */
  requeue?: boolean;
}

export type NodeReport =
  | { cluster: string; agentId: string; seq: number; mode: 'full'; nodes: NodeInventory[] }
  | { cluster: string; agentId: string; seq: number; mode: 'delta'; upserts: NodeInventory[]; removed: string[] };

export type NodeReportResult =
  | { applied: true; rv: number }
  | { applied: false; reason: 'UnknownMember' | 'StaleSeq' | 'NoFullInventory' };

/** A job waiting for a placement, in submission order. */
export interface PendingEntry {
  namespace: string;
  name: string;
  /** resourceVersion at creation: the FIFO position */
  order: number;
}

/** Everything the scheduler needs to build its snapshot, and the rv to tail the feed from. */
export interface StoreSnapshot {
  /** read before anything else: applying changes with rv > this on top gives the current state */
  resourceVersion: number;
  jobs: Job[];
  queues: Queue[];
  members: MemberCluster[];
  nodes: Record<string, NodeInventory[]>;
  placements: Placement[];
  reservations: Reservation[];
  usage: QueueUsage[];
  pending: PendingEntry[];
}

export interface ChangeBatch {
  changes: Change[];
  /** rv of the last change returned, or the `afterRv` asked for when there were none */
  lastRv: number;
}

export interface Subscription {
  close(): void;
}

export interface SubscribeOptions {
  /** deliver changes with rv > afterRv */
  afterRv: number;
  onChange(change: Change): void;
  /** the feed failed (e.g. Redis gone); the subscription is closed */
  onError?(err: Error): void;
}

export interface GatewayStore {
  /** throws when Redis does not answer (readiness) */
  ping(): Promise<void>;
  close(): Promise<void>;

  // resourceVersions and the change feed
  currentRv(): Promise<number>;
  /** the oldest rv still resumable from: a watch from rv < oldestResumableRv() - 1 is Gone */
  oldestResumableRv(): Promise<number>;
  /** changes with rv > afterRv, oldest first; throws StatusError Gone when they were trimmed */
  readChanges(opts: { afterRv: number; count?: number }): Promise<ChangeBatch>;
  /** live changes after `afterRv` (catch-up first); throws StatusError Gone when trimmed */
  subscribe(opts: SubscribeOptions): Promise<Subscription>;
  loadSnapshot(): Promise<StoreSnapshot>;

  // jobs (namespaced, keyed by namespace/name)
  /** `job` carries uid and creationTimestamp; the stored copy gets a resourceVersion */
  createJob(job: Job, opts?: { pending?: boolean }): Promise<Job>;
  getJob(namespace: string, name: string): Promise<Job | undefined>;
  getJobByUid(uid: string): Promise<Job | undefined>;
  listJobs(opts?: JobListOptions): Promise<ListPage<Job>>;
  /** replace the stored job; `pre` guards with resourceVersion / uid (409 Conflict, 404 NotFound) */
  updateJob(job: Job, pre?: Preconditions): Promise<Job>;
  /** read-modify-write with retries on Conflict; `mutate` returns undefined to write nothing */
  /** `origin` marks the write's change-feed entry (the leader skips its own status facts) */
  mutateJob(namespace: string, name: string, mutate: (job: Job) => Job | undefined, opts?: { uid?: string; retries?: number; origin?: ChangeOrigin }): Promise<Job | undefined>;
  /**
   * The API's DELETE: removes a never-placed job at once, otherwise stores `marked` (the job with
   * deletionTimestamp and the terminate intent) for the dispatcher.
   */
  requestJobDeletion(namespace: string, name: string, opts: { marked: Job; pre?: Preconditions }): Promise<{ outcome: DeleteOutcome; job: Job }>;
  /** removes the job, its indexes, placement and reservation (the member has let go of it) */
  removeJob(namespace: string, name: string, pre?: Preconditions): Promise<Job | undefined>;
  /** jobs waiting for a placement, oldest first */
  pendingJobs(opts?: { limit?: number }): Promise<PendingEntry[]>;
  /** what the scheduler found for a pending job (no resourceVersion bump, not in the feed) */
  putExplanations(records: Array<{ namespace: string; name: string; explanation: JobExplanationRecord }>): Promise<void>;
  getExplanation(namespace: string, name: string): Promise<JobExplanationRecord | undefined>;

  // queues (cluster-scoped)
  createQueue(queue: Queue): Promise<Queue>;
  /** creates the queue unless one of that name exists; returns the stored queue */
  ensureQueue(queue: Queue): Promise<Queue>;
  getQueue(name: string): Promise<Queue | undefined>;
  listQueues(opts?: ListOptions<Queue>): Promise<ListPage<Queue>>;
  updateQueue(queue: Queue, pre?: Preconditions): Promise<Queue>;
  /** refuses (409 Conflict) while jobs remain in the queue */
  deleteQueue(name: string, pre?: Preconditions): Promise<Queue>;
  mutateQueue(name: string, mutate: (queue: Queue) => Queue | undefined, opts?: { retries?: number }): Promise<Queue | undefined>;

  // member clusters
  createMember(member: MemberCluster): Promise<MemberCluster>;
  ensureMember(member: MemberCluster): Promise<MemberCluster>;
  getMember(name: string): Promise<MemberCluster | undefined>;
  listMembers(opts?: ListOptions<MemberCluster>): Promise<ListPage<MemberCluster>>;
  updateMember(member: MemberCluster, pre?: Preconditions): Promise<MemberCluster>;
  mutateMember(name: string, mutate: (member: MemberCluster) => MemberCluster | undefined, opts?: { retries?: number }): Promise<MemberCluster | undefined>;
  /** liveness only: no resourceVersion bump, not in the feed; false when the member is unknown */
  recordHeartbeat(hb: { cluster: string; agentId: string; seq: number; at: number }): Promise<boolean>;
  /** last heartbeat per member, ms since the epoch */
  heartbeats(): Promise<Record<string, { at: number; agentId: string; seq: number }>>;
  putNodes(report: NodeReport): Promise<NodeReportResult>;
  getNodes(cluster: string): Promise<NodeInventory[]>;

  // placements, reservations, usage
  getPlacement(uid: string): Promise<Placement | undefined>;
  listPlacements(): Promise<Placement[]>;
  /** one round trip for a whole decision batch; each write applies only if its epoch is newer */
  setPlacements(writes: PlacementWrite[]): Promise<PlacementWriteResult[]>;
  updatePlacements(updates: PlacementUpdate[]): Promise<PlacementWriteResult[]>;
  listReservations(): Promise<Reservation[]>;
  /** writes the usage of each queue given; unchanged records write nothing */
  setQueueUsage(usage: QueueUsage[]): Promise<void>;
  listQueueUsage(): Promise<QueueUsage[]>;
}
