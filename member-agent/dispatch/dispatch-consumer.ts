/**
 * The agent's end of its cluster's dispatch queue: a BullMQ worker that validates each entry (one
 * message, or a batch of one cycle's messages) and hands the messages to the handler. In a batch,
 * the messages of one job are handled in order and different jobs side by side (up to
 * `concurrency` at once). A handler failure makes BullMQ retry the entry with back-off; a batch is
 * first narrowed to the messages that failed, so the retry repeats only those. A message that does
 * not parse is dropped (retrying would not make it valid).
 */
import { Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { dispatchQueueName, parseDispatchEntry, type DispatchBatch, type DispatchMessage } from '../../shared/messages/index.js';
import { silentLogger, type AgentLogger } from '../logger.js';

export interface DispatchConsumerOptions {
  connection: Redis;
  prefix: string;
  cluster: string;
  handle(msg: DispatchMessage): Promise<void>;
  concurrency?: number;
  log?: AgentLogger;
}

export class DispatchConsumer {
  private worker: Worker | undefined;
  private readonly log: AgentLogger;

  constructor(private readonly opts: DispatchConsumerOptions) {
    this.log = opts.log ?? silentLogger;
  }

  /** Starts taking messages (when this replica leads). */
  start(): void {
    if (this.worker) return;
    const o = this.opts;
    this.worker = new Worker(dispatchQueueName(o.cluster), (job: BullJob) => this.process(job), {
      connection: o.connection,
      prefix: o.prefix,
      concurrency: o.concurrency ?? 8,
    });
    this.worker.on('failed', (job, err) =>
      this.log.warn({ cluster: o.cluster, message: job?.name, attempt: job?.attemptsMade, err: err.message }, 'dispatch message failed'),
    );
    this.worker.on('error', (err) => this.log.warn({ cluster: o.cluster, err: err.message }, 'dispatch worker error'));
  }

  /** Stops taking messages; in-flight ones finish. */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.close();
  }

  private async process(job: BullJob): Promise<void> {
    const entry = parseDispatchEntry(job.data);
    if (!entry.ok) {
      this.log.warn({ cluster: this.opts.cluster, id: job.id, err: entry.error }, 'dropping invalid dispatch message');
      return;
    }
    for (const err of entry.invalid) {
      this.log.warn({ cluster: this.opts.cluster, id: job.id, err }, 'dropping invalid dispatch message');
    }
    if (entry.cluster !== this.opts.cluster) {
      this.log.warn({ cluster: this.opts.cluster, to: entry.cluster }, 'dropping a message for another cluster');
      return;
    }
    const mine = entry.messages;
    if (!entry.batch) {
      if (mine[0]) await this.opts.handle(mine[0]);
      return;
    }
    const failed = await handleInJobOrder(mine, this.opts.concurrency ?? 8, (m) => this.opts.handle(m));
    if (failed.length === 0) return;
    // the retry repeats only what failed; what succeeded is done (and idempotent anyway)
    const first = failed[0] as { message: DispatchMessage; err: unknown };
    await job.updateData({ ...(job.data as DispatchBatch), messages: failed.map((f) => f.message) });
    throw new Error(`${failed.length} of ${mine.length} messages of the batch failed; first (${first.message.type} ${first.message.uid}): ${
      first.err instanceof Error ? first.err.message : String(first.err)}`);
  }
}

/**
 * Handles a batch's messages: those of one job one after another in batch order, different jobs
 * side by side, at most `concurrency` at a time. A job whose message failed skips its later ones
 * (they are returned as failed too, so a retry keeps their order). Returns the failures in batch order.
 */
export async function handleInJobOrder(
  messages: readonly DispatchMessage[],
  concurrency: number,
  handle: (m: DispatchMessage) => Promise<void>,
): Promise<Array<{ message: DispatchMessage; err: unknown }>> {
  const byJob = new Map<string, DispatchMessage[]>();
  for (const m of messages) {
    const list = byJob.get(m.uid);
    if (list) list.push(m);
    else byJob.set(m.uid, [m]);
  }
  const failedAt = new Map<DispatchMessage, unknown>();
  const lanes = [...byJob.values()];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < lanes.length) {
      const lane = lanes[next++] as DispatchMessage[];
      for (let i = 0; i < lane.length; i++) {
        const m = lane[i] as DispatchMessage;
        try {
          await handle(m);
        } catch (err) {
          failedAt.set(m, err);
          for (const later of lane.slice(i + 1)) failedAt.set(later, new Error('an earlier message of the same job failed'));
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, lanes.length)) }, worker));
  return messages.filter((m) => failedAt.has(m)).map((m) => ({ message: m, err: failedAt.get(m) }));
}
