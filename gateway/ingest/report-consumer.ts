/**
 * Reads the agents' report queue (BullMQ) and hands the reports to a handler in batches, so that one
 * batch costs one round of Redis writes however many reports it holds.
 *
 * Each BullMQ job is one report. The processor validates it, appends it to the open batch and waits
 * for that batch to be handled; batches are handled one at a time, in arrival order, with the reports
 * of one agent sorted by `seq`. A report that does not parse is logged and dropped (a retry would not
 * make it valid); a batch whose handler throws fails every report in it, and BullMQ retries them.
 */
import { Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  REPORT_QUEUE,
  bullmqPrefix,
  parseReportMessage,
  type ReportMessage,
} from '../../shared/messages/index.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { silentLogger } from '../leader/silent-logger.js';

export interface ReportHandler {
  /** Applies a batch of valid reports; throwing makes BullMQ retry every one of them. */
  handleReports(batch: readonly ReportMessage[]): Promise<void>;
}

export interface ReportConsumerOptions {
  /** BullMQ duplicates this connection for its blocking reads; it must have maxRetriesPerRequest null */
  connection: Redis;
  prefix?: string;
  handler: ReportHandler;
  /** reports in flight at once (the upper bound of a batch); default 256 */
  concurrency?: number;
  /** reports per handler call; default 512 */
  maxBatch?: number;
  clock?: Clock;
  logger?: Logger;
}

interface PendingBatch {
  reports: ReportMessage[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class ReportConsumer {
  private readonly opts: ReportConsumerOptions;
  private readonly log: Logger;
  private worker: Worker | undefined;
  private open: PendingBatch | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly clock: Clock;
  /** the queue was empty at this time (every report enqueued before it was taken) */
  private drainedAt: number;
  private idle = false;

  constructor(opts: ReportConsumerOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.drainedAt = this.clock.now();
    this.maxBatch = opts.maxBatch ?? 512;
    this.log = (opts.logger ?? silentLogger).child({ component: 'report-consumer' });
  }

  start(): void {
    if (this.worker) return;
    this.worker = new Worker(REPORT_QUEUE, (job: BullJob) => this.process(job), {
      connection: this.opts.connection,
      prefix: this.opts.prefix ?? bullmqPrefix(),
      concurrency: this.opts.concurrency ?? 256,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 1000 },
      drainDelay: 1,
    });
    this.worker.on('error', (err) => this.log.warn({ err }, 'report worker error'));
    this.worker.on('drained', () => {
      this.idle = true;
      this.drainedAt = this.clock.now();
    });
  }

  /**
   * Up to when every report is known to have been read: now while the queue is empty, else the
   * last time it was. Member silence is only counted up to here, so a gateway that falls behind
   * on its reports never takes that for silent members.
   */
  caughtUpAt(): number {
    return this.idle && this.open === undefined ? this.clock.now() : this.drainedAt;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.close();
    await this.chain;
  }

  private async process(job: BullJob): Promise<void> {
    this.idle = false;
    const parsed = parseReportMessage(job.data);
    if (!parsed.ok) {
      this.log.warn({ bullJob: job.id, error: parsed.error }, 'dropping invalid report');
      return;
    }
    const batch = this.batchFor();
    batch.reports.push(parsed.message);
    if (batch.reports.length >= this.maxBatch) this.seal();
    await batch.done;
  }

  /** The batch new reports join; sealed on the next turn of the event loop or when full. */
  private batchFor(): PendingBatch {
    if (this.open) return this.open;
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    const batch: PendingBatch = { reports: [], done, resolve, reject };
    this.open = batch;
    setImmediate(() => { if (this.open === batch) this.seal(); });
    return batch;
  }

  private seal(): void {
    const batch = this.open;
    if (!batch) return;
    this.open = undefined;
    this.chain = this.chain.then(async () => {
      try {
        await this.opts.handler.handleReports(orderReports(batch.reports));
        batch.resolve();
      } catch (err) {
        this.log.error({ err, count: batch.reports.length }, 'report batch failed; BullMQ will retry it');
        batch.reject(err);
      }
    });
  }
}

/** Keeps arrival order, except that the reports of one agent are put in `seq` order. */
export function orderReports(reports: readonly ReportMessage[]): ReportMessage[] {
  const indexed = reports.map((r, i) => ({ r, i }));
  const seqOf = (r: ReportMessage): number | undefined => ('seq' in r ? r.seq : undefined);
  const agentOf = (r: ReportMessage): string | undefined => ('agentId' in r ? r.agentId : undefined);
  // Reports of one agent that carry a seq keep the slots they arrived in, refilled in seq order.
  const slots = new Map<string, number[]>();
  for (const { r, i } of indexed) {
    const agent = agentOf(r);
    if (agent === undefined || seqOf(r) === undefined) continue;
    const list = slots.get(agent);
    if (list) list.push(i);
    else slots.set(agent, [i]);
  }
  const out = [...reports];
  for (const positions of slots.values()) {
    const sorted = positions.map((p) => reports[p] as ReportMessage).sort((a, b) => (seqOf(a) ?? 0) - (seqOf(b) ?? 0));
    positions.forEach((p, k) => { out[p] = sorted[k] as ReportMessage; });
  }
  return out;
}
