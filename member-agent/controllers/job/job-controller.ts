/**
 * The job controller: Volcano's job lifecycle for the vcjobs in one cluster.
 *
 * Each request is handled in four steps, one job at a time (requests for different jobs run in
 * parallel):
 *  1. decide the action: a command's own, else the lifecycle policies (a policy with a timeout
 *     parks the action in DelayedActions and the step ends);
 *  2. let the job's current phase compute the next phase, the new status and the effects, as data;
 *  3. run the effects (owned objects, PodGroup, pod deletes, pod creates), feeding each result back
 *     into the caches so the next step does not wait for the watch;
 *  4. write the status when it changed.
 * Consecutive requests that all come down to SyncJob are one step: a burst of pod events costs one
 * reconcile, not one per pod. A failing step is retried with back-off; after `maxRequeues` failures
 * the job is terminated, as Volcano does.
 */
import type { Pod } from '../../../shared/api/core.js';
import type { Job, JobAction } from '../../../shared/api/job.js';
import type { PodGroup } from '../../../shared/api/podgroup.js';
import { JOB_NAME_LABEL } from '../../../shared/api/well-known.js';
import { KeyedWorkQueue } from '../../keyed-work-queue.js';
import type { ObjectStore } from '../../kube/object-store.js';
import { isConflict } from '../../kube/kube-errors.js';
import { errorFields, silentLogger, type AgentLogger } from '../../logger.js';
import { Semaphore } from '../../semaphore.js';
import { DelayedActions } from './delayed-actions.js';
import { effectStage, type JobEffect } from './job-effects.js';
import {
  jobChangedRequest,
  podAddedRequest,
  podDeletedRequest,
  podGroupChangedRequest,
  podUpdatedRequest,
} from './job-events.js';
import type { PriorityLookup } from './job-podgroup.js';
import { jobKey, requestKey, type JobRequest } from './job-request.js';
import { podGroupNameOf } from './job-shape.js';
import { statusChanged } from './job-status.js';
import type { JobView } from './job-view.js';
import type { JobWriter } from './job-writer.js';
import { applyPolicies, type PolicyDecision } from './lifecycle-policies.js';
import { executeAction } from './phase-registry.js';
import type { PluginDeps } from './plugins/job-plugin.js';
import { generateSshKeyPair } from './plugins/ssh-key-pair.js';

/** Pod index name in the pod store: `<namespace>/<job-name label>`. */
export const PODS_BY_JOB = 'job';

export function indexPodsByJob(store: ObjectStore<Pod>): void {
  store.addIndex(PODS_BY_JOB, (p) => {
    const job = p.metadata.labels?.[JOB_NAME_LABEL];
    return job === undefined ? [] : [jobKey(p.metadata.namespace ?? 'default', job)];
  });
}

export interface JobControllerStores {
  jobs: ObjectStore<Job>;
  /** must carry the PODS_BY_JOB index (indexPodsByJob) */
  pods: ObjectStore<Pod>;
  podGroups: ObjectStore<PodGroup>;
}

export interface JobControllerOptions {
  stores: JobControllerStores;
  writer: JobWriter;
  clock?: { now(): number };
  deps?: PluginDeps;
  priorityOf?: PriorityLookup;
  /** jobs reconciled at the same time (default 8) */
  workers?: number;
  /** API calls in flight for all jobs together, admitted first come first served (default 128) */
  effectConcurrency?: number;
  /** failures before the job is terminated (default 15; -1 = never) */
  maxRequeues?: number;
  log?: AgentLogger;
  /** called after a step changed a job's phase */
  onTransition?: (job: Job, from: string, to: string) => void;
  /** called after each step with its duration, and whether it failed */
  onStep?: (seconds: number, failed: boolean) => void;
}

interface QueuedRequest {
  req: JobRequest;
  failures: number;
  /** the TerminateJob issued after too many failures: dropped if it fails as often */
  last?: boolean;
  /** called once the request was handled (or dropped) */
  done?: () => void;
}

