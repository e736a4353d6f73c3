/**
 * Cluster events → job-controller requests, as Volcano's handlers map them. Only pods the job
 * controller made are considered: controlled by a Job and carrying the job-name, job-version and
 * task-spec annotations.
 */
import type { Pod } from '../../../shared/api/core.js';
import { JOB_API_VERSION, JOB_KIND, type Job } from '../../../shared/api/job.js';
import type { PodGroup } from '../../../shared/api/podgroup.js';
import {
  CONTROLLER_OUT_OF_SYNC_ANNOTATION,
  JOB_NAME_LABEL,
  JOB_VERSION_ANNOTATION,
  PARTITION_ID_LABEL,
  TASK_SPEC_LABEL,
} from '../../../shared/api/well-known.js';
import type { JobRequest } from './job-request.js';
import { findTask, podTaskName, replicasOf } from './job-shape.js';

export interface JobPodIdentity {
  namespace: string;
  jobName: string;
  jobUid: string;
  taskName: string;
  jobVersion: number;
}

/** The job a pod belongs to, or undefined for pods this controller does not manage. */
export function jobPodIdentity(pod: Pod): JobPodIdentity | undefined {
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller);
  if (!owner || owner.kind !== JOB_KIND || owner.apiVersion !== JOB_API_VERSION) return undefined;
  const ann = pod.metadata.annotations ?? {};
  const jobName = ann[JOB_NAME_LABEL];
  const version = ann[JOB_VERSION_ANNOTATION];
  const task = ann[TASK_SPEC_LABEL];
  if (jobName === undefined || version === undefined || task === undefined) return undefined;
  return {
    namespace: pod.metadata.namespace ?? 'default',
    jobName,
    jobUid: owner.uid,
    taskName: task,
    jobVersion: Number.parseInt(version, 10) || 0,
  };
}

function baseRequest(pod: Pod, id: JobPodIdentity): Omit<JobRequest, 'event'> {
  const req: Omit<JobRequest, 'event'> = {
    namespace: id.namespace,
    jobName: id.jobName,
    jobUid: id.jobUid,
    taskName: id.taskName,
    jobVersion: id.jobVersion,
  };
  if (pod.metadata.name) req.podName = pod.metadata.name;
  if (pod.metadata.uid) req.podUid = pod.metadata.uid;
  const partition = pod.metadata.labels?.[PARTITION_ID_LABEL];
  if (partition !== undefined) req.partitionId = partition;
  return req;
}

export function podAddedRequest(pod: Pod): JobRequest | undefined {
  const id = jobPodIdentity(pod);
  if (!id) return undefined;
  const phase = pod.status?.phase ?? 'Pending';
  return { ...baseRequest(pod, id), event: phase === 'Pending' ? 'PodPending' : 'OutOfSync' };
}

/** Exit code of the first container, where exit-code policies look. */
export function firstExitCode(pod: Pod): number | undefined {
  const statuses = pod.status?.containerStatuses as { state?: { terminated?: { exitCode?: number } } }[] | undefined;
  return statuses?.[0]?.state?.terminated?.exitCode;
}

function restartCount(pod: Pod): number {
  let n = 0;
  for (const key of ['containerStatuses', 'initContainerStatuses']) {
    const list = pod.status?.[key] as { restartCount?: number }[] | undefined;
    for (const s of list ?? []) n += s.restartCount ?? 0;
  }
  return n;
}

/**
 * The request for a pod update. `job` and the job's pods (the cache's view, including the new pod;
 * read only when needed) decide TaskCompleted and TaskFailed. TaskFailed is raised when a restart of
 * this pod brings the task's restarts to its maxRetry, not again on every later update.
 */
