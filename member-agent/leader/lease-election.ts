/**
 * Leader election between agent replicas over a coordination.k8s.io/v1 Lease, as client-go does it:
 * every `retryPeriodMs` each replica reads the Lease; it takes it when it is free or its holder has
 * not renewed it for `leaseDurationMs` (judged by when this replica saw it change, not by the holder's
 * clock), and the leader renews it. Writes carry the resourceVersion read, so when two replicas try
 * at once the API server answers 409 Conflict to one of them, which simply stays a follower. A leader
 * that cannot renew within `renewDeadlineMs` steps down.
 */
import { silentLogger, errorFields, type AgentLogger } from '../logger.js';
import { isAlreadyExists, isConflict } from '../kube/kube-errors.js';

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface LeaseApi {
  getLease(namespace: string, name: string): Promise<Lease | undefined>;
  /** fails with 409 AlreadyExists when another replica created it first */
  createLease(lease: Lease): Promise<Lease>;
  /** fails with 409 Conflict when the lease changed since it was read */
  replaceLease(lease: Lease): Promise<Lease>;
}

export interface LeaderElectionOptions {
  api: LeaseApi;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
  clock?: { now(): number };
  log?: AgentLogger;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private observedRv: string | undefined;
  private observedAt = 0;
  private lastRenew = 0;
  private tick: Promise<void> = Promise.resolve();
  private readonly log: AgentLogger;
  private readonly clock: { now(): number };

  constructor(private readonly opts: LeaderElectionOptions) {
    this.log = opts.log ?? silentLogger;
    this.clock = opts.clock ?? { now: () => Date.now() };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops campaigning; a leader steps down and frees the lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tick;
    if (this.leading) {
      await this.stepDown();
      await this.release();
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.round().finally(() => this.schedule(this.opts.retryPeriodMs ?? 2000));
    }, delay);
    this.timer.unref?.();
  }

  private async round(): Promise<void> {
    let held = false;
    try {
      held = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.warn({ lease: this.opts.name, ...errorFields(err) }, 'lease round failed');
    }
    const now = this.clock.now();
    if (held) {
      this.lastRenew = now;
      if (!this.leading && !this.stopped) {
        this.leading = true;
        this.log.info({ lease: this.opts.name, identity: this.opts.identity }, 'became leader');
        await this.opts.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > (this.opts.renewDeadlineMs ?? 10_000)) {
      await this.stepDown();
    } else if (this.leading && !held) {
      // Another replica holds the lease now (we saw it): step down at once.
      const lease = await this.opts.api.getLease(this.opts.namespace, this.opts.name).catch(() => undefined);
      if (lease?.spec?.holderIdentity && lease.spec.holderIdentity !== this.opts.identity) await this.stepDown();
    }
  }

  private async stepDown(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.log.warn({ lease: this.opts.name, identity: this.opts.identity }, 'stopped leading');
    await this.opts.onStoppedLeading();
  }

  /** True when this replica holds the lease after the attempt. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.opts;
    const now = this.clock.now();
    const durationS = Math.ceil((this.opts.leaseDurationMs ?? 15_000) / 1000);
    const lease = await api.getLease(namespace, name);
    if (!lease) {
      try {
        await api.createLease({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: durationS, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    }
    const spec = lease.spec ?? {};
    if (lease.metadata.resourceVersion !== this.observedRv) {
      this.observedRv = lease.metadata.resourceVersion;
      this.observedAt = now;
    }
    const holder = spec.holderIdentity ?? '';
    const expired = now - this.observedAt > (spec.leaseDurationSeconds ?? durationS) * 1000;
    if (holder && holder !== identity && !expired) return false;
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationS,
        renewTime: microTime(now),
        ...(holder !== identity ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0) } : {}),
      },
    };
    try {
      const out = await api.replaceLease(next);
      this.observedRv = out.metadata.resourceVersion;
      this.observedAt = now;
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** Gives the lease up (empty holder), so the next replica need not wait for it to expire. */
  private async release(): Promise<void> {
    try {
      const lease = await this.opts.api.getLease(this.opts.namespace, this.opts.name);
      if (!lease || lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.opts.api.replaceLease({ ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(this.clock.now()) } });
    } catch (err) {
      this.log.warn({ lease: this.opts.name, ...errorFields(err) }, 'lease not released');
    }
  }
}
