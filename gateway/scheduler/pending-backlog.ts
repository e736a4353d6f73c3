/**
 * Pending jobs per queue, in the order the queue serves them, and the window of them each cycle
 * looks at: a cycle considers a bounded number of gangs however many wait, and fair share across
 * queues holds because every queue shows its own window.
 *
 * Order: higher priority first; within a priority, queues sweep their jobs in submission order.
 * A gang a cycle could not place goes to the next sweep, so a window full of gangs that fit
 * nowhere never blocks the ones behind them; the next sweep starts again from the oldest. A gang
 * that was tried when nothing has changed since is not tried again (a cycle would decide the same).
 */

export interface BacklogItem {
  /** job id (`ns/name`) */
  id: string;
  queue: string;
  priority: number;
  /** submission order (creation resourceVersion) */
  order: number;
  /** the sweep the job waits for */
  round: number;
  /** the federation's version when a cycle last tried the job; -1 = never tried */
  triedAt: number;
}

/** Jobs of one priority and sweep, in submission order; taken and removed ones are dropped lazily. */
interface Bucket {
  readonly priority: number;
  readonly round: number;
  entries: Entry[];
  /** entries before this index are all gone */
  head: number;
  live: number;
}

interface Entry {
  readonly item: BacklogItem;
  readonly bucket: Bucket;
  gone: boolean;
}

/** < 0: bucket a is served before b (higher priority first, then the earlier sweep). */
function bucketOrder(a: { priority: number; round: number }, b: { priority: number; round: number }): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.round - b.round;
}

/**
 * Each queue's jobs are kept in buckets by (priority, sweep), each in submission order. Arrivals and
 * retries almost always go to the end of their bucket, and taken or removed jobs are only marked,
 * so every operation costs about the same with a hundred or a hundred thousand jobs waiting.
 */
export class PendingBacklog {
  private readonly byQueue = new Map<string, { buckets: Bucket[]; size: number }>();
  private readonly where = new Map<string, Entry>();
  /** per queue: the sweep new arrivals join */
  private readonly sweep = new Map<string, number>();

  get size(): number {
    return this.where.size;
  }

  has(id: string): boolean {
    return this.where.has(id);
  }

  /** A job that waits for its first try: it joins the queue's current sweep. */
  arrive(item: { id: string; queue: string; priority: number; order: number }): void {
    this.add({ ...item, round: this.sweep.get(item.queue) ?? 0, triedAt: -1 });
  }

  /** A job a cycle tried at `version` and could not place: it waits for the next sweep. */
  retry(item: { id: string; queue: string; priority: number; order: number }, version: number): void {
    this.add({ ...item, round: (this.sweep.get(item.queue) ?? 0) + 1, triedAt: version });
  }

  /** Adds (or re-positions) a job. */
  add(item: BacklogItem): void {
    if (this.where.has(item.id)) this.remove(item.id);
    let line = this.byQueue.get(item.queue);
    if (!line) this.byQueue.set(item.queue, (line = { buckets: [], size: 0 }));
    const bucket = bucketFor(line.buckets, item);
    const entry: Entry = { item, bucket, gone: false };
    const list = bucket.entries;
    const last = list[list.length - 1];
    if (last === undefined || last.item.order < item.order) {
      list.push(entry);
    } else {
      let lo = bucket.head;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((list[mid] as Entry).item.order < item.order) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, entry);
    }
    bucket.live++;
    line.size++;
    this.where.set(item.id, entry);
  }

  remove(id: string): boolean {
    const entry = this.where.get(id);
    if (!entry) return false;
    this.drop(entry);
    return true;
  }

  /**
   * Takes up to `n` jobs from the head of `queue` that are worth trying at `version` (never tried,
   * or tried before something changed). Gives up after passing over `n` * 4 jobs not worth it.
   */
  take(queue: string, n: number, version: number): BacklogItem[] {
    const line = this.byQueue.get(queue);
    if (!line || n <= 0) return [];
    const first = firstLive(line.buckets);
    // every job of the current sweep was tried: the next sweep starts
    if (first && first.item.round > (this.sweep.get(queue) ?? 0)) this.sweep.set(queue, first.item.round);
    const out: BacklogItem[] = [];
    let skipped = 0;
    for (const bucket of [...line.buckets]) {
      const list = bucket.entries;
      for (let i = bucket.head; i < list.length && out.length < n && skipped < n * 4; i++) {
        const e = list[i] as Entry;
        if (e.gone) continue;
        if (e.item.triedAt < version) {
          out.push(e.item);
          this.drop(e);
        } else {
          skipped++;
        }
      }
      if (out.length >= n || skipped >= n * 4) break;
    }
    return out;
  }

  queues(): string[] {
    return [...this.byQueue.keys()];
  }

  countIn(queue: string): number {
    return this.byQueue.get(queue)?.size ?? 0;
  }

  /** Marks the entry gone; trims its bucket's head, compacts or drops the bucket as it empties. */
  private drop(e: Entry): void {
    if (e.gone) return;
    e.gone = true;
    this.where.delete(e.item.id);
    const b = e.bucket;
    b.live--;
    const line = this.byQueue.get(e.item.queue);
    if (!line) return;
    line.size--;
    if (b.live === 0) {
      const at = line.buckets.indexOf(b);
      if (at >= 0) line.buckets.splice(at, 1);
      if (line.buckets.length === 0) this.byQueue.delete(e.item.queue);
      return;
    }
    while (b.head < b.entries.length && (b.entries[b.head] as Entry).gone) b.head++;
    // more gone than live entries: compact (amortised over the drops that made them)
    if (b.entries.length - b.head > 64 && b.entries.length - b.head > 2 * b.live) {
      b.entries = b.entries.slice(b.head).filter((x) => !x.gone);
      b.head = 0;
    }
  }
}

/** The bucket of the item's priority and sweep (created in its place when missing). */
function bucketFor(buckets: Bucket[], item: BacklogItem): Bucket {
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bucketOrder(buckets[mid] as Bucket, item) < 0) lo = mid + 1;
    else hi = mid;
  }
  const found = buckets[lo];
  if (found !== undefined && bucketOrder(found, item) === 0) return found;
  const bucket: Bucket = { priority: item.priority, round: item.round, entries: [], head: 0, live: 0 };
  buckets.splice(lo, 0, bucket);
  return bucket;
}

function firstLive(buckets: readonly Bucket[]): Entry | undefined {
  for (const b of buckets) {
    for (let i = b.head; i < b.entries.length; i++) {
      const e = b.entries[i] as Entry;
      if (!e.gone) return e;
    }
  }
  return undefined;
}
