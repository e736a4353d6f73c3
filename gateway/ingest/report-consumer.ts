/**
 * Reads the agents' report stream (`reportStreamKey(prefix)`) with the consumer group `gateway`
 * and hands the reports to a handler in batches: one XREADGROUP takes up to `maxBatch` reports,
 * one handler call applies them (one round of Redis writes), one XACK settles them.
 *
 * Delivery is at least once. A batch is acknowledged only after its handler resolved; a batch whose
 * handler throws is read again from this consumer's pending entries (after `retryDelayMs`) before
 * anything new, so reports are applied in stream order. A report that was handed out `maxDeliveries`
 * times without success is logged and dropped (acknowledged), so one bad report cannot stop the
 * stream. A report that does not parse is logged and dropped at once (a retry would not make it
 * valid). Reports of one agent inside a batch are put in `seq` order.
 *
 * Leadership moves between gateway replicas: each reign reads as a consumer of its own, and takes
 * over whatever earlier consumers were handed and never acknowledged (XAUTOCLAIM) when it starts.
 * Handled entries are trimmed from the stream (never past the oldest one still pending), so the
 * stream holds only what is still to be read.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  REPORT_FIELD,
  REPORT_GROUP,
  bullmqPrefix,
  parseReportMessage,
  reportStreamKey,
  type ReportMessage,
} from '../../shared/messages/index.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { silentLogger } from '../leader/silent-logger.js';

export interface ReportHandler {
  /** Applies a batch of valid reports; throwing makes the consumer hand the same reports again. */
  handleReports(batch: readonly ReportMessage[]): Promise<void>;
}

export interface ReportConsumerOptions {
  /** the consumer reads on a duplicate of this connection (its reads block) */
  connection: Redis;
  prefix?: string;
  handler: ReportHandler;
  /** reports per read and per handler call; default 512 */
  maxBatch?: number;
  /** how long one read waits for reports; default 1000 ms */
  blockMs?: number;
  /** wait before a failed batch is handed again; default 200 ms */
  retryDelayMs?: number;
  /** a report handed out this often without success is dropped; default 5 */
  maxDeliveries?: number;
  /** this consumer's name in the group; default a random one per consumer */
  consumerName?: string;
  clock?: Clock;
  logger?: Logger;
}

/** A pending entry that was trimmed meanwhile comes back without fields. */
type StreamEntry = [id: string, fields: string[] | null];
type ReadReply = Array<[key: string, entries: StreamEntry[]]> | null;

/** Handled entries are trimmed at most this often. */
const TRIM_EVERY_MS = 1000;

export class ReportConsumer {
  private readonly opts: ReportConsumerOptions;
  private readonly log: Logger;
  private readonly key: string;
  private readonly name: string;
  private readonly maxBatch: number;
  private readonly clock: Clock;
  private reader: Redis | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  /** the last read found every report handled and the current one waits for new ones */
  private waiting = false;
  /** every report added before this time has been handled */
  private drainedAt: number;
  /** deliveries of entries that failed, by id (only failed batches are counted) */
  private readonly attempts = new Map<string, number>();
  private lastTrimAt = 0;
  /** reports handled (tests, metrics) */
  handled = 0;
  /** reports dropped: invalid, or failing too often */
  dropped = 0;

  constructor(opts: ReportConsumerOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.drainedAt = this.clock.now();
    this.maxBatch = opts.maxBatch ?? 512;
    this.key = reportStreamKey(opts.prefix ?? bullmqPrefix());
    this.name = opts.consumerName ?? `gateway-${randomBytes(4).toString('hex')}`;
    this.log = (opts.logger ?? silentLogger).child({ component: 'report-consumer' });
  }

  start(): void {
    if (this.loop) return;
    this.stopped = false;
    const reader = this.opts.connection.duplicate();
    reader.on('error', () => {
      // ioredis reconnects; the loop below retries its reads
    });
    this.reader = reader;
    this.loop = this.run(reader);
  }

  /**
   * Up to when every report is known to have been read: now while the consumer waits on an
   * empty stream, else the last time it found it empty. Member silence is only counted up to
   * here, so a gateway that falls behind on its reports never takes that for silent members.
   */
  caughtUpAt(): number {
    return this.waiting ? this.clock.now() : this.drainedAt;
  }

  async close(): Promise<void> {
    this.stopped = true;
    const reader = this.reader;
    this.reader = undefined;
    // a blocked read returns at once when its connection goes
    reader?.disconnect();
    await this.loop;
    this.loop = undefined;
  }

