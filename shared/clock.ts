// Time as a dependency: the scheduling core reads the clock it is given, so tests and the
// simulator can drive time by hand.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
});

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  private current: number;

  constructor(startMs = 0) {
    this.current = checkedTime(startMs, 'start');
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` (≥ 0) and returns the new time. */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualClock.advance needs a finite, non-negative number of milliseconds, got ${ms}`);
    }
    this.current += ms;
    return this.current;
  }

  /** Sets the clock to `ms` since the epoch (it may move backwards, to model a clock step). */
  set(ms: number): void {
    this.current = checkedTime(ms, 'time');
  }
}

function checkedTime(ms: number, what: string): number {
  if (!Number.isFinite(ms)) throw new RangeError(`ManualClock ${what} must be a finite number, got ${ms}`);
  return ms;
}
