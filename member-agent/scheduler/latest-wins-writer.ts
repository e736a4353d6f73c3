/**
 * Background writes where only the newest value matters (a PodGroup's status, a queue's allocated):
 * at most one write per key in flight; a value set while one is in flight replaces any older waiting
 * value; a value equal to the last one written (or to the one on its way) is not written again.
 */
export interface LatestWinsOptions<V> {
  write(key: string, value: V): Promise<void>;
  /** the same value for this purpose (a fingerprint, not object identity) */
  fingerprint(value: V): string;
  concurrency?: number;
  onError?(key: string, err: unknown): void;
}

export class LatestWinsWriter<V> {
  private readonly written = new Map<string, string>();
  private readonly inFlight = new Map<string, string>();
  private readonly waiting = new Map<string, V>();
  private readonly ready: string[] = [];
  private running = 0;
  private drained: (() => void)[] = [];

  constructor(private readonly opts: LatestWinsOptions<V>) {}

  set(key: string, value: V): void {
    const fp = this.opts.fingerprint(value);
    if (this.inFlight.has(key)) {
      if (this.inFlight.get(key) === fp) this.waiting.delete(key);
      else this.waiting.set(key, value);
      return;
    }
    if (this.written.get(key) === fp) return;
    if (!this.waiting.has(key)) this.ready.push(key);
    this.waiting.set(key, value);
    this.pump();
  }

  /** Forgets what was written for `key` (the object was deleted or changed elsewhere). */
  forget(key: string): void {
    this.written.delete(key);
  }

  /** The stored object now holds `value`: what we wrote is no longer there unless it is the same. */
  observed(key: string, value: V): void {
    const w = this.written.get(key);
    if (w !== undefined && w !== this.opts.fingerprint(value)) this.written.delete(key);
  }

  settled(): Promise<void> {
    if (this.running === 0 && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 16;
    while (this.running < limit && this.ready.length > 0) {
      const key = this.ready.shift()!;
      const value = this.waiting.get(key);
      if (value === undefined) continue;
      this.waiting.delete(key);
      const fp = this.opts.fingerprint(value);
      this.inFlight.set(key, fp);
      this.running++;
      void this.opts
        .write(key, value)
        .then(
          () => this.written.set(key, fp),
          (err: unknown) => {
            this.written.delete(key);
            this.opts.onError?.(key, err);
          },
        )
        .finally(() => {
          this.inFlight.delete(key);
          this.running--;
          if (this.waiting.has(key)) this.ready.push(key);
          this.pump();
          if (this.running === 0 && this.waiting.size === 0) for (const fn of this.drained.splice(0)) fn();
        });
    }
  }
}
