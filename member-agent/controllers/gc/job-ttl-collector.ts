/**
 * Deletes finished jobs `ttlSecondsAfterFinished` after they finished (Completed, Failed or
 * Terminated; Aborted is not finished). The deletion cascades to everything the job owns.
 */
import type { Job } from '../../../shared/api/job.js';
import type { ObjectStore } from '../../kube/object-store.js';
import { errorFields, silentLogger, type AgentLogger } from '../../logger.js';

export interface JobDeleter {
  /** deletes the job with that uid (not a namesake), cascading in the foreground */
  deleteJob(namespace: string, name: string, uid: string): Promise<void>;
}

/** When the job may be deleted (ms since the epoch), or undefined when it is not due to be. */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  const phase = job.status?.state?.phase;
  if (ttl === undefined || ttl === null || !(phase === 'Completed' || phase === 'Failed' || phase === 'Terminated')) return undefined;
  const finished = Date.parse(job.status?.state?.lastTransitionTime ?? '');
  if (!Number.isFinite(finished)) return undefined;
  return finished + ttl * 1000;
}

export class JobTtlCollector {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;
  private readonly log: AgentLogger;

  constructor(
    private readonly opts: { jobs: ObjectStore<Job>; deleter: JobDeleter; clock?: { now(): number }; log?: AgentLogger },
  ) {
    this.log = opts.log ?? silentLogger;
  }

  start(): void {
    this.unsubscribe = this.opts.jobs.on((ev) => {
      if (ev.type === 'deleted') this.cancel(keyOf(ev.obj));
      else this.track(ev.obj);
    });
    for (const j of this.opts.jobs.list()) this.track(j);
  }

  stop(): void {
    this.unsubscribe?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private track(job: Job): void {
    const key = keyOf(job);
    this.cancel(key);
    const at = expiresAt(job);
    if (at === undefined) return;
    const now = this.opts.clock?.now() ?? Date.now();
    const t = setTimeout(() => void this.collect(key), Math.max(0, at - now));
    t.unref?.();
    this.timers.set(key, t);
  }

  private cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  private async collect(key: string): Promise<void> {
    this.timers.delete(key);
    const [ns, name] = key.split('/') as [string, string];
    const job = this.opts.jobs.get(ns, name);
    const at = job ? expiresAt(job) : undefined;
    if (!job || at === undefined) return;
    if (at > (this.opts.clock?.now() ?? Date.now())) {
      this.track(job);
      return;
    }
    try {
      await this.opts.deleter.deleteJob(ns, name, job.metadata.uid ?? '');
      this.log.info({ job: key }, 'finished job deleted after its TTL');
    } catch (err) {
      this.log.warn({ job: key, ...errorFields(err) }, 'TTL deletion failed; retrying');
      const t = setTimeout(() => void this.collect(key), 1000);
      t.unref?.();
      this.timers.set(key, t);
    }
  }
}

function keyOf(job: Job): string {
  return `${job.metadata.namespace ?? 'default'}/${job.metadata.name ?? ''}`;
}