export class JobController {
  private readonly queue: KeyedWorkQueue<QueuedRequest>;
  private readonly delayed: DelayedActions;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** content last written per owned object (`<job uid>/<kind>/<name>`), to skip identical writes */
  private readonly ownedMemo = new Map<string, string>();
  private readonly log: AgentLogger;
  private readonly clock: { now(): number };
  private readonly deps: PluginDeps;
  private readonly calls: Semaphore;
  private started = false;

  constructor(private readonly opts: JobControllerOptions) {
    this.log = opts.log ?? silentLogger;
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.deps = opts.deps ?? { generateSshKeyPair: () => generateSshKeyPair() };
    // One pool for every job: a job's pods go out together, so its gang is complete (and can be
    // bound) early instead of every job finishing at the same late moment.
    this.calls = new Semaphore(opts.effectConcurrency ?? 128);
    this.queue = new KeyedWorkQueue<QueuedRequest>({
      concurrency: opts.workers ?? 8,
      handle: (key, items) => this.handleBatch(key, items),
      onError: (key, err) => this.log.error({ job: key, ...errorFields(err) }, 'job batch failed'),
    });
    this.delayed = new DelayedActions((req) => this.enqueue(req));
  }

  /** Subscribes to the caches and queues a sync of every known job. Call after the caches synced. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { jobs, pods, podGroups } = this.opts.stores;
    this.unsubscribe.push(
      jobs.on((ev) => {
        if (ev.type === 'deleted') {
          const key = jobKey(ev.obj.metadata.namespace ?? 'default', ev.obj.metadata.name ?? '');
          this.delayed.clearJob(key);
          this.forgetOwned(ev.obj.metadata.uid);
          return;
        }
        const req = jobChangedRequest(ev.old, ev.obj);
        if (req) this.enqueue(req);
      }),
      pods.on((ev) => {
        let req: JobRequest | undefined;
        if (ev.type === 'added') req = podAddedRequest(ev.obj);
        else if (ev.type === 'deleted') req = podDeletedRequest(ev.obj);
        else {
          const job = this.jobOf(ev.obj);
          req = podUpdatedRequest(ev.old ?? ev.obj, ev.obj, job, () => (job ? this.jobPods(job) : []));
        }
        if (req) this.enqueue(req);
      }),
      podGroups.on((ev) => {
        if (ev.type === 'deleted') return;
        const req = podGroupChangedRequest(ev.old, ev.obj);
        if (req) this.enqueue(req);
      }),
    );
    for (const job of jobs.list()) {
      const req = jobChangedRequest(undefined, job);
      if (req) this.enqueue(req);
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    this.delayed.stop();
    for (const item of this.queue.stop()) item.done?.();
  }

  /** Queues a request (events, commands, delayed actions). */
  enqueue(req: JobRequest, done?: () => void): void {
    this.delayed.onEvent(req);
    this.push({ req, failures: 0, ...(done ? { done } : {}) });
  }

  /**
   * A command for a job (abort, resume, ...): runs as that action, bypassing the policies. Resolves
   * once the action ran, or was dropped because the job is gone.
   */
  command(namespace: string, name: string, action: JobAction, reason?: string): Promise<void> {
    return new Promise((resolve) =>
      this.enqueue({ namespace, jobName: name, event: 'CommandIssued', action, ...(reason ? { reason } : {}) }, resolve),
    );
  }

  /** Resolves when no request is queued or running (delayed actions may still be waiting). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Delayed actions waiting for a job (for inspection). */
  delayedActions(namespace: string, name: string) {
    return this.delayed.pending(jobKey(namespace, name));
  }

  private push(item: QueuedRequest): void {
    const key = requestKey(item.req);
    // Internal events always come down to SyncJob: one queued is enough.
    if (item.failures === 0 && !item.req.action && !item.done && isInternal(item.req)) {
      const queued = this.queue.queued(key);
      const last = queued[queued.length - 1];
      if (last && last.failures === 0 && !last.req.action && isInternal(last.req)) return;
    }
    this.queue.add(key, item);
  }

