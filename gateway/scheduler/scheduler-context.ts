/**
 * What the leader's components share while it leads: the in-memory federation state, the store,
 * the fenced placement writer, the dispatch transport, the job status writer, member health, and
 * the lease token every fenced write presents.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.js';
import type { DispatchSink } from '../dispatch/dispatcher.js';
import type { MemberHealthTracker } from '../health/member-health.js';
import type { JobStatusWriter } from '../ingest/job-status-writer.js';
import type { GatewayMetrics } from '../metrics.js';
import type { GatewayStore } from '../store/gateway-store.js';
import type { FencedPlacementStore } from '../store/placement-store.js';
import type { FederationState } from './federation-state.js';

export interface FederationSettings {
  /** first delay before a rejected gang is placed again; doubled per attempt */
  rejectBackoffMs: number;
  /** the longest such delay */
  maxBackoffMs: number;
}

export const DEFAULT_FEDERATION_SETTINGS: FederationSettings = { rejectBackoffMs: 1_000, maxBackoffMs: 60_000 };

/** Thrown by fenced work when this replica no longer holds the lease. */
export class NotLeaderError extends Error {
  constructor(message = 'this gateway no longer holds the scheduler lease') {
    super(message);
    this.name = 'NotLeaderError';
  }
}

export interface SchedulerContext {
  readonly state: FederationState;
  readonly store: GatewayStore;
  readonly placements: FencedPlacementStore;
  readonly dispatcher: DispatchSink;
  readonly statusWriter: JobStatusWriter;
  readonly health: MemberHealthTracker;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: FederationSettings;
  readonly metrics?: GatewayMetrics;
  /** the lease token; throws NotLeaderError when leadership was lost */
  token(): string;
  /** asks for a scheduling cycle soon */
  trigger(): void;
}