export function podUpdatedRequest(old: Pod, pod: Pod, job: Job | undefined, jobPods: readonly Pod[] | (() => readonly Pod[])): JobRequest | undefined {
  const podsOfJob = typeof jobPods === 'function' ? jobPods : () => jobPods;
  const id = jobPodIdentity(pod);
  if (!id) return undefined;
  const base = baseRequest(pod, id);
  if (pod.metadata.annotations?.[CONTROLLER_OUT_OF_SYNC_ANNOTATION] !== undefined) return { ...base, event: 'OutOfSync' };
  const before = old.status?.phase ?? 'Pending';
  const after = pod.status?.phase ?? 'Pending';
  const task = job ? findTask(job, id.taskName) : undefined;
  if (before !== after) {
    switch (after) {
      case 'Failed': {
        const exitCode = firstExitCode(pod);
        return exitCode === undefined ? { ...base, event: 'PodFailed' } : { ...base, event: 'PodFailed', exitCode };
      }
      case 'Succeeded': {
        if (task) {
          const done = podsOfJob().filter((p) => podTaskName(p) === id.taskName && p.status?.phase === 'Succeeded').length;
          if (done >= replicasOf(task)) return { ...base, event: 'TaskCompleted' };
        }
        return { ...base, event: 'OutOfSync' };
      }
      case 'Running':
        return { ...base, event: 'PodRunning' };
      case 'Pending':
        return { ...base, event: 'PodPending' };
      default:
        return { ...base, event: 'OutOfSync' };
    }
  }
  if ((after === 'Running' || after === 'Pending') && task && restartCount(pod) > restartCount(old)) {
    // Volcano's task maxRetry counts container restarts (restartPolicy OnFailure/Always); -1 = unlimited.
    const max = task.maxRetry ?? 3;
    if (max >= 0) {
      const restarts = podsOfJob()
        .filter((p) => podTaskName(p) === id.taskName && (p.status?.phase === 'Running' || p.status?.phase === 'Pending'))
        .reduce((n, p) => n + restartCount(p), 0);
      if (restarts > 0 && restarts >= max) return { ...base, event: 'TaskFailed' };
    }
  }
  return { ...base, event: 'OutOfSync' };
}

/** A pod the controller did not mark for deletion and that disappeared was evicted. */
export function podDeletedRequest(pod: Pod): JobRequest | undefined {
  const id = jobPodIdentity(pod);
  if (!id) return undefined;
  const marked = pod.metadata.annotations?.[CONTROLLER_OUT_OF_SYNC_ANNOTATION] !== undefined;
  return { ...baseRequest(pod, id), event: marked ? 'OutOfSync' : 'PodEvicted' };
}

/** Job add, or an update that changed the spec or the phase. */
export function jobChangedRequest(old: Job | undefined, job: Job): JobRequest | undefined {
  if (old) {
    const specSame = JSON.stringify(old.spec) === JSON.stringify(job.spec);
    const phaseSame = old.status?.state?.phase === job.status?.state?.phase;
    if (specSame && phaseSame && old.metadata.deletionTimestamp === job.metadata.deletionTimestamp) return undefined;
  }
  const req: JobRequest = { namespace: job.metadata.namespace ?? 'default', jobName: job.metadata.name ?? '', event: 'OutOfSync' };
  if (job.metadata.uid) req.jobUid = job.metadata.uid;
  return req;
}

/** A PodGroup phase change wakes its job: `Unknown` is an event policies can match. */
export function podGroupChangedRequest(old: PodGroup | undefined, pg: PodGroup): JobRequest | undefined {
  const before = old?.status?.phase;
  const after = pg.status?.phase;
  if (old && before === after) return undefined;
  const owner = (pg.metadata.ownerReferences ?? []).find((o) => o.controller && o.kind === JOB_KIND);
  if (!owner) return undefined;
  const req: JobRequest = {
    namespace: pg.metadata.namespace ?? 'default',
    jobName: owner.name,
    jobUid: owner.uid,
    event: after === 'Unknown' ? 'Unknown' : 'OutOfSync',
  };
  return req;
}

