/**
 * What the agent does with each gateway order.
 *
 * placement: the vcjob becomes a batch.volcano.sh Job in this cluster, annotated with the gateway's
 *   uid and the placement epoch. Create-if-absent: the same (uid, epoch) again is accepted again and
 *   changes nothing; an older epoch than the one held is rejected as superseded; a newer epoch
 *   replaces the older job. The job's queue is mirrored here when missing; a closed queue, a name
 *   taken by another job or a job the API server refuses is rejected with a reason.
 * command: abort / resume / terminate / complete become the Volcano actions, run by the job
 *   controller; delete removes the job and, through owner references, everything it made. Commands
 *   for another epoch are ignored.
 * delete-superseded: removes the uid's jobs of older epochs.
 */
import type { Job, JobAction } from '../../shared/api/job.js';
import type { Queue } from '../../shared/api/queue.js';
import type {
  CommandAction,
  CommandMessage,
  DeleteSupersededMessage,
  DispatchMessage,
  PlacementMessage,
  PlacementResultMessage,
} from '../../shared/messages/index.js';
import {
  CALDERA_ATTEMPT_ANNOTATION,
  CALDERA_EPOCH_ANNOTATION,
  CALDERA_NODE_PLAN_ANNOTATION,
  CALDERA_UID_ANNOTATION,
  JOBS_BY_CALDERA_UID,
} from '../cluster-caches.js';
import { describeKubeError, isAlreadyExists, statusCodeOf } from '../kube/kube-errors.js';
import type { ObjectStore } from '../kube/object-store.js';
import { silentLogger, type AgentLogger } from '../logger.js';
import { placementOf } from '../reporter/reporter.js';

/** The cluster operations the handler needs. */
export interface DispatchApi {
  getJob(namespace: string, name: string): Promise<Job | undefined>;
  /** throws the API error (AlreadyExists, Invalid, ...) */
  createJob(job: Job): Promise<Job>;
  /** deletes the job with that uid and, in the background, what it owns; absent is fine */
  deleteJob(namespace: string, name: string, uid: string): Promise<void>;
  ensureNamespace(name: string): Promise<void>;
  getQueue(name: string): Promise<Queue | undefined>;
  /** the created queue, or undefined when it exists already */
  createQueue(queue: Queue): Promise<Queue | undefined>;
}

export interface JobCommands {
  /** runs the action through the job controller; resolves once it ran */
  command(namespace: string, name: string, action: JobAction, reason?: string): Promise<void>;
}

export interface PlacementResults {
  placementResult(r: Omit<PlacementResultMessage, 'type' | 'v' | 'cluster' | 'agentId' | 'sentAt'>): Promise<void>;
}

export interface DispatchHandlerOptions {
  api: DispatchApi;
  jobs: ObjectStore<Job>;
  queues: ObjectStore<Queue>;
  commands: JobCommands;
  results: PlacementResults;
  log?: AgentLogger;
  /** how long to wait for a superseded job of the same name to disappear (default 10 s) */
  replaceTimeoutMs?: number;
  /** what became of each placement (metrics) */
  onPlacement?: (outcome: PlacementOutcome, seconds: number) => void;
}

export type PlacementOutcome =
  | 'accepted' // the job was created here
  | 'duplicate' // the same uid and epoch was already applied
  | 'rejected' // refused, with a reason
  | 'stale'; // an older epoch than the one held

export const COMMAND_TO_ACTION: Readonly<Record<Exclude<CommandAction, 'delete'>, JobAction>> = {
  abort: 'AbortJob',
  resume: 'ResumeJob',
  terminate: 'TerminateJob',
  complete: 'CompleteJob',
};

const SERVER_FIELDS = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences', 'finalizers'];

