/**
 * One unit of work for the job controller. Requests for the same job are handled one at a time, in
 * arrival order; a request names what happened (`event`) and, for commands and delayed actions, what
 * to do (`action`).
 */
import type { JobAction, JobEvent } from '../../../shared/api/job.js';

export interface JobRequest {
  namespace: string;
  jobName: string;
  /** uid of the job the event belongs to; a stale job of the same name is not acted on */
  jobUid?: string;
  taskName?: string;
  podName?: string;
  podUid?: string;
  partitionId?: string;
  event: JobEvent;
  /** set for commands and delayed actions: bypasses the lifecycle policies */
  action?: JobAction;
  /** exit code of the first container, for PodFailed */
  exitCode?: number;
  /** `volcano.sh/job-version` of the pod the event came from */
  jobVersion?: number;
  /** a human reason carried into the job's state (commands) */
  reason?: string;
  message?: string;
}

export function jobKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function requestKey(req: Pick<JobRequest, 'namespace' | 'jobName'>): string {
  return jobKey(req.namespace, req.jobName);
}
