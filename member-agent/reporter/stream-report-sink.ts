/**
 * Reports onto the report stream the gateway reads (`reportStreamKey(prefix)`): one XADD each.
 *
 * The stream is capped (approximately) at `maxLen` entries so that a gateway that stays away for
 * long cannot fill Redis; the gateway removes what it has handled, so in normal operation the
 * stream holds only the reports not yet read. The cap only bites after hours of silence of the
 * whole control plane; the agent's periodic full inventory repairs node state after it.
 */
import type { Redis } from 'ioredis';
import { REPORT_FIELD, reportStreamKey, type ReportMessage } from '../../shared/messages/index.js';
import type { ReportSink } from './reporter.js';

export const DEFAULT_REPORT_STREAM_MAX_LEN = 1_000_000;

export class StreamReportSink implements ReportSink {
  private readonly key: string;
  private readonly maxLen: number;

  constructor(private readonly opts: { connection: Redis; prefix: string; maxLen?: number }) {
    this.key = reportStreamKey(opts.prefix);
    this.maxLen = opts.maxLen ?? DEFAULT_REPORT_STREAM_MAX_LEN;
  }

  async send(msg: ReportMessage): Promise<void> {
    await this.opts.connection.xadd(this.key, 'MAXLEN', '~', this.maxLen, '*', REPORT_FIELD, JSON.stringify(msg));
  }

  /** Several reports in one round trip, in order. */
  async sendMany(msgs: readonly ReportMessage[]): Promise<void> {
    if (msgs.length === 0) return;
    const p = this.opts.connection.pipeline();
    for (const m of msgs) p.xadd(this.key, 'MAXLEN', '~', this.maxLen, '*', REPORT_FIELD, JSON.stringify(m));
    const results = (await p.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
}
