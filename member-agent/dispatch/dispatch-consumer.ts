/**
 * The agent's end of its cluster's dispatch queue: a BullMQ worker that validates each message and
 * hands it to the handler. A handler failure makes BullMQ retry the message with back-off; a
 * message that does not parse is dropped (retrying would not make it valid).
 */
import { Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { dispatchQueueName, parseDispatchMessage, type DispatchMessage } from '../../shared/messages/index.js';
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
    const parsed = parseDispatchMessage(job.data);
    if (!parsed.ok) {
      this.log.warn({ cluster: this.opts.cluster, id: job.id, err: parsed.error }, 'dropping invalid dispatch message');
      return;
    }
    if (parsed.message.cluster !== this.opts.cluster) {
      this.log.warn({ cluster: this.opts.cluster, to: parsed.message.cluster }, 'dropping a message for another cluster');
      return;
    }
    await this.opts.handle(parsed.message);
  }
}
