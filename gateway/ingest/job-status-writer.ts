/**
 * Writes what the federation knows about a job into the stored vcjob (annotations with the
 * placement facts, `status` mirrored from the member, why-pending conditions), off the scheduling
 * path. Changes to one job are coalesced: several updates that arrive within one flush interval
 * become one read-modify-write, and flushes run a bounded number of writes at once.
 */
import type { Logger } from 'pino';
import type { Job } from '../../shared/api/job.js';
import type { GatewayStore } from '../store/gateway-store.js';
import { silentLogger } from '../leader/silent-logger.js';

export interface JobRef {
  namespace: string;
  name: string;
  uid: string;
}

/** Changes a job in place; returns false when it changed nothing (no write is made then). */
export type JobMutation = (job: Job) => boolean;

interface Pending {
  ref: JobRef;
  mutations: JobMutation[];
}

export class JobStatusWriter {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly flushMs: number;
  private readonly concurrency: number;
  private readonly log: Logger;
  private closed = false;
  /** writes that failed (logged), for tests and metrics */
  failures = 0;
  writes = 0;
  private inFlight = 0;

  constructor(private readonly opts: { store: GatewayStore; flushMs?: number; concurrency?: number; logger?: Logger }) {
    // status facts may trail a little; the store's Redis serves the API and the dispatch path first
    this.flushMs = opts.flushMs ?? 200;
    this.concurrency = opts.concurrency ?? 16;
    this.log = (opts.logger ?? silentLogger).child({ component: 'job-status-writer' });
  }

  /** Jobs with writes queued or in flight. */
  get backlog(): number {
    return this.pending.size + this.inFlight;
  }

  update(ref: JobRef, mutation: JobMutation): void {
    if (this.closed) return;
    const key = `${ref.namespace}/${ref.name}`;
    const p = this.pending.get(key);
    if (p && p.ref.uid === ref.uid) p.mutations.push(mutation);
    else this.pending.set(key, { ref, mutations: [mutation] });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushMs);
  }

  /** Writes everything queued so far; resolves when it is in Redis. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.inFlight = batch.length;
    this.flushing = this.write(batch).finally(() => { this.flushing = undefined; this.inFlight = 0; });
    await this.flushing;
  }

  private async write(batch: Pending[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) {
        const p = batch[next++] as Pending;
        try {
          await this.opts.store.mutateJob(p.ref.namespace, p.ref.name, (job) => {
            let changed = false;
            for (const m of p.mutations) changed = m(job) || changed;
            return changed ? job : undefined;
          }, { uid: p.ref.uid, origin: 'status' });
          this.writes++;
        } catch (err) {
          this.failures++;
          this.log.warn({ err, job: `${p.ref.namespace}/${p.ref.name}` }, 'could not write job status');
        } finally {
          this.inFlight = Math.max(0, this.inFlight - 1);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, worker));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