/** The Job to create in this cluster for a placement. */
export function memberJob(msg: PlacementMessage): Job {
  const src = structuredClone(msg.job);
  const metadata: Job['metadata'] = { ...src.metadata };
  for (const f of SERVER_FIELDS) delete metadata[f];
  metadata.name = msg.name;
  metadata.namespace = msg.namespace;
  metadata.annotations = {
    ...(src.metadata.annotations ?? {}),
    [CALDERA_UID_ANNOTATION]: msg.uid,
    [CALDERA_EPOCH_ANNOTATION]: String(msg.epoch),
    [CALDERA_ATTEMPT_ANNOTATION]: String(msg.attempt),
  };
  if (Object.keys(msg.nodePlan).length > 0) metadata.annotations[CALDERA_NODE_PLAN_ANNOTATION] = JSON.stringify(msg.nodePlan);
  const spec = { ...src.spec, queue: src.spec.queue || msg.queue };
  return { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', metadata, spec };
}

/** The queue created here when the gateway's queue is not mirrored yet. */
export function mirroredQueue(name: string): Queue {
  return {
    apiVersion: 'scheduling.volcano.sh/v1beta1',
    kind: 'Queue',
    metadata: { name, annotations: { 'caldera.dev/mirrored': 'true' } },
    spec: { weight: 1, reclaimable: true, parent: 'root' },
  };
}

class Rejection extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

export class DispatchHandler {
  private readonly log: AgentLogger;
  /** messages about one job run one after another (BullMQ hands several over at once) */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly opts: DispatchHandlerOptions) {
    this.log = opts.log ?? silentLogger;
  }

  handle(msg: DispatchMessage): Promise<void> {
    const key = `${msg.namespace}/${msg.name}`;
    const run = (this.tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.dispatch(msg));
    this.tails.set(key, run);
    return run.finally(() => {
      if (this.tails.get(key) === run) this.tails.delete(key);
    });
  }

  private async dispatch(msg: DispatchMessage): Promise<void> {
    switch (msg.type) {
      case 'placement':
        return this.place(msg);
      case 'command':
        return this.command(msg);
      case 'delete-superseded':
        return this.deleteSuperseded(msg);
    }
  }

  private async place(msg: PlacementMessage): Promise<void> {
    const started = performance.now();
    const result = (r: 'accepted' | 'rejected', reason?: string, message?: string) => {
      const outcome: PlacementOutcome = r === 'rejected' ? (reason === 'Superseded' ? 'stale' : 'rejected') : reason === 'Duplicate' ? 'duplicate' : 'accepted';
      this.opts.onPlacement?.(outcome, (performance.now() - started) / 1000);
      return this.sendResult(msg, r, r === 'rejected' ? reason : undefined, message);
    };
    const fields = { job: `${msg.namespace}/${msg.name}`, epoch: msg.epoch, uid: msg.uid };
    try {
      for (let round = 0; round < 2; round++) {
        const held = await this.existing(msg.namespace, msg.name);
        if (held) {
          const p = placementOf(held);
          if (!p || p.uid !== msg.uid) {
            throw new Rejection('NameConflict', `a job named ${msg.namespace}/${msg.name} that Caldera did not place this way already exists`);
          }
          if (p.epoch === msg.epoch) {
            this.log.debug(fields, 'placement already applied');
            await result('accepted', 'Duplicate');
            return;
          }
          if (p.epoch > msg.epoch) throw new Rejection('Superseded', `epoch ${p.epoch} is already placed here`);
          await this.replaceOlder(held);
        }
        await this.ensureQueue(msg);
        await this.opts.api.ensureNamespace(msg.namespace);
        try {
          const made = await this.opts.api.createJob(memberJob(msg));
          this.opts.jobs.upsert(made);
          this.log.info(fields, 'placement accepted');
          await result('accepted');
          return;
        } catch (err) {
          if (isAlreadyExists(err) && round === 0) continue;
          const code = statusCodeOf(err);
          if (code !== undefined && code >= 400 && code < 500 && code !== 409 && code !== 429) {
            throw new Rejection(code === 422 ? 'Invalid' : code === 403 ? 'Forbidden' : 'Refused', describeKubeError(err));
          }
          throw err;
        }
      }
      throw new Error('the job name stayed taken while the placement was applied');
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      this.log.warn({ ...fields, reason: err.reason, err: err.message }, 'placement rejected');
      await result('rejected', err.reason, err.message);
    }
  }

  private sendResult(msg: PlacementMessage, result: 'accepted' | 'rejected', reason?: string, message?: string): Promise<void> {
    return this.opts.results.placementResult({
      uid: msg.uid,
      namespace: msg.namespace,
      name: msg.name,
      epoch: msg.epoch,
      attempt: msg.attempt,
      result,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    });
  }

  private async existing(namespace: string, name: string): Promise<Job | undefined> {
    return this.opts.jobs.get(namespace, name) ?? (await this.opts.api.getJob(namespace, name));
  }

  private async ensureQueue(msg: PlacementMessage): Promise<void> {
    const name = msg.job.spec.queue || msg.queue;
    const queue = this.opts.queues.get(undefined, name) ?? (await this.opts.api.getQueue(name));
    if (!queue) {
      const made = await this.opts.api.createQueue(mirroredQueue(name));
      if (made) this.opts.queues.upsert(made);
      return;
    }
    const state = queue.status?.state;
    if (state === 'Closed' || state === 'Closing') throw new Rejection('QueueClosed', `queue ${name} is ${state} in this cluster`);
  }

  /** Deletes a job of an older epoch and waits until its name is free. */
  private async replaceOlder(job: Job): Promise<void> {
    const ns = job.metadata.namespace ?? 'default';
    const name = job.metadata.name ?? '';
    await this.opts.api.deleteJob(ns, name, job.metadata.uid ?? '');
    const deadline = Date.now() + (this.opts.replaceTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      const still = await this.opts.api.getJob(ns, name);
      if (!still || still.metadata.uid !== job.metadata.uid) {
        this.opts.jobs.remove(ns, name);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`superseded job ${ns}/${name} is still being deleted`);
  }

  private placedJobs(uid: string): Job[] {
    return this.opts.jobs.byIndex(JOBS_BY_CALDERA_UID, uid);
  }

  private async command(msg: CommandMessage): Promise<void> {
    const job = this.placedJobs(msg.uid).find((j) => placementOf(j)?.epoch === msg.epoch);
    const fields = { job: `${msg.namespace}/${msg.name}`, epoch: msg.epoch, action: msg.action };
    if (!job) {
      this.log.info(fields, 'command for a placement this cluster does not hold; ignored');
      return;
    }
    const ns = job.metadata.namespace ?? 'default';
    const name = job.metadata.name ?? '';
    if (msg.action === 'delete') {
      await this.opts.api.deleteJob(ns, name, job.metadata.uid ?? '');
      this.log.info(fields, 'job deleted on command');
      return;
    }
    await this.opts.commands.command(ns, name, COMMAND_TO_ACTION[msg.action], msg.reason);
  }

  private async deleteSuperseded(msg: DeleteSupersededMessage): Promise<void> {
    for (const job of this.placedJobs(msg.uid)) {
      const p = placementOf(job);
      if (!p || p.epoch >= msg.olderThanEpoch) continue;
      await this.opts.api.deleteJob(job.metadata.namespace ?? 'default', job.metadata.name ?? '', job.metadata.uid ?? '');
      this.log.info({ job: `${job.metadata.namespace}/${job.metadata.name}`, epoch: p.epoch }, 'superseded placement deleted');
    }
  }
}