  private jobOf(pod: Pod): Job | undefined {
    const name = pod.metadata.labels?.[JOB_NAME_LABEL];
    if (name === undefined) return undefined;
    return this.opts.stores.jobs.get(pod.metadata.namespace ?? 'default', name);
  }

  /** Pods whose controller is this job (a namesake job's leftovers are not ours). */
  jobPods(job: Job): Pod[] {
    const key = jobKey(job.metadata.namespace ?? 'default', job.metadata.name ?? '');
    const uid = job.metadata.uid;
    return this.opts.stores.pods
      .byIndex(PODS_BY_JOB, key)
      .filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.controller && o.uid === uid));
  }

  private async handleBatch(key: string, items: QueuedRequest[]): Promise<void> {
    let i = 0;
    while (i < items.length) {
      const item = items[i]!;
      const job = this.currentJob(item.req);
      if (!job) {
        item.done?.();
        i++;
        continue;
      }
      const decision = applyPolicies(job, item.req);
      if (decision.delayMs !== undefined) {
        if (this.delayed.schedule(item.req, decision.action, decision.delayMs)) {
          this.log.debug({ job: key, action: decision.action, delayMs: decision.delayMs }, 'action delayed by policy timeout');
        }
        item.done?.();
        i++;
        continue;
      }
      let j = i + 1;
      if (decision.action === 'SyncJob' && decision.source === 'default') {
        while (j < items.length && isPlainSync(job, items[j]!.req)) j++;
      }
      const started = performance.now();
      try {
        await this.step(job, item.req, decision);
        this.opts.onStep?.((performance.now() - started) / 1000, false);
        for (let k = i; k < j; k++) items[k]!.done?.();
      } catch (err) {
        this.opts.onStep?.((performance.now() - started) / 1000, true);
        this.retry(key, item, err);
        for (let k = i + 1; k < j; k++) items[k]!.done?.();
      }
      i = j;
    }
  }

  private currentJob(req: JobRequest): Job | undefined {
    const job = this.opts.stores.jobs.get(req.namespace, req.jobName);
    if (!job || job.metadata.deletionTimestamp) return undefined;
    return job;
  }

  private async step(job: Job, req: JobRequest, decision: PolicyDecision): Promise<void> {
    const key = requestKey(req);
    const view: JobView = {
      job,
      pods: this.jobPods(job),
      request: { ...req, action: decision.action },
      now: new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      deps: this.deps,
      ...(this.opts.priorityOf ? { priorityOf: this.opts.priorityOf } : {}),
    };
    const pg = this.opts.stores.podGroups.get(job.metadata.namespace, podGroupNameOf(job));
    if (pg) view.podGroup = pg;
    const outcome = executeAction(view, decision.action);
    await this.runEffects(job, outcome.effects);
    const before = job.status?.state?.phase ?? '';
    if (statusChanged(job.status, outcome.status)) {
      const written = await this.writeStatus(job, outcome.status);
      this.opts.stores.jobs.upsert(written);
    }
    if (decision.action !== 'SyncJob') {
      this.log.info({ job: key, action: decision.action, source: decision.source, phase: outcome.nextPhase }, 'job action executed');
    }
    this.delayed.afterAction(req, decision.action);
    if (before !== outcome.nextPhase) this.opts.onTransition?.(job, before, outcome.nextPhase);
  }

  private async writeStatus(job: Job, status: Job['status']): Promise<Job> {
    try {
      return await this.opts.writer.replaceJobStatus({ ...job, status: status ?? {} });
    } catch (err) {
      if (isConflict(err)) {
        // Someone else wrote the job: take the server's copy; the retry recomputes from it.
        const fresh = await this.opts.writer.getJob(job.metadata.namespace ?? 'default', job.metadata.name ?? '');
        if (fresh) this.opts.stores.jobs.upsert(fresh);
      }
      throw err;
    }
  }

  private retry(key: string, item: QueuedRequest, err: unknown): void {
    const failures = item.failures + 1;
    const max = this.opts.maxRequeues ?? 15;
    this.log.warn({ job: key, failures, event: item.req.event, ...errorFields(err) }, 'job step failed');
    if (max >= 0 && failures > max) {
      if (item.last) {
        item.done?.();
        return;
      }
      this.log.error({ job: key }, 'job keeps failing; terminating it');
      this.push({ req: { ...item.req, action: 'TerminateJob', reason: 'TooManyFailures' }, failures: 0, last: true, ...(item.done ? { done: item.done } : {}) });
      return;
    }
    const delay = isConflict(err) ? 0 : Math.min(1000, 5 * 2 ** failures);
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      this.push({ ...item, failures });
    }, delay);
    this.retryTimers.add(t);
  }

  /** Runs effects stage by stage; a stage's effects run in parallel through the shared call pool. */
  private async runEffects(job: Job, effects: JobEffect[]): Promise<void> {
    if (effects.length === 0) return;
    const stages = new Map<number, JobEffect[]>();
    for (const e of effects) {
      const s = effectStage(e);
      const list = stages.get(s);
      if (list) list.push(e);
      else stages.set(s, [e]);
    }
    for (const s of [...stages.keys()].sort((a, b) => a - b)) {
      let failure: unknown;
      await Promise.all(
        stages.get(s)!.map((e) =>
          this.calls.run(async () => {
            if (failure !== undefined) return;
            try {
              await this.runEffect(job, e);
            } catch (err) {
              failure ??= err;
            }
          }),
        ),
      );
      if (failure !== undefined) throw failure;
    }
  }

  private async runEffect(job: Job, e: JobEffect): Promise<void> {
    const ns = job.metadata.namespace ?? 'default';
    const { pods, podGroups } = this.opts.stores;
    const w = this.opts.writer;
    switch (e.kind) {
      case 'createPod': {
        const made = await w.createPod(e.pod);
        if (made) pods.upsert(made);
        return;
      }
      case 'deletePod': {
        const marked = await w.markPodOutOfSync(ns, e.name);
        if (marked) pods.upsert(marked);
        const left = await w.deletePod(ns, e.name, e.uid);
        if (left) pods.upsert(left);
        else pods.remove(ns, e.name);
        return;
      }
      case 'createPodGroup': {
        const made = await w.createPodGroup(e.podGroup);
        if (made) podGroups.upsert(made);
        return;
      }
      case 'updatePodGroupSpec':
        podGroups.upsert(await w.replacePodGroup(e.podGroup));
        return;
      case 'deletePodGroup':
        await w.deletePodGroup(ns, e.name);
        podGroups.remove(ns, e.name);
        return;
      case 'ensureObject': {
        const memoKey = `${job.metadata.uid ?? ''}/${e.object.kind}/${e.object.metadata.name}`;
        const content = JSON.stringify(e.object);
        if (this.ownedMemo.get(memoKey) === content) return;
        await w.ensureObject(e.object, e.ifExists);
        this.ownedMemo.set(memoKey, content);
        return;
      }
      case 'deleteObject': {
        const memoKey = `${job.metadata.uid ?? ''}/${e.objectKind}/${e.name}`;
        if (this.ownedMemo.get(memoKey) === 'deleted') return;
        await w.deleteObject(e.objectKind, ns, e.name);
        this.ownedMemo.set(memoKey, 'deleted');
        return;
      }
    }
  }

  private forgetOwned(uid: string | undefined): void {
    if (!uid) return;
    for (const k of [...this.ownedMemo.keys()]) if (k.startsWith(`${uid}/`)) this.ownedMemo.delete(k);
  }
}

function isInternal(req: JobRequest): boolean {
  return req.event === 'OutOfSync' || req.event === 'PodRunning' || req.event === 'CommandIssued';
}

/** A request that would be a plain SyncJob against this job: safe to fold into the current step. */
function isPlainSync(job: Job, req: JobRequest): boolean {
  const d = applyPolicies(job, req);
  return d.action === 'SyncJob' && d.delayMs === undefined && d.source === 'default';
}
