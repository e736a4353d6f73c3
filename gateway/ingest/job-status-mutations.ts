/**
 * How federation facts are written into a vcjob. Placement facts go in `caldera.dev/…`
 * annotations and in typed conditions (`type` Placed, Unschedulable, Requeued); the member's
 * Volcano status (phase, pod counts, the phase history) is mirrored as it reports it. Each function
 * returns a mutation for `JobStatusWriter`; each returns false when the job already says so.
 */
import type { Job, JobCondition, JobPhase, JobStatus } from '../../shared/api/job.js';
import {
  CALDERA_ATTEMPT_ANNOTATION,
  CALDERA_CLUSTER_ANNOTATION,
  CALDERA_EPOCH_ANNOTATION,
  CALDERA_UID_ANNOTATION,
} from '../../shared/api/well-known.js';
import type { JobStatusMessage } from '../../shared/messages/report-messages.js';
import type { JobMutation } from './job-status-writer.js';

/** Caldera's own condition types, kept beside the member's phase history. */
export type FederationConditionType =
  | 'Placed' // the gang was placed on a member cluster
  | 'Unschedulable' // the gang fits nowhere right now; the message says why, cluster by cluster
  | 'Requeued'; // the gang was taken back from its member and waits in its queue again

interface TypedCondition extends JobCondition {
  type: FederationConditionType;
  reason: string;
  message: string;
}

function typed(c: JobCondition): c is TypedCondition {
  return typeof (c as { type?: unknown }).type === 'string';
}

function statusOf(job: Job): JobStatus {
  job.status ??= {};
  return job.status;
}

function phaseOf(job: Job): JobPhase {
  return job.status?.state?.phase ?? 'Pending';
}

/** Sets (replaces by type) one typed condition; false when it already reads the same. */
function setCondition(job: Job, c: { type: FederationConditionType; reason: string; message: string }, now: string, drop: FederationConditionType[] = []): boolean {
  const status = statusOf(job);
  const list = status.conditions ?? [];
  const old = list.find((x) => typed(x) && x.type === c.type) as TypedCondition | undefined;
  const stale = list.some((x) => typed(x) && drop.includes(x.type));
  if (old && old.reason === c.reason && old.message === c.message && old.status === phaseOf(job) && !stale) return false;
  const next: TypedCondition = { type: c.type, status: phaseOf(job), reason: c.reason, message: c.message, lastTransitionTime: now };
  status.conditions = [...list.filter((x) => !(typed(x) && (x.type === c.type || drop.includes(x.type)))), next];
  return true;
}

function setAnnotations(job: Job, values: Record<string, string | undefined>): boolean {
  const ann = { ...job.metadata.annotations };
  let changed = false;
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) {
      if (k in ann) { delete ann[k]; changed = true; }
    } else if (ann[k] !== v) {
      ann[k] = v;
      changed = true;
    }
  }
  if (changed) job.metadata.annotations = ann;
  return changed;
}

export function placedMutation(opts: { cluster: string; epoch: number; attempt: number; uid: string; now: string }): JobMutation {
  return (job) => {
    const a = setAnnotations(job, {
      [CALDERA_CLUSTER_ANNOTATION]: opts.cluster,
      [CALDERA_EPOCH_ANNOTATION]: String(opts.epoch),
      [CALDERA_ATTEMPT_ANNOTATION]: String(opts.attempt),
      [CALDERA_UID_ANNOTATION]: opts.uid,
    });
    const status = statusOf(job);
    let s = false;
    if (status.state === undefined) {
      status.state = { phase: 'Pending', lastTransitionTime: opts.now };
      s = true;
    }
    const c = setCondition(job, {
      type: 'Placed', reason: 'Placed',
      message: `placed on cluster ${opts.cluster} (epoch ${opts.epoch}, attempt ${opts.attempt})`,
    }, opts.now, ['Unschedulable']);
    return a || s || c;
  };
}

export function unschedulableMutation(opts: { reason: string; message: string; now: string }): JobMutation {
  return (job) => {
    const status = statusOf(job);
    let s = false;
    if (status.state === undefined) {
      status.state = { phase: 'Pending', lastTransitionTime: opts.now };
      s = true;
    }
    return setCondition(job, { type: 'Unschedulable', reason: opts.reason, message: opts.message }, opts.now) || s;
  };
}

export function requeuedMutation(opts: { reason: string; message: string; epoch: number; attempt: number; now: string }): JobMutation {
  return (job) => {
    const a = setAnnotations(job, {
      [CALDERA_CLUSTER_ANNOTATION]: undefined,
      [CALDERA_EPOCH_ANNOTATION]: String(opts.epoch),
      [CALDERA_ATTEMPT_ANNOTATION]: String(opts.attempt),
    });
    const status = statusOf(job);
    status.state = { phase: 'Pending', reason: opts.reason, message: opts.message, lastTransitionTime: opts.now };
    for (const k of ['pending', 'running', 'succeeded', 'failed', 'terminating', 'unknown'] as const) delete status[k];
    setCondition(job, { type: 'Requeued', reason: opts.reason, message: opts.message }, opts.now, ['Placed']);
    return a || true;
  };
}

export function failedMutation(opts: { reason: string; message: string; now: string }): JobMutation {
  return (job) => {
    const status = statusOf(job);
    if (status.state?.phase === 'Failed' && status.state.reason === opts.reason) return false;
    status.state = { phase: 'Failed', reason: opts.reason, message: opts.message, lastTransitionTime: opts.now };
    status.conditions = [...(status.conditions ?? []), { status: 'Failed', lastTransitionTime: opts.now }];
    setAnnotations(job, { [CALDERA_CLUSTER_ANNOTATION]: undefined });
    return true;
  };
}

/** Mirrors the member's status report: phase, counts, retry count, and its phase history. */
export function mirrorMutation(report: JobStatusMessage, now: string): JobMutation {
  return (job) => {
    const status = statusOf(job);
    const before = JSON.stringify(status);
    const last = report.conditions[report.conditions.length - 1];
    status.state = {
      phase: report.phase,
      ...(report.reason !== undefined ? { reason: report.reason } : {}),
      ...(report.message !== undefined ? { message: report.message } : {}),
      lastTransitionTime: status.state?.phase === report.phase ? status.state.lastTransitionTime ?? now : last?.lastTransitionTime ?? now,
    };
    status.pending = report.counts.pending;
    status.running = report.counts.running;
    status.succeeded = report.counts.succeeded;
    status.failed = report.counts.failed;
    status.terminating = report.counts.terminating;
    status.unknown = report.counts.unknown;
    status.retryCount = report.retryCount;
    if (report.minAvailable !== undefined) status.minAvailable = report.minAvailable;
    if (report.version !== undefined) status.version = report.version;
    const ours = (status.conditions ?? []).filter(typed);
    status.conditions = [...report.conditions.map((c) => ({ status: c.status, lastTransitionTime: c.lastTransitionTime })), ...ours];
    return JSON.stringify(status) !== before;
  };
}
