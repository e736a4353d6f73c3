/**
 * Which action a request leads to: a command's own action; SyncJob for internal or stale events;
 * otherwise the first matching task policy, then the first matching job policy, then SyncJob.
 */
import type { Job, JobAction, JobEvent, LifecyclePolicy } from '../../../shared/api/job.js';
import { parseGoDuration } from './go-duration.js';
import type { JobRequest } from './job-request.js';

export interface PolicyDecision {
  action: JobAction;
  /** run the action after this many milliseconds (the policy's timeout) */
  delayMs?: number;
  /** where the action came from: a command, a task policy, a job policy or the default */
  source: 'command' | 'task-policy' | 'job-policy' | 'default';
}

const INTERNAL_EVENTS: ReadonlySet<JobEvent> = new Set<JobEvent>(['OutOfSync', 'CommandIssued', 'PodRunning']);

export function applyPolicies(job: Job, req: JobRequest): PolicyDecision {
  if (req.action) return { action: req.action, source: 'command' };
  const sync: PolicyDecision = { action: 'SyncJob', source: 'default' };
  if (INTERNAL_EVENTS.has(req.event)) return sync;
  if (req.jobUid !== undefined && job.metadata.uid !== undefined && req.jobUid !== job.metadata.uid) return sync;
  if (req.jobVersion !== undefined && req.jobVersion < (job.status?.version ?? 0)) return sync;

  if (req.taskName !== undefined) {
    const task = (job.spec.tasks ?? []).find((t) => t.name === req.taskName);
    const hit = firstMatch(task?.policies, req);
    if (hit) return { ...hit, source: 'task-policy' };
  }
  const hit = firstMatch(job.spec.policies, req);
  if (hit) return { ...hit, source: 'job-policy' };
  return sync;
}

function firstMatch(policies: readonly LifecyclePolicy[] | undefined, req: JobRequest): { action: JobAction; delayMs?: number } | undefined {
  for (const policy of policies ?? []) {
    if (matches(policy, req)) {
      const delayMs = parseGoDuration(policy.timeout);
      return delayMs !== undefined && delayMs > 0 ? { action: policy.action, delayMs } : { action: policy.action };
    }
  }
  return undefined;
}

function matches(policy: LifecyclePolicy, req: JobRequest): boolean {
  const events = policyEvents(policy);
  if (events.length > 0) {
    if (events.includes(req.event) || events.includes('*')) {
      // A PodPending policy only means something with a timeout: "pending for longer than X".
      if (req.event === 'PodPending' && !(parseGoDuration(policy.timeout) ?? 0)) return false;
      return true;
    }
    return false;
  }
  return policy.exitCode !== undefined && req.exitCode !== undefined && policy.exitCode === req.exitCode;
}

export function policyEvents(policy: LifecyclePolicy): JobEvent[] {
  const out: JobEvent[] = [];
  if (policy.event) out.push(policy.event);
  for (const e of policy.events ?? []) out.push(e);
  return out;
}

/** How far a restart-like action reaches, for cancelling delayed actions of the same kind. */
export type ActionScope = 'job' | 'task' | 'pod' | 'partition' | 'internal';

export function actionScope(action: JobAction): ActionScope {
  switch (action) {
    case 'AbortJob':
    case 'RestartJob':
    case 'TerminateJob':
    case 'CompleteJob':
    case 'ResumeJob':
      return 'job';
    case 'RestartTask':
      return 'task';
    case 'RestartPod':
      return 'pod';
    case 'RestartPartition':
      return 'partition';
    default:
      return 'internal';
  }
}
