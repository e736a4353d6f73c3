/**
 * Sends dispatch messages to member agents: one BullMQ queue per member cluster, one `addBulk` per
 * cluster per batch. Each message gets a deterministic job id (`dispatchJobId`), so sending the same
 * placement again while the earlier copy is still kept is a no-op, and the agent is idempotent by
 * (uid, epoch) after that. A message the agent fails to process is retried with exponential backoff.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  bullmqPrefix,
  dispatchJobId,
  dispatchQueueName,
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
  /** how many finished messages each queue keeps (for inspection); default 1000 */
  keepCompleted?: number;
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
    };
    this.log = (opts.logger ?? silentLogger).child({ component: 'dispatcher' });
  }

  /** Adds every message to its cluster's queue: one `addBulk` per cluster, all clusters at once. */
  async send(messages: readonly DispatchMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byCluster = new Map<string, DispatchMessage[]>();
    for (const m of messages) {
      const list = byCluster.get(m.cluster);
      if (list) list.push(m);
      else byCluster.set(m.cluster, [m]);
    }
    await Promise.all([...byCluster].map(async ([cluster, list]) => {
      const queue = this.queue(cluster);
      await queue.addBulk(list.map((m) => ({
        name: m.type,
        data: m,
        opts: {
          jobId: dispatchJobId(m),
          attempts: this.opts.attempts,
          backoff: { type: 'exponential', delay: this.opts.backoffMs },
          removeOnComplete: { count: this.opts.keepCompleted },
          removeOnFail: { count: this.opts.keepCompleted },
        },
      })));
      this.log.debug({ cluster, count: list.length }, 'dispatched');
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

  /** Messages waiting in each member's queue (for the queue-depth gauge). */
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
