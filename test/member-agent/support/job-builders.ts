/**
 * Builders for the job-controller tests: a vcjob with a few fluent settings, the pods the controller
 * would have made for it, and the view a phase step reads.
 */
import type { Pod, PodPhase } from '../../../shared/api/core.js';
import type { Job, JobPhase, LifecyclePolicy, TaskSpec } from '../../../shared/api/job.js';
import type { PodGroup, PodGroupPhase } from '../../../shared/api/podgroup.js';
import { CONTROLLER_OUT_OF_SYNC_ANNOTATION } from '../../../shared/api/well-known.js';
import { buildJobPod } from '../../../member-agent/controllers/job/job-pod.js';
import { buildJobPodGroup } from '../../../member-agent/controllers/job/job-podgroup.js';
import type { JobRequest } from '../../../member-agent/controllers/job/job-request.js';
import type { JobView } from '../../../member-agent/controllers/job/job-view.js';
import type { PluginDeps } from '../../../member-agent/controllers/job/plugins/job-plugin.js';

export const fakeDeps: PluginDeps = {
  generateSshKeyPair: () => ({ privateKey: 'PRIVATE', publicKey: 'ssh-rsa AAAA test' }),
};

export class JobBuilder {
  private readonly job: Job;

  constructor(name: string, namespace = 'ns') {
    this.job = {
      apiVersion: 'batch.volcano.sh/v1alpha1',
      kind: 'Job',
      metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { queue: 'default', schedulerName: 'volcano', maxRetry: 3, tasks: [] },
    };
  }

  task(name: string, replicas: number, extra: Partial<TaskSpec> = {}): this {
    this.job.spec.tasks!.push({
      name,
      replicas,
      minAvailable: replicas,
      template: { spec: { containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '1', memory: '1Gi' } } }] } },
      ...extra,
    });
    this.job.spec.minAvailable = this.job.spec.tasks!.reduce((n, t) => n + (t.minAvailable ?? t.replicas ?? 0), 0);
    return this;
  }

  minAvailable(n: number): this {
    this.job.spec.minAvailable = n;
    return this;
  }

  minSuccess(n: number): this {
    this.job.spec.minSuccess = n;
    return this;
  }

  maxRetry(n: number): this {
    this.job.spec.maxRetry = n;
    return this;
  }

  policy(p: LifecyclePolicy): this {
    (this.job.spec.policies ??= []).push(p);
    return this;
  }

  plugins(p: Record<string, string[]>): this {
    this.job.spec.plugins = p;
    return this;
  }

  phase(phase: JobPhase, extra: { retryCount?: number; version?: number } = {}): this {
    this.job.status = {
      ...(this.job.status ?? {}),
      state: { phase, lastTransitionTime: '2026-01-01T00:00:01Z' },
      retryCount: extra.retryCount ?? 0,
      version: extra.version ?? 0,
      minAvailable: this.job.spec.minAvailable ?? 0,
    };
    return this;
  }

  build(): Job {
    return structuredClone(this.job);
  }
}

export function job(name: string, namespace?: string): JobBuilder {
  return new JobBuilder(name, namespace);
}

export interface PodOpts {
  phase?: PodPhase;
  deleting?: boolean;
  outOfSync?: boolean;
  exitCode?: number;
  ready?: boolean;
}

let uidSeq = 0;

/** The pod the controller makes for replica `index` of `task`, in the given state. */
export function podOf(j: Job, task: string, index: number, opts: PodOpts = {}): Pod {
  const spec = j.spec.tasks!.find((t) => t.name === task)!;
  const pod = buildJobPod({ job: j, task: spec, index, deps: fakeDeps });
  pod.metadata.uid = `pod-uid-${++uidSeq}`;
  pod.metadata.resourceVersion = String(uidSeq);
  const phase = opts.phase ?? 'Running';
  pod.status = {
    phase,
    containerStatuses: [
      {
        name: 'main',
        ready: opts.ready ?? phase === 'Running',
        restartCount: 0,
        ...(opts.exitCode !== undefined ? { state: { terminated: { exitCode: opts.exitCode } } } : {}),
      },
    ],
  };
  if (opts.deleting) pod.metadata.deletionTimestamp = '2026-01-01T00:00:05Z';
  if (opts.outOfSync) pod.metadata.annotations![CONTROLLER_OUT_OF_SYNC_ANNOTATION] = 'true';
  return pod;
}

/** Every replica of every task, all in one phase. */
export function allPods(j: Job, phase: PodPhase = 'Running'): Pod[] {
  return j.spec.tasks!.flatMap((t) => Array.from({ length: t.replicas ?? 0 }, (_, i) => podOf(j, t.name!, i, { phase })));
}

export function podGroupOf(j: Job, phase: PodGroupPhase = 'Inqueue'): PodGroup {
  const pg = buildJobPodGroup(j);
  pg.metadata.uid = `pg-${j.metadata.name}`;
  pg.metadata.resourceVersion = '1';
  pg.status = { phase };
  return pg;
}

export function viewOf(j: Job, pods: Pod[], opts: { podGroup?: PodGroup | null; request?: Partial<JobRequest> } = {}): JobView {
  const view: JobView = {
    job: j,
    pods,
    request: { namespace: j.metadata.namespace!, jobName: j.metadata.name!, event: 'OutOfSync', ...(opts.request ?? {}) },
    now: '2026-01-01T00:01:00Z',
    deps: fakeDeps,
  };
  if (opts.podGroup !== null) view.podGroup = opts.podGroup ?? podGroupOf(j);
  return view;
}
