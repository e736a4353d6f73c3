/**
 * Member-cluster health as a state machine over report arrival times. Pure: it reads the clock it
 * is given and does no I/O; the caller acts on the transitions it returns.
 *
 *   Ready ──(no report for notReadyAfterMs)──▶ NotReady ──(no report for lostAfterMs)──▶ Lost
 *     ▲                                           │                                      │
 *     └──────────────(any report)─────────────────┴──────────────(any report)────────────┘
 *
 * NotReady only stops new placements. Lost is the one state in which the gateway re-places the
 * member's jobs elsewhere; a member that comes back from Lost gets its superseded copies deleted.
 * Any report counts as a sign of life, so a slow but working link never leads to Lost; and silence
 * is only counted up to the time the gateway has read every report (`evaluate(asOf)`), so a
 * gateway that falls behind never blames its members.
 */
import type { Clock } from '../../shared/clock.js';

export type MemberReadiness =
  | 'Ready' // reporting; takes new placements
  | 'NotReady' // silent for a while; no new placements, its jobs stay where they are
  | 'Lost'; // silent past the grace period; its jobs were re-placed elsewhere

export interface MemberHealthConfig {
  /** silence after which a member is NotReady */
  notReadyAfterMs: number;
  /** silence after which a member is Lost (the grace period); must exceed notReadyAfterMs */
  lostAfterMs: number;
}

export const DEFAULT_MEMBER_HEALTH: MemberHealthConfig = { notReadyAfterMs: 30_000, lostAfterMs: 5 * 60_000 };

export interface MemberHealthRecord {
  cluster: string;
  state: MemberReadiness;
  /** when the last report arrived (gateway clock) */
  lastSeenAt: number;
  /** when `state` was entered */
  since: number;
  /** the agent process that reported last */
  agentId?: string;
}

export interface HealthTransition {
  cluster: string;
  from: MemberReadiness | undefined;
  to: MemberReadiness;
  at: number;
  /** machine reason: `Reporting`, `HeartbeatMissed`, `GracePeriodExpired`, `Returned` */
  reason: string;
  /** true when a Lost member reported again: its superseded jobs must be deleted there */
  returned: boolean;
}

export class MemberHealthTracker {
  private readonly config: MemberHealthConfig;
  private readonly clock: Clock;
  private readonly members = new Map<string, MemberHealthRecord>();

  constructor(opts: { config?: Partial<MemberHealthConfig>; clock: Clock }) {
    this.config = { ...DEFAULT_MEMBER_HEALTH, ...opts.config };
    this.clock = opts.clock;
    if (this.config.lostAfterMs <= this.config.notReadyAfterMs) {
      throw new RangeError(`lostAfterMs (${this.config.lostAfterMs}) must exceed notReadyAfterMs (${this.config.notReadyAfterMs})`);
    }
  }

  /**
   * Adopts records persisted by an earlier leader. Silence is counted from no earlier than
   * `notBefore` (the moment this leader took over): reports that queued up while no leader read
   * them must not count against the member.
   */
  restore(records: readonly MemberHealthRecord[], notBefore: number): void {
    for (const r of records) {
      this.members.set(r.cluster, { ...r, lastSeenAt: Math.max(r.lastSeenAt, notBefore) });
    }
  }

  /** A report from `cluster` arrived; returns the transition it causes, if any. */
  observe(cluster: string, agentId?: string): HealthTransition | undefined {
    const now = this.clock.now();
    const rec = this.members.get(cluster);
    if (!rec) {
      this.members.set(cluster, { cluster, state: 'Ready', lastSeenAt: now, since: now, ...(agentId ? { agentId } : {}) });
      return { cluster, from: undefined, to: 'Ready', at: now, reason: 'Reporting', returned: false };
    }
    rec.lastSeenAt = Math.max(rec.lastSeenAt, now);
    if (agentId) rec.agentId = agentId;
    if (rec.state === 'Ready') return undefined;
    const from = rec.state;
    rec.state = 'Ready';
    rec.since = now;
    return { cluster, from, to: 'Ready', at: now, reason: from === 'Lost' ? 'Returned' : 'Reporting', returned: from === 'Lost' };
  }

  /**
   * Applies the passage of time: returns every member that became NotReady or Lost. Silence is
   * counted up to `asOf` (default now): the time up to which every report is known to be read.
   */
  evaluate(asOf?: number): HealthTransition[] {
    const now = Math.min(this.clock.now(), asOf ?? Number.POSITIVE_INFINITY);
    const out: HealthTransition[] = [];
    for (const rec of this.members.values()) {
      const silent = now - rec.lastSeenAt;
      let to: MemberReadiness = rec.state;
      if (silent >= this.config.lostAfterMs) to = 'Lost';
      else if (silent >= this.config.notReadyAfterMs && rec.state === 'Ready') to = 'NotReady';
      if (to === rec.state) continue;
      out.push({
        cluster: rec.cluster, from: rec.state, to, at: now,
        reason: to === 'Lost' ? 'GracePeriodExpired' : 'HeartbeatMissed', returned: false,
      });
      rec.state = to;
      rec.since = now;
    }
    return out;
  }

  /** The earliest time at which `evaluate` could change a state, or undefined when none can. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const rec of this.members.values()) {
      const at =
        rec.state === 'Ready' ? rec.lastSeenAt + this.config.notReadyAfterMs
        : rec.state === 'NotReady' ? rec.lastSeenAt + this.config.lostAfterMs
        : undefined;
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  state(cluster: string): MemberReadiness | undefined {
    return this.members.get(cluster)?.state;
  }

  record(cluster: string): MemberHealthRecord | undefined {
    const r = this.members.get(cluster);
    return r ? { ...r } : undefined;
  }

  records(): MemberHealthRecord[] {
    return [...this.members.values()].map((r) => ({ ...r }));
  }
}
