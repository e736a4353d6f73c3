/**
 * Work serialized per key and spread over a bounded number of concurrent workers. A worker takes
 * every item queued for its key at once, so a burst of events for one job becomes one batch.
 */
export interface KeyedWorkQueueOptions<T> {
  concurrency: number;
  handle(key: string, items: T[]): Promise<void>;
  onError?(key: string, err: unknown): void;
}

export class KeyedWorkQueue<T> {
  private readonly pending = new Map<string, T[]>();
  private readonly ready: string[] = [];
  private readonly running = new Set<string>();
  private stopped = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly opts: KeyedWorkQueueOptions<T>) {}

  add(key: string, item: T): void {
    if (this.stopped) return;
    const list = this.pending.get(key);
    if (list) {
      list.push(item);
      return;
    }
    this.pending.set(key, [item]);
    if (!this.running.has(key)) this.ready.push(key);
    this.pump();
  }

  /** Items waiting for `key` (not counting a batch in progress). */
  queued(key: string): readonly T[] {
    return this.pending.get(key) ?? [];
  }

  get busy(): boolean {
    return this.running.size > 0 || this.pending.size > 0;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops taking work; returns the items that were still waiting. */
  stop(): T[] {
    this.stopped = true;
    const dropped = [...this.pending.values()].flat();
    this.pending.clear();
    this.ready.length = 0;
    this.notifyIdle();
    return dropped;
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.opts.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      const items = this.pending.get(key);
      if (!items) continue;
      this.pending.delete(key);
      this.running.add(key);
      void this.run(key, items);
    }
  }

  private async run(key: string, items: T[]): Promise<void> {
    try {
      await this.opts.handle(key, items);
    } catch (err) {
      this.opts.onError?.(key, err);
    } finally {
      this.running.delete(key);
      if (this.pending.has(key)) this.ready.push(key);
      this.pump();
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (this.busy && !this.stopped) return;
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}
