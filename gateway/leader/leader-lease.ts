/**
 * Leader election over one Redis key with a fencing term.
 *
 * Every gateway replica campaigns; the one holding the lease runs the scheduler. Each time the lease
 * changes hands the term grows, and the leader passes its token (`holder|term`) to every fenced
 * write: the write's script compares the lease key with the token, so a deposed leader that wakes up
 * late cannot place anything. Locally the leader stops acting `safetyMarginMs` before the lease it
 * last confirmed would expire, so two replicas never both believe they lead.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../shared/clock.js';
import { ACQUIRE_LEASE_2, RELEASE_LEASE_1, RENEW_LEASE_1, leaseToken } from './lease-scripts.js';
import { silentLogger } from './silent-logger.js';

export type DeposeReason =
  | 'lost' // another replica holds the lease now
  | 'expired' // no renewal could be confirmed before the lease ran out
  | 'stopped'; // this replica stopped campaigning

export interface LeaderLeaseOptions {
  redis: Redis;
  /** key holding `<holder>|<term>` */
  leaseKey: string;
  /** counter key of terms */
  termKey: string;
  /** unique id of this replica */
  holderId: string;
  /** lease time: a crashed leader is replaced within this long */
  ttlMs?: number;
  /** how often the holder renews and others retry; default ttl/3 */
  renewEveryMs?: number;
  /** the leader steps down this long before its confirmed lease would expire; default ttl/10 */
  safetyMarginMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** called when this replica becomes leader; not awaited by the campaign (renewals go on meanwhile) */
  onElected?: (lease: LeaderTerm) => void | Promise<void>;
  /** called when this replica stops being leader */
  onDeposed?: (lease: LeaderTerm, reason: DeposeReason) => void | Promise<void>;
}

/** One reign: its term number and the token fenced writes present. */
export interface LeaderTerm {
  term: number;
  token: string;
}

export const DEFAULT_LEASE_TTL_MS = 10_000;

export class LeaderLease {
  private readonly redis: Redis;
  private readonly opts: LeaderLeaseOptions;
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly marginMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private current: LeaderTerm | undefined;
  /** local time until which this replica may act as leader */
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;

  constructor(opts: LeaderLeaseOptions) {
    this.opts = opts;
    this.redis = opts.redis;
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.renewEveryMs = opts.renewEveryMs ?? Math.max(10, Math.floor(this.ttlMs / 3));
    this.marginMs = opts.safetyMarginMs ?? Math.max(5, Math.floor(this.ttlMs / 10));
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'leader-lease', holder: opts.holderId });
    if (this.renewEveryMs + this.marginMs >= this.ttlMs) {
      throw new RangeError(`lease renewal (${this.renewEveryMs} ms) plus margin (${this.marginMs} ms) must be shorter than its ttl (${this.ttlMs} ms)`);
    }
  }

  /** Begins campaigning; resolves after the first attempt. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.tick();
  }

  /** True while this replica holds a lease it has confirmed recently enough. */
  isLeader(): boolean {
    return this.current !== undefined && this.clock.now() < this.validUntil;
  }

  /** The current reign, when leader. */
  leadership(): LeaderTerm | undefined {
    return this.isLeader() ? this.current : undefined;
  }

  /**
   * Stops campaigning. With `release` (default) a held lease is given up so another replica takes
   * over at once; without it the lease simply runs out, as after a crash.
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    const held = this.current;
    if (held && (opts.release ?? true)) {
      try {
        await this.redis.eval(RELEASE_LEASE_1, 1, this.opts.leaseKey, held.token);
      } catch (err) {
        this.log.warn({ err }, 'could not release the lease; it will expire');
      }
    }
    if (held) this.depose('stopped');
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => { void this.tick(); }, delayMs);
  }

  private async tick(): Promise<void> {
    const run = this.campaign();
    this.ticking = run;
    await run;
    this.ticking = undefined;
    this.schedule(this.renewEveryMs);
  }

  private async campaign(): Promise<void> {
    const sentAt = this.clock.now();
    try {
      if (this.current) {
        const ok = await this.redis.eval(RENEW_LEASE_1, 1, this.opts.leaseKey, this.current.token, String(this.ttlMs));
        if (ok === 1) this.confirm(sentAt);
        else this.depose('lost');
        return;
      }
      const reply = await this.redis.eval(ACQUIRE_LEASE_2, 2, this.opts.leaseKey, this.opts.termKey, this.opts.holderId, String(this.ttlMs));
      const [term, held] = Array.isArray(reply) ? (reply as number[]) : [0, 0];
      if (held === 1 && typeof term === 'number' && term > 0 && this.running) {
        this.current = { term, token: leaseToken(this.opts.holderId, term) };
        this.confirm(sentAt);
        this.log.info({ epoch: term }, 'elected leader');
        this.notify(() => this.opts.onElected?.(this.current as LeaderTerm));
      }
    } catch (err) {
      this.log.warn({ err }, 'lease round trip failed');
      if (this.current && this.clock.now() >= this.validUntil) this.depose('expired');
    }
  }

  /** The lease was (re)confirmed by a request sent at `sentAt`: it holds until sentAt + ttl. */
  private confirm(sentAt: number): void {
    this.validUntil = sentAt + this.ttlMs - this.marginMs;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const left = Math.max(0, this.validUntil - this.clock.now());
    this.expiryTimer = setTimeout(() => {
      if (this.current && this.clock.now() >= this.validUntil) this.depose('expired');
    }, left + 1);
  }

  private depose(reason: DeposeReason): void {
    const held = this.current;
    if (!held) return;
    this.current = undefined;
    this.validUntil = 0;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.log.warn({ epoch: held.term, reason }, 'no longer leader');
    this.notify(() => this.opts.onDeposed?.(held, reason));
  }

  private notify(fn: () => void | Promise<void> | undefined): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((err: unknown) => this.log.error({ err }, 'leadership callback failed'));
    } catch (err) {
      this.log.error({ err }, 'leadership callback failed');
    }
  }
}
