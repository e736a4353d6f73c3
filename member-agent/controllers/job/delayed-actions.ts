/**
 * Policy actions with a timeout wait here until they fire (then they run against the job's state at
 * that moment) or are cancelled:
 *  - a later non-PodPending event of the same pod (same uid) cancels a pending PodPending action;
 *  - PodRunning cancels pending PodFailed / PodEvicted actions of that pod;
 *  - once an action runs, delayed actions of the same scope are dropped (job-wide ones for a job
 *    action, the same task / pod / partition for targeted ones).
 * A second delayed action equal to one already waiting for the same pod is ignored.
 */
import type { JobAction, JobEvent } from '../../../shared/api/job.js';
import { actionScope } from './lifecycle-policies.js';
import { requestKey, type JobRequest } from './job-request.js';

interface Waiting {
  req: JobRequest;
  action: JobAction;
  timer: NodeJS.Timeout;
}

export class DelayedActions {
  private readonly byJob = new Map<string, Waiting[]>();

  constructor(private readonly fire: (req: JobRequest) => void) {}

  schedule(req: JobRequest, action: JobAction, delayMs: number): boolean {
    const key = requestKey(req);
    const list = this.byJob.get(key) ?? [];
    if (list.some((w) => w.action === action && w.req.podName === req.podName && w.req.event === req.event)) return false;
    const entry: Waiting = {
      req,
      action,
      timer: setTimeout(() => {
        this.drop(key, entry);
        this.fire({ ...req, action });
      }, delayMs),
    };
    entry.timer.unref?.();
    list.push(entry);
    this.byJob.set(key, list);
    return true;
  }

  /** Applies the cancellation rules for a new event. */
  onEvent(req: JobRequest): void {
    const list = this.byJob.get(requestKey(req));
    if (!list || req.podName === undefined) return;
    for (const w of [...list]) {
      if (w.req.podName !== req.podName) continue;
      const cancelPending = w.req.event === 'PodPending' && req.event !== 'PodPending' && w.req.podUid === req.podUid;
      const cancelFailed = req.event === 'PodRunning' && isFailureEvent(w.req.event);
      if (cancelPending || cancelFailed) this.cancel(requestKey(req), w);
    }
  }

  /** After `action` ran for `req`: drop waiting actions of the same scope. */
  afterAction(req: JobRequest, action: JobAction): void {
    const scope = actionScope(action);
    if (scope === 'internal') return;
    const key = requestKey(req);
    for (const w of [...(this.byJob.get(key) ?? [])]) {
      if (actionScope(w.action) !== scope) continue;
      const same =
        scope === 'job' ||
        (scope === 'task' && w.req.taskName === req.taskName) ||
        (scope === 'pod' && w.req.podName === req.podName) ||
        (scope === 'partition' && w.req.taskName === req.taskName && w.req.partitionId === req.partitionId);
      if (same) this.cancel(key, w);
    }
  }

  clearJob(key: string): void {
    for (const w of this.byJob.get(key) ?? []) clearTimeout(w.timer);
    this.byJob.delete(key);
  }

  pending(key: string): { podName?: string; action: JobAction; event: JobEvent }[] {
    return (this.byJob.get(key) ?? []).map((w) => ({ action: w.action, event: w.req.event, ...(w.req.podName ? { podName: w.req.podName } : {}) }));
  }

  stop(): void {
    for (const key of [...this.byJob.keys()]) this.clearJob(key);
  }

  private cancel(key: string, w: Waiting): void {
    clearTimeout(w.timer);
    this.drop(key, w);
  }

  private drop(key: string, w: Waiting): void {
    const list = this.byJob.get(key);
    if (!list) return;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byJob.delete(key);
  }
}

function isFailureEvent(e: JobEvent): boolean {
  return e === 'PodFailed' || e === 'PodEvicted';
}
