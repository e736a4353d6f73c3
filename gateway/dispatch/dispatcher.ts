/**
 * Sends dispatch messages to member agents: one BullMQ queue per member cluster. What one `send`
 * has for a cluster goes as one queue entry: a lone message as itself, with a deterministic job id
 * (`dispatchJobId`, so sending it again while the earlier copy is kept is a no-op), several as
 * `batch` entries of up to `maxBatch` messages (job id: a digest of their ids). A queue entry costs
 * Redis the same whether it holds one message or hundreds (add, take, finish), so a busy cycle's
 * placements cost a few entries per cluster instead of one each. The agent is idempotent by
 * (uid, epoch); an entry it fails to process is retried with exponential backoff (for a batch,
 * only the messages that failed).
 */
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  bullmqPrefix,
  dispatchJobId,
  dispatchQueueName,
  MAX_DISPATCH_BATCH,
  MESSAGE_VERSION,
  type DispatchBatch,
  type DispatchMessage,
} from '../../shared/messages/index.js';
import { silentLogger } from '../leader/silent-logger.js';

export interface DispatcherOptions {
  /** a shared connection; the dispatcher only issues ordinary commands on it */
  connection: Redis;
  /** BullMQ prefix; default `bullmqPrefix()` */
  prefix?: string;
  /** delivery attempts before BullMQ gives a message up; default 8 */
  attempts?: number;
  /** first retry delay, doubled each attempt; default 500 ms */
  backoffMs?: number;
  /** how many finished entries each queue keeps (for inspection); default 1000 */
  keepCompleted?: number;
  /** the most messages one queue entry carries; default and ceiling 500 (`MAX_DISPATCH_BATCH`) */
  maxBatch?: number;
  logger?: Logger;
}

/** The dispatch transport as the scheduler loop sees it; tests may substitute their own. */
export interface DispatchSink {
  send(messages: readonly DispatchMessage[]): Promise<void>;
  close(): Promise<void>;
}

export class Dispatcher implements DispatchSink {
  private readonly queues = new Map<string, Queue>();
  private readonly opts: Required<Omit<DispatcherOptions, 'logger'>>;
  private readonly log: Logger;

  constructor(opts: DispatcherOptions) {
    this.opts = {
      connection: opts.connection,
      prefix: opts.prefix ?? bullmqPrefix(),
      attempts: opts.attempts ?? 8,
      backoffMs: opts.backoffMs ?? 500,
      keepCompleted: opts.keepCompleted ?? 1000,
      maxBatch: Math.max(1, Math.min(MAX_DISPATCH_BATCH, opts.maxBatch ?? MAX_DISPATCH_BATCH)),
    };
    this.log = (opts.logger ?? silentLogger).child({ component: 'dispatcher' });
  }

  /**
   * Adds every message to its cluster's queue: one entry per cluster (a batch when there are
   * several; more than one batch past `maxBatch`), all clusters at once.
   */
  async send(messages: readonly DispatchMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byCluster = new Map<string, DispatchMessage[]>();
    for (const m of messages) {
      const list = byCluster.get(m.cluster);
      if (list) list.push(m);
      else byCluster.set(m.cluster, [m]);
    }
    const opts = {
      attempts: this.opts.attempts,
      backoff: { type: 'exponential', delay: this.opts.backoffMs },
      removeOnComplete: { count: this.opts.keepCompleted },
      removeOnFail: { count: this.opts.keepCompleted },
    };
    await Promise.all([...byCluster].map(async ([cluster, list]) => {
      const queue = this.queue(cluster);
      const entries: Array<{ name: string; data: DispatchMessage | DispatchBatch; opts: typeof opts & { jobId: string } }> = [];
      for (let i = 0; i < list.length; i += this.opts.maxBatch) {
        const part = list.slice(i, i + this.opts.maxBatch);
        if (part.length === 1) {
          const m = part[0] as DispatchMessage;
          entries.push({ name: m.type, data: m, opts: { ...opts, jobId: dispatchJobId(m) } });
        } else {
          const batch: DispatchBatch = { type: 'batch', v: MESSAGE_VERSION, cluster, sentAt: Date.now(), messages: part };
          entries.push({ name: 'batch', data: batch, opts: { ...opts, jobId: batchJobId(part) } });
        }
      }
      await queue.addBulk(entries);
      this.log.debug({ cluster, count: list.length, entries: entries.length }, 'dispatched');
    }));
  }

  /** The queue of one member (created on first use). */
  queue(cluster: string): Queue {
    let q = this.queues.get(cluster);
    if (!q) {
      q = new Queue(dispatchQueueName(cluster), {
        connection: this.opts.connection,
        prefix: this.opts.prefix,
      });
      q.on('error', (err) => this.log.warn({ err, cluster }, 'dispatch queue error'));
      this.queues.set(cluster, q);
    }
    return q;
  }

  /** Entries (messages or batches) waiting in each member's queue (for the queue-depth gauge). */
  async depths(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    await Promise.all([...this.queues].map(async ([cluster, q]) => {
      out[cluster] = await q.getWaitingCount();
    }));
    return out;
  }

  async close(): Promise<void> {
    const qs = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(qs.map((q) => q.close()));
  }
}

/** `batch.<n>.<digest of the messages' job ids>`: the same batch sent twice is one entry while kept. */
export function batchJobId(messages: readonly DispatchMessage[]): string {
  const h = createHash('sha1');
  for (const m of messages) h.update(dispatchJobId(m)).update('\n');
  return `batch.${messages.length}.${h.digest('hex')}`;
}
