/** Validation of untrusted gateway↔agent messages: a typed message or a readable error, never a throw. */
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import {
  CommandSchema,
  DeleteSupersededSchema,
  MAX_DISPATCH_BATCH,
  PlacementSchema,
  type DispatchMessage,
} from './dispatch-messages.js';
import {
  HeartbeatSchema,
  JobStatusReportSchema,
  NodesDeltaSchema,
  NodesFullSchema,
  PlacementResultSchema,
  type ReportMessage,
} from './report-messages.js';
import { ClusterNameSchema, MESSAGE_VERSION } from './wire.js';

export type Message = DispatchMessage | ReportMessage;
export type MessageType = Message['type'];

export type ParseResult<M> = { ok: true; message: M } | { ok: false; error: string };

const schemas: Record<MessageType, TSchema> = {
  placement: PlacementSchema,
  command: CommandSchema,
  'delete-superseded': DeleteSupersededSchema,
  'nodes-full': NodesFullSchema,
  'nodes-delta': NodesDeltaSchema,
  heartbeat: HeartbeatSchema,
  'job-status': JobStatusReportSchema,
  'placement-result': PlacementResultSchema,
};

export const DISPATCH_MESSAGE_TYPES: readonly MessageType[] = ['placement', 'command', 'delete-superseded'];
export const REPORT_MESSAGE_TYPES: readonly MessageType[] = [
  'nodes-full',
  'nodes-delta',
  'heartbeat',
  'job-status',
  'placement-result',
];

const validators = new Map(Object.entries(schemas).map(([type, schema]) => [type, Compile(schema)]));

function isMessageType(x: unknown): x is MessageType {
  return typeof x === 'string' && validators.has(x);
}

/** Up to this many schema errors are named in one error string. */
const MAX_ERRORS = 5;

/**
 * Checks `x` against the schema its `type` names. Unknown fields are allowed (a later minor
 * addition stays readable); an unknown type or a schema version other than 1 is an error.
 */
export function parseMessage(x: unknown): ParseResult<Message> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    return { ok: false, error: 'message must be a JSON object' };
  }
  const { type, v } = x as { type?: unknown; v?: unknown };
  if (!isMessageType(type)) {
    return { ok: false, error: `unknown message type ${JSON.stringify(type)}` };
  }
  if (v !== MESSAGE_VERSION) {
    return { ok: false, error: `${type}: unsupported schema version ${JSON.stringify(v)} (this reader speaks v${MESSAGE_VERSION})` };
  }
  const validator = validators.get(type);
  if (validator === undefined) return { ok: false, error: `unknown message type ${JSON.stringify(type)}` };
  if (validator.Check(x)) return { ok: true, message: x as Message };
  const problems: string[] = [];
  for (const e of validator.Errors(x)) {
    const path = e.instancePath === '' ? '(root)' : e.instancePath.slice(1).replace(/\//g, '.');
    problems.push(`${path}: ${e.message}`);
    if (problems.length >= MAX_ERRORS) break;
  }
  return { ok: false, error: `invalid ${type} message: ${problems.join('; ')}` };
}

/** `parseMessage` restricted to what an agent may receive on its dispatch queue. */
export function parseDispatchMessage(x: unknown): ParseResult<DispatchMessage> {
  const r = parseMessage(x);
  if (!r.ok) return r;
  if (!DISPATCH_MESSAGE_TYPES.includes(r.message.type)) {
    return { ok: false, error: `${r.message.type} is a report, not a dispatch message` };
  }
  return { ok: true, message: r.message as DispatchMessage };
}

/** `parseMessage` restricted to what the gateway may receive on the report stream. */
export function parseReportMessage(x: unknown): ParseResult<ReportMessage> {
  const r = parseMessage(x);
  if (!r.ok) return r;
  if (!REPORT_MESSAGE_TYPES.includes(r.message.type)) {
    return { ok: false, error: `${r.message.type} is a dispatch message, not a report` };
  }
  return { ok: true, message: r.message as ReportMessage };
}

/** What one dispatch queue entry holds: its valid messages, in order, and why the others were dropped. */
export type DispatchEntry =
  | { ok: true; batch: boolean; cluster: string; messages: DispatchMessage[]; invalid: string[] }
  | { ok: false; error: string };

const clusterName = Compile(ClusterNameSchema);

/**
 * Reads one dispatch queue entry: a single message, or a `batch` of messages for one cluster (every
 * message of an entry is for the entry's `cluster`). In a batch, a message that does not parse or names another cluster is left out (and named in
 * `invalid`); the rest stand. A batch whose head is wrong is an error as a whole.
 */
export function parseDispatchEntry(x: unknown): DispatchEntry {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || (x as { type?: unknown }).type !== 'batch') {
    const r = parseDispatchMessage(x);
    return r.ok ? { ok: true, batch: false, cluster: r.message.cluster, messages: [r.message], invalid: [] } : r;
  }
  const { v, cluster, messages } = x as { v?: unknown; cluster?: unknown; messages?: unknown };
  if (v !== MESSAGE_VERSION) {
    return { ok: false, error: `batch: unsupported schema version ${JSON.stringify(v)} (this reader speaks v${MESSAGE_VERSION})` };
  }
  if (typeof cluster !== 'string' || !clusterName.Check(cluster)) {
    return { ok: false, error: 'invalid batch message: cluster: must be a cluster name' };
  }
  if (!Array.isArray(messages) || messages.length > MAX_DISPATCH_BATCH) {
    return { ok: false, error: `invalid batch message: messages: must be an array of at most ${MAX_DISPATCH_BATCH} messages` };
  }
  const valid: DispatchMessage[] = [];
  const invalid: string[] = [];
  messages.forEach((m: unknown, i) => {
    const r = parseDispatchMessage(m);
    if (!r.ok) invalid.push(`messages[${i}]: ${r.error}`);
    else if (r.message.cluster !== cluster) invalid.push(`messages[${i}]: for cluster ${r.message.cluster}, not ${cluster}`);
    else valid.push(r.message);
  });
  return { ok: true, batch: true, cluster, messages: valid, invalid };
}
