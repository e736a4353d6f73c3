/**
 * BullMQ queue names and prefix for the gateway↔agent transport, built only here.
 *
 * BullMQ rejects ':' in queue names. Its keys are `<prefix>:<queue>:<suffix>`, and its Lua scripts
 * touch several keys of one queue, so on Redis Cluster all of a queue's keys must share a slot: the
 * prefix carries a `{hash-tag}` (default `{caldera}`). Every queue of a deployment then sits in one
 * slot, which keeps BullMQ correct on Redis Cluster; one slot carries all dispatch traffic, which is
 * fine for hundreds of members (a few messages per member per second).
 */
import { CLUSTER_NAME_PATTERN } from './wire.js';

/**
 * The name agents' reports travel under (nodes, heartbeats, job status, placement results). They
 * go on a Redis stream, `reportStreamKey(prefix)`, not on a BullMQ queue: a report is one XADD for
 * the agent and a share of one XREADGROUP and one XACK for the gateway, where a BullMQ job would
 * cost three scripts (add, move to active, move to finished).
 */
export const REPORT_QUEUE = 'reports';

/** The consumer group the gateway reads the report stream with. */
export const REPORT_GROUP = 'gateway';

/** The field of a report stream entry that holds the message (JSON). */
export const REPORT_FIELD = 'm';

/**
 * The report stream's key: `<prefix>:reports:stream` (the prefix carries the deployment's hash
 * tag, like every BullMQ key). Entries are `m=<report JSON>`.
 */
export function reportStreamKey(prefix: string): string {
  return `${prefix}:${REPORT_QUEUE}:stream`;
}

const clusterName = new RegExp(CLUSTER_NAME_PATTERN);

/** The dispatch queue of one member cluster: `dispatch.<cluster>`. */
export function dispatchQueueName(cluster: string): string {
  if (!clusterName.test(cluster) || cluster.length > 63) {
    throw new Error(`invalid member cluster name "${cluster}": must be a DNS-1123 label`);
  }
  return `dispatch.${cluster}`;
}

/** The member cluster a dispatch queue name belongs to, or undefined when it is not one. */
export function clusterOfDispatchQueue(queueName: string): string | undefined {
  const m = /^dispatch\.(.+)$/.exec(queueName);
  return m && clusterName.test(m[1] ?? '') ? m[1] : undefined;
}

/**
 * The BullMQ `prefix` option: the deployment name in a Redis Cluster hash tag. Pass the same value
 * on both sides; `deployment` must be free of `{`, `}` and `:`.
 */
export function bullmqPrefix(deployment = 'caldera'): string {
  if (!/^[A-Za-z0-9._-]+$/.test(deployment)) {
    throw new Error(`invalid deployment name "${deployment}" for the BullMQ prefix: use letters, digits, '.', '_' or '-'`);
  }
  return `{${deployment}}`;
}

/**
 * A BullMQ job id that makes re-sending a dispatch message a no-op while the earlier copy is still
 * kept: `placement.<uid>.<epoch>.<attempt>`, `command.<action>.<uid>.<epoch>`,
 * `delete-superseded.<uid>.<olderThanEpoch>`. No ':' (BullMQ forbids it in custom ids).
 */
export function dispatchJobId(msg:
  | { type: 'placement'; uid: string; epoch: number; attempt: number }
  | { type: 'command'; uid: string; epoch: number; action: string }
  | { type: 'delete-superseded'; uid: string; olderThanEpoch: number }): string {
  const uid = msg.uid.replace(/:/g, '_');
  switch (msg.type) {
    case 'placement':
      return `placement.${uid}.${msg.epoch}.${msg.attempt}`;
    case 'command':
      return `command.${msg.action}.${uid}.${msg.epoch}`;
    case 'delete-superseded':
      return `delete-superseded.${uid}.${msg.olderThanEpoch}`;
  }
}
