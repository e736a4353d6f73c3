/**
 * Simulated time for the kubelet and the store: a clock plus a timer queue. Two modes:
 * - `realtime` (default): simulated time runs `speed` times faster than the wall clock, from now;
 *   one real timer is armed for the earliest due simulated timer;
 * - `manual`: time moves only through `advance(ms)`, which runs due timers in order, each seeing
 *   `now()` equal to its due time. Tests use it to step through pod lifecycles without waiting.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../shared/clock.js';

export interface SimTimer {
  readonly due: number;
  cancelled: boolean;
}

interface Entry extends SimTimer {
  readonly seq: number;
  readonly fn: () => void;
}

export interface SimClockOptions {
  mode?: 'realtime' | 'manual';
  /** simulated milliseconds per real millisecond in realtime mode (default 1) */
  speed?: number;
  /** start time in ms since the epoch (default: now) */
  start?: number;
}

export class SimClock implements Clock {
  readonly mode: 'realtime' | 'manual';
  readonly speed: number;
  private readonly startSim: number;
  private readonly startReal: number;
  private manualNow: number;
  private readonly heap: Entry[] = [];
  private seq = 0;
  private armed: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private stopped = false;

  constructor(opts: SimClockOptions = {}) {
    this.mode = opts.mode ?? 'realtime';
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0) || !Number.isFinite(this.speed)) throw new RangeError(`speed must be a positive number, got ${this.speed}`);
    this.startSim = opts.start ?? Date.now();
    this.startReal = performance.now();
    this.manualNow = this.startSim;
  }

  now(): number {
    if (this.mode === 'manual') return this.manualNow;
    return this.startSim + (performance.now() - this.startReal) * this.speed;
  }

  /** Runs `fn` when simulated time reaches now + `delayMs`. */
  after(delayMs: number, fn: () => void): SimTimer {
    const entry: Entry = { due: this.now() + Math.max(0, delayMs), cancelled: false, seq: this.seq++, fn };
    this.push(entry);
    if (this.mode === 'realtime') this.arm();
    return entry;
  }

  cancel(timer: SimTimer | undefined): void {
    if (timer) timer.cancelled = true;
  }

  /** Manual mode: moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    if (this.mode !== 'manual') throw new Error('advance() needs a SimClock in manual mode');
    const target = this.manualNow + Math.max(0, ms);
    for (let top = this.peek(); top && top.due <= target; top = this.peek()) {
      this.pop();
      this.manualNow = Math.max(this.manualNow, top.due);
      if (!top.cancelled) top.fn();
    }
    this.manualNow = target;
  }

  /** Number of timers still waiting (cancelled ones excluded). */
  pendingTimers(): number {
    return this.heap.filter((e) => !e.cancelled).length;
  }

  /** Cancels the real timer; pending simulated timers never run. */
  stop(): void {
    this.stopped = true;
    if (this.armed) clearTimeout(this.armed);
    this.armed = undefined;
  }

  private arm(): void {
    if (this.stopped) return;
    const top = this.peek();
    if (!top) return;
    if (this.armed && top.due >= this.armedFor) return;
    if (this.armed) clearTimeout(this.armed);
    this.armedFor = top.due;
    const delay = Math.max(0, (top.due - this.now()) / this.speed);
    this.armed = setTimeout(() => this.fire(), Math.ceil(delay));
    this.armed.unref?.();
  }

  private fire(): void {
    this.armed = undefined;
    this.armedFor = Infinity;
    const now = this.now();
    for (let top = this.peek(); top && top.due <= now; top = this.peek()) {
      this.pop();
      if (top.cancelled) continue;
      try {
        top.fn();
      } catch (err) {
        process.stderr.write(`sim-cluster: timer failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      }
    }
    this.arm();
  }

  // binary min-heap on (due, seq)
  private less(a: Entry, b: Entry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private peek(): Entry | undefined {
    while (this.heap.length > 0 && (this.heap[0] as Entry).cancelled) this.pop();
    return this.heap[0];
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Entry, h[p] as Entry)) break;
      [h[i], h[p]] = [h[p] as Entry, h[i] as Entry];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l] as Entry, h[m] as Entry)) m = l;
        if (r < h.length && this.less(h[r] as Entry, h[m] as Entry)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as Entry, h[i] as Entry];
        i = m;
      }
    }
    return top;
  }
}
