/**
 * The change feed reader: one blocking XREAD loop per process (on its own connection) fans
 * committed changes out to in-process subscribers (HTTP watches, the scheduler's snapshot).
 *
 * A subscriber registers first and catches up with XRANGE second; changes the tail loop reads
 * meanwhile are buffered and delivered after the catch-up, skipping what it already delivered, so
 * nothing is missed and nothing is delivered twice. The stream holds exactly one entry per
 * resourceVersion, so a gap in the ids means the entries were trimmed: the subscriber gets Gone.
 */
import type { Redis } from 'ioredis';
import { failure, StatusError } from '../../shared/errors/status.js';
import { parseChangeEntry, rvOfStreamId, type RawStreamEntry } from './change-entry.js';
import type { ChangeBatch, SubscribeOptions, Subscription } from './gateway-store.js';
import type { Change } from './records.js';

const PAGE = 500;
const BLOCK_MS = 2000;

export function goneError(rv: number): StatusError {
  return new StatusError(failure({
    reason: 'Gone',
    message: `too old resource version: ${rv} (the change feed no longer holds changes after it)`,
  }));
}

interface Subscriber {
  cursor: number;
  live: boolean;
  closed: boolean;
  buffer: Change[];
  opts: SubscribeOptions;
}

export class ChangeFeed {
  private tail: Redis | undefined;
  private tailStarted: Promise<void> | undefined;
  private lastId = '0-0';
  private stopped = false;
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly opts: { client: Redis; feedKey: string; rvKey: string }) {}

  /** rv of the oldest entry still in the stream; current rv + 1 when the stream is empty */
  async oldestResumableRv(): Promise<number> {
    const first = (await this.opts.client.xrange(this.opts.feedKey, '-', '+', 'COUNT', 1)) as RawStreamEntry[];
    if (first[0] !== undefined) return rvOfStreamId(first[0][0]);
    return Number((await this.opts.client.get(this.opts.rvKey)) ?? 0) + 1;
  }

  async read(afterRv: number, count = PAGE): Promise<ChangeBatch> {
    const entries = (await this.opts.client.xrange(this.opts.feedKey, `${afterRv}-1`, '+', 'COUNT', count)) as RawStreamEntry[];
    const changes = entries.map(parseChangeEntry);
    const first = changes[0];
    if (first !== undefined && first.rv !== afterRv + 1) throw goneError(afterRv);
    if (first === undefined && afterRv > 0 && afterRv < (await this.oldestResumableRv()) - 1) throw goneError(afterRv);
    return { changes, lastRv: changes.at(-1)?.rv ?? afterRv };
  }

  async subscribe(opts: SubscribeOptions): Promise<Subscription> {
    if (this.stopped) throw new Error('the change feed is closed');
    await this.startTail();
    const sub: Subscriber = { cursor: opts.afterRv, live: false, closed: false, buffer: [], opts };
    const subscription: Subscription = { close: () => { sub.closed = true; this.subscribers.delete(sub); } };
    this.subscribers.add(sub);
    try {
      for (;;) {
        const batch = await this.read(sub.cursor);
        for (const c of batch.changes) this.deliver(sub, c);
        if (sub.closed || batch.changes.length < PAGE) break;
      }
    } catch (err) {
      subscription.close();
      throw err;
    }
    sub.live = true;
    const buffered = sub.buffer;
    sub.buffer = [];
    for (const c of buffered) this.deliver(sub, c);
    return subscription;
  }

  private deliver(sub: Subscriber, change: Change): void {
    if (sub.closed || change.rv <= sub.cursor) return;
    if (change.rv !== sub.cursor + 1) {
      this.fail(sub, goneError(sub.cursor));
      return;
    }
    sub.cursor = change.rv;
    try {
      sub.opts.onChange(change);
    } catch (err) {
      this.fail(sub, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fail(sub: Subscriber, err: Error): void {
    sub.closed = true;
    this.subscribers.delete(sub);
    sub.opts.onError?.(err);
  }

  private startTail(): Promise<void> {
    this.tailStarted ??= (async () => {
      const top = (await this.opts.client.xrevrange(this.opts.feedKey, '+', '-', 'COUNT', 1)) as RawStreamEntry[];
      this.lastId = top[0]?.[0] ?? '0-0';
      this.tail = this.opts.client.duplicate();
      this.tail.on('error', () => {
        // reconnection is ioredis's job; the loop below retries
      });
      void this.tailLoop();
    })();
    return this.tailStarted;
  }

  private async tailLoop(): Promise<void> {
    while (!this.stopped && this.tail !== undefined) {
      try {
        const res = (await this.tail.xread('COUNT', PAGE, 'BLOCK', BLOCK_MS, 'STREAMS', this.opts.feedKey, this.lastId)) as
          | Array<[string, RawStreamEntry[]]>
          | null;
        const entries = res?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        this.lastId = entries.at(-1)?.[0] ?? this.lastId;
        const changes = entries.map(parseChangeEntry);
        for (const sub of [...this.subscribers]) {
          if (!sub.live) sub.buffer.push(...changes);
          else for (const c of changes) this.deliver(sub, c);
        }
      } catch (err) {
        if (this.stopped) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const sub of [...this.subscribers]) sub.closed = true;
    this.subscribers.clear();
    if (this.tailStarted) await this.tailStarted.catch(() => undefined);
    this.tail?.disconnect();
  }
}
