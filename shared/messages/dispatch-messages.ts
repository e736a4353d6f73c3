/**
 * Messages from the gateway to one member cluster's agent (its dispatch queue). Each is idempotent:
 * the agent keys its work by job uid and placement epoch, so a duplicate or a late message whose
 * epoch is older than what the agent already holds changes nothing.
 */
import { Type, type Static } from 'typebox';
import type { Job } from '../api/job.js';
import { EpochSchema, jobRef, messageHead } from './wire.js';

/**
 * The vcjob as admitted (defaults applied). Only the identity and the task list are checked here;
 * the rest of the object travels as given.
 */
export const DispatchedJobSchema = Type.Unsafe<Job>(
  Type.Object({
    apiVersion: Type.Literal('batch.volcano.sh/v1alpha1'),
    kind: Type.Literal('Job'),
    metadata: Type.Object({
      name: Type.String({ minLength: 1 }),
      namespace: Type.String({ minLength: 1 }),
      uid: Type.String({ minLength: 1 }),
    }),
    spec: Type.Object({ tasks: Type.Array(Type.Object({}), { minItems: 1 }) }),
  }),
);

export const PlacementSchema = Type.Object({
  ...messageHead('placement'),
  ...jobRef,
  /** grows each time the gateway places the job anew (after a Lost member or a reject) */
  epoch: EpochSchema,
  /** 1-based count of placements of this job, for reporting */
  attempt: Type.Integer({ minimum: 1 }),
  /** the Caldera (global) queue the job belongs to */
  queue: Type.String({ minLength: 1 }),
  job: DispatchedJobSchema,
  /**
   * Node hint per task: `nodePlan[task][i]` is the node the gateway counted replica `i` on. The local
   * scheduler may deviate; the hint proves the gang fitted when it was placed.
   */
  nodePlan: Type.Record(Type.String(), Type.Array(Type.String())),
});

/** What the agent does to a placed job. */
export type CommandAction =
  | 'abort' // AbortJob: kill unfinished pods, phase Aborted, may be resumed
  | 'resume' // ResumeJob: restart an Aborted job
  | 'terminate' // TerminateJob: kill unfinished pods, phase Terminated, final
  | 'complete' // CompleteJob: kill unfinished pods, phase Completed
  | 'delete'; // remove the job and everything it owns from the member

export const COMMAND_ACTIONS: readonly CommandAction[] = ['abort', 'resume', 'terminate', 'complete', 'delete'];

export const CommandSchema = Type.Object({
  ...messageHead('command'),
  ...jobRef,
  /** the epoch of the placement the command is for; an agent holding another epoch ignores it */
  epoch: EpochSchema,
  action: Type.Unsafe<CommandAction>(Type.Union(COMMAND_ACTIONS.map((a) => Type.Literal(a)))),
  reason: Type.Optional(Type.String()),
});

export const DeleteSupersededSchema = Type.Object({
  ...messageHead('delete-superseded'),
  ...jobRef,
  /** delete whatever the member holds for this uid with an epoch strictly below this one */
  olderThanEpoch: EpochSchema,
});

export type PlacementMessage = Static<typeof PlacementSchema>;
export type CommandMessage = Static<typeof CommandSchema>;
export type DeleteSupersededMessage = Static<typeof DeleteSupersededSchema>;
export type DispatchMessage = PlacementMessage | CommandMessage | DeleteSupersededMessage;

/** The most messages one dispatch batch may carry. */
export const MAX_DISPATCH_BATCH = 500;

/**
 * Several dispatch messages for one cluster in one queue entry: what one scheduling cycle sends to
 * that cluster. The agent handles each message as if it had come alone (per job in order), so a
 * batch changes the cost of transport, never the meaning. A queue entry is either one message or
 * one batch.
 */
export interface DispatchBatch {
  type: 'batch';
  v: 1;
  cluster: string;
  sentAt?: number;
  messages: DispatchMessage[];
}
