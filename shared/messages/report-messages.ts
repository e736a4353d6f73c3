/**
 * Messages from member agents to the gateway (the one report stream). The gateway applies a report
 * only when its epoch is the job's current placement epoch, so reports from a fenced-off agent or
 * about a superseded placement change nothing.
 */
import { Type, type Static } from 'typebox';
import { JOB_PHASES, type JobPhase } from '../api/job.js';
import { NodeInventorySchema } from './node-inventory.js';
import { EpochSchema, jobRef, messageHead } from './wire.js';

/** Identity of one agent process; a restarted agent gets a new id and starts `seq` again. */
const agent = {
  agentId: Type.String({ minLength: 1 }),
  /** grows by one with each message an agent process sends on this stream; lets the gateway drop stale deltas */
  seq: Type.Integer({ minimum: 0 }),
};

export const NodesFullSchema = Type.Object({
  ...messageHead('nodes-full'),
  ...agent,
  /** every node of the cluster; nodes absent here are gone */
  nodes: Type.Array(NodeInventorySchema),
});

export const NodesDeltaSchema = Type.Object({
  ...messageHead('nodes-delta'),
  ...agent,
  /** nodes added or changed (whole node records, not field patches) */
  upserts: Type.Array(NodeInventorySchema),
  /** names of nodes that left the cluster */
  removed: Type.Array(Type.String({ minLength: 1 })),
});

export const HeartbeatSchema = Type.Object({
  ...messageHead('heartbeat'),
  ...agent,
  /** agent clock, ms since the epoch */
  sentAt: Type.Number({ minimum: 0 }),
});

export const JobPhaseSchema = Type.Unsafe<JobPhase>(Type.Union(JOB_PHASES.map((p) => Type.Literal(p))));

/** Pod counts in the job, as Volcano's JobStatus has them. */
export const PodCountsSchema = Type.Object({
  pending: Type.Integer({ minimum: 0 }),
  running: Type.Integer({ minimum: 0 }),
  succeeded: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  terminating: Type.Integer({ minimum: 0 }),
  unknown: Type.Integer({ minimum: 0 }),
});

export const JobStatusReportSchema = Type.Object({
  ...messageHead('job-status'),
  ...jobRef,
  agentId: Type.Optional(Type.String({ minLength: 1 })),
  epoch: EpochSchema,
  phase: JobPhaseSchema,
  counts: PodCountsSchema,
  /** gang size the member enforces */
  minAvailable: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Volcano's per-phase history: one entry per phase, newest last */
  conditions: Type.Array(Type.Object({ status: JobPhaseSchema, lastTransitionTime: Type.String() })),
  retryCount: Type.Integer({ minimum: 0 }),
  /** `status.version` on the member (bumped on each full restart) */
  version: Type.Optional(Type.Integer({ minimum: 0 })),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  /**
   * pods of the job bound to a node; the agent reports nodes before job status, so once this reaches
   * the gang size the nodes' `requested` already counts them and the gateway drops its reservation
   */
  bound: Type.Optional(Type.Integer({ minimum: 0 })),
});

export type PlacementResult =
  | 'accepted' // the agent created the job on its cluster
  | 'rejected'; // the agent refused it; the gateway places the job again

export const PLACEMENT_RESULTS: readonly PlacementResult[] = ['accepted', 'rejected'];

export const PlacementResultSchema = Type.Object({
  ...messageHead('placement-result'),
  ...jobRef,
  agentId: Type.Optional(Type.String({ minLength: 1 })),
  epoch: EpochSchema,
  attempt: Type.Integer({ minimum: 1 }),
  result: Type.Unsafe<PlacementResult>(Type.Union(PLACEMENT_RESULTS.map((r) => Type.Literal(r)))),
  /** machine reason for a reject, e.g. `QueueClosed`, `Unschedulable`, `Superseded` */
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

export type NodesFullMessage = Static<typeof NodesFullSchema>;
export type NodesDeltaMessage = Static<typeof NodesDeltaSchema>;
export type HeartbeatMessage = Static<typeof HeartbeatSchema>;
export type PodCounts = Static<typeof PodCountsSchema>;
export type JobStatusMessage = Static<typeof JobStatusReportSchema>;
export type PlacementResultMessage = Static<typeof PlacementResultSchema>;
export type ReportMessage =
  | NodesFullMessage
  | NodesDeltaMessage
  | HeartbeatMessage
  | JobStatusMessage
  | PlacementResultMessage;
