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

function before(a: BacklogItem, b: BacklogItem): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.round !== b.round) return a.round < b.round;
  return a.order < b.order;
}

export class PendingBacklog {
  private readonly byQueue = new Map<string, BacklogItem[]>();
  private readonly where = new Map<string, BacklogItem>();
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

  /** Adds (or re-positions) a job; most additions go to the end, found with one comparison. */
  add(item: BacklogItem): void {
    if (this.where.has(item.id)) this.remove(item.id);
    let list = this.byQueue.get(item.queue);
    if (!list) this.byQueue.set(item.queue, (list = []));
    const last = list[list.length - 1];
    if (last === undefined || before(last, item)) {
      list.push(item);
    } else {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(list[mid] as BacklogItem, item)) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, item);
    }
    this.where.set(item.id, item);
  }

  remove(id: string): boolean {
    const item = this.where.get(id);
    if (!item) return false;
    this.where.delete(id);
    const list = this.byQueue.get(item.queue);
    if (list) {
      const i = list.indexOf(item);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byQueue.delete(item.queue);
    }
    return true;
  }

  /**
   * Takes up to `n` jobs from the head of `queue` that are worth trying at `version` (never tried,
   * or tried before something changed). Gives up after passing over `n` * 4 jobs not worth it.
   */
  take(queue: string, n: number, version: number): BacklogItem[] {
    const list = this.byQueue.get(queue);
    if (!list || n <= 0) return [];
    const head = list[0];
    // every job of the current sweep was tried: the next sweep starts
    if (head && head.round > (this.sweep.get(queue) ?? 0)) this.sweep.set(queue, head.round);
    const out: BacklogItem[] = [];
    const keep: BacklogItem[] = [];
    let skipped = 0;
    let i = 0;
    for (; i < list.length && out.length < n && skipped < n * 4; i++) {
      const it = list[i] as BacklogItem;
      if (it.triedAt < version) out.push(it);
      else {
        keep.push(it);
        skipped++;
      }
    }
    if (out.length === 0) return out;
    list.splice(0, i, ...keep);
    for (const it of out) this.where.delete(it.id);
    if (list.length === 0) this.byQueue.delete(queue);
    return out;
  }

  queues(): string[] {
    return [...this.byQueue.keys()];
  }

  countIn(queue: string): number {
    return this.byQueue.get(queue)?.length ?? 0;
  }
}
