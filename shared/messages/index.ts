/**
 * Gateway ↔ member-agent messages, schema version 1. Transport: BullMQ on the shared Redis, one
 * dispatch queue per member (`dispatchQueueName(cluster)`); reports from every agent on one Redis
 * stream (`reportStreamKey(prefix)`, read by the gateway's consumer group), all under
 * `bullmqPrefix()`. Every message has `type`, `v: 1` and `cluster`; validate with
 * `parseMessage` (or the dispatch/report variants) before acting on one.
 *
 * | type                | direction       | key fields                                                        | meaning |
 * |---------------------|-----------------|-------------------------------------------------------------------|---------|
 * | `placement`         | gateway → agent | uid, namespace, name, epoch, attempt, queue, job, nodePlan        | run this gang here; the vcjob is already defaulted |
 * | `command`           | gateway → agent | uid, epoch, action (abort, resume, terminate, complete, delete)   | act on the placement of that epoch |
 * | `delete-superseded` | gateway → agent | uid, olderThanEpoch                                               | remove anything for uid placed with an older epoch |
 * | `nodes-full`        | agent → gateway | agentId, seq, nodes[]                                             | the whole node inventory (on connect and periodically) |
 * | `nodes-delta`       | agent → gateway | agentId, seq, upserts[], removed[]                                | nodes changed since the last report |
 * | `heartbeat`         | agent → gateway | agentId, seq, sentAt                                              | the agent is alive |
 * | `job-status`        | agent → gateway | uid, epoch, phase, counts, conditions, retryCount, message        | the job's Volcano status on the member |
 * | `placement-result`  | agent → gateway | uid, epoch, attempt, result (accepted, rejected), reason          | the agent took or refused a placement |
 *
 * Idempotence: the agent keys its work by (uid, epoch) and ignores anything older than what it
 * holds; the gateway ignores reports whose epoch is not the job's current placement epoch.
 */
export * from './wire.js';
export * from './node-inventory.js';
export * from './dispatch-messages.js';
export * from './report-messages.js';
export * from './queue-names.js';
export * from './parse-message.js';