  private async run(reader: Redis): Promise<void> {
    let setUp = false;
    /** read this consumer's pending entries (taken over, or of a failed batch) before new ones */
    let retrying = true;
    /** the previous read returned all there was */
    let short = false;
    while (!this.stopped) {
      try {
        if (!setUp) {
          await this.setUp();
          setUp = true;
          retrying = true;
        }
        const from = retrying ? '0' : '>';
        const issuedAt = this.clock.now();
        this.waiting = !retrying && short;
        const block = retrying ? [] : ['BLOCK', this.opts.blockMs ?? 1000];
        const reply = (await reader.xreadgroup(
          'GROUP', REPORT_GROUP, this.name, 'COUNT', this.maxBatch, ...(block as []), 'STREAMS', this.key, from,
        )) as ReadReply;
        this.waiting = false;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) {
          if (retrying) {
            retrying = false; // nothing of ours is pending any more; new reports next
            short = false;
          } else {
            this.drainedAt = issuedAt;
            short = true;
          }
          continue;
        }
        short = entries.length < this.maxBatch;
        const ok = await this.handle(entries);
        if (!ok) {
          retrying = true;
          await this.sleep(this.opts.retryDelayMs ?? 200);
          continue;
        }
        if (!retrying && entries.length < this.maxBatch) this.drainedAt = issuedAt;
        await this.trim();
      } catch (err) {
        this.waiting = false;
        if (this.stopped) return;
        if (isNoGroup(err)) setUp = false; // the stream or group was removed: create them again
        else this.log.warn({ err }, 'reading reports failed; trying again');
        // a batch whose acknowledgement failed is still pending here: read it again first
        retrying = true;
        await this.sleep(200);
      }
    }
  }

  /** Creates the group (reading from the stream's start) and takes over what earlier consumers left. */
  private async setUp(): Promise<void> {
    const client = this.opts.connection;
    try {
      await client.xgroup('CREATE', this.key, REPORT_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
    let cursor = '0-0';
    let claimed = 0;
    do {
      const res = (await client.xautoclaim(this.key, REPORT_GROUP, this.name, 0, cursor, 'COUNT', 1000, 'JUSTID')) as [string, string[]];
      cursor = res[0];
      claimed += res[1].length;
    } while (cursor !== '0-0' && !this.stopped);
    // consumers of earlier reigns hold nothing now: forget them
    const consumers = (await client.xinfo('CONSUMERS', this.key, REPORT_GROUP)) as unknown[][];
    for (const c of consumers) {
      const info = fieldsOf(c);
      if (info.name !== this.name && Number(info.pending ?? 0) === 0) {
        await client.xgroup('DELCONSUMER', this.key, REPORT_GROUP, String(info.name));
      }
    }
    if (claimed > 0) this.log.info({ claimed }, 'took over reports an earlier reign had not finished');
  }

  /** Parses, hands over and acknowledges one batch; false when the handler failed. */
  private async handle(entries: readonly StreamEntry[]): Promise<boolean> {
    const client = this.opts.connection;
    const reports: ReportMessage[] = [];
    const done: string[] = [];
    const tried: string[] = [];
    for (const [id, fields] of entries) {
      const raw = fieldValue(fields ?? [], REPORT_FIELD);
      let parsed: ReturnType<typeof parseReportMessage>;
      try {
        parsed = raw === undefined ? { ok: false, error: `no "${REPORT_FIELD}" field` } : parseReportMessage(JSON.parse(raw));
      } catch (err) {
        parsed = { ok: false, error: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (!parsed.ok) {
        this.dropped++;
        this.log.warn({ entry: id, error: parsed.error }, 'dropping invalid report');
        done.push(id);
        continue;
      }
      const n = (this.attempts.get(id) ?? 0) + 1;
      if (n > (this.opts.maxDeliveries ?? 5)) {
        this.dropped++;
        this.attempts.delete(id);
        this.log.error({ entry: id, type: parsed.message.type, cluster: parsed.message.cluster }, 'dropping a report whose handling failed too often');
        done.push(id);
        continue;
      }
      reports.push(parsed.message);
      tried.push(id);
    }
    let ok = true;
    if (reports.length > 0) {
      try {
        await this.opts.handler.handleReports(orderReports(reports));
        this.handled += reports.length;
        for (const id of tried) this.attempts.delete(id);
        done.push(...tried);
      } catch (err) {
        ok = false;
        for (const id of tried) this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
        this.log.error({ err, count: reports.length }, 'report batch failed; it is handed again');
      }
    }
    if (done.length > 0) await client.xack(this.key, REPORT_GROUP, ...done);
    return ok;
  }

  /** Removes handled entries, never one that some consumer still holds unacknowledged. */
  private async trim(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastTrimAt < TRIM_EVERY_MS) return;
    this.lastTrimAt = now;
    const client = this.opts.connection;
    const groups = (await client.xinfo('GROUPS', this.key)) as unknown[][];
    const group = groups.map(fieldsOf).find((g) => g.name === REPORT_GROUP);
    if (!group) return;
    const summary = (await client.xpending(this.key, REPORT_GROUP)) as [number, string | null, string | null, unknown];
    // everything before the oldest pending entry, or else up to the last one handed out, is handled
    const below = Number(summary[0]) > 0 && summary[1] ? summary[1] : String(group['last-delivered-id'] ?? '0-0');
    if (below === '0-0') return;
    await client.xtrim(this.key, 'MINID', '~', below);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** The number of reports not yet handled: never read by the group, or read and not acknowledged. */
export async function reportBacklog(client: Redis, prefix: string): Promise<number> {
  const key = reportStreamKey(prefix);
  try {
    const groups = (await client.xinfo('GROUPS', key)) as unknown[][];
    const g = groups.map(fieldsOf).find((x) => x.name === REPORT_GROUP);
    if (!g) return Number(await client.xlen(key));
    const lag = g.lag === null || g.lag === undefined ? Number(await client.xlen(key)) : Number(g.lag);
    return lag + Number(g.pending ?? 0);
  } catch (err) {
    if (err instanceof Error && /no such key/i.test(err.message)) return 0;
    throw err;
  }
}

function fieldValue(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** XINFO replies are flat name/value lists. */
function fieldsOf(list: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[String(list[i])] = list[i + 1];
  return out;
}

function isNoGroup(err: unknown): boolean {
  return err instanceof Error && err.message.includes('NOGROUP');
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
