/** Reports onto the BullMQ report queue the gateway consumes. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { REPORT_QUEUE, type ReportMessage } from '../../shared/messages/index.js';
import type { ReportSink } from './reporter.js';

export class BullReportSink implements ReportSink {
  private readonly queue: Queue;

  constructor(opts: { connection: Redis; prefix: string }) {
    this.queue = new Queue(REPORT_QUEUE, { connection: opts.connection, prefix: opts.prefix });
  }

  async send(msg: ReportMessage): Promise<void> {
    await this.queue.add(msg.type, msg, { removeOnComplete: 1000, removeOnFail: 5000, attempts: 3 });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
