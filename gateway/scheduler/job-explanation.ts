/**
 * Why a gang is pending, in two forms: one line for the job's Unschedulable condition, and the
 * structured `JobExplanation` that `GET …/jobs/{name}/explain` serves. Both come from the cycle's
 * diagnosis: job-level reasons (admission, queue overused or closed) and, cluster by cluster, why
 * the cluster refused the gang (not ready, cordoned, selector mismatch) or on how many nodes which
 * resource is short.
 */
import type { JobDiagnosis } from '../../shared/scheduling/diagnostics.js';
import type { ExplainReason, JobExplanationRecord } from '../store/records.js';

export const JOB_EXPLANATION_KIND = 'JobExplanation';
export const JOB_EXPLANATION_API_VERSION = 'caldera.dev/v1alpha1';

export interface ClusterExplanation {
  cluster: string;
  /** the cluster has room for the gang now (it waits for another reason, e.g. its queue) */
  fits: boolean;
  message: string;
  reasons: Array<{ reason: string; message: string; nodes?: number }>;
  /** of the gang's pods still to place (first short task shape): how many fit here now, and how many are needed */
  pods?: { fitting: number; needed: number };
}

/** The structured form; stored as the job's explain record (it extends JobExplanationRecord). */
export interface JobExplanation extends JobExplanationRecord {
  kind: typeof JOB_EXPLANATION_KIND;
  apiVersion: typeof JOB_EXPLANATION_API_VERSION;
  job: { namespace: string; name: string; uid: string };
  phase: string;
  message: string;
  cycle: number;
  clusters: ClusterExplanation[];
}

/** A machine reason for a domain refusal message from the domain plugin. */
function refusalReason(message: string): string {
  if (message.includes('not ready')) return 'ClusterNotReady';
  if (message.includes('cordoned')) return 'ClusterCordoned';
  if (message.includes('caldera.dev/clusters')) return 'ClusterNotListed';
  if (message.includes('cluster-selector')) return message.startsWith('invalid') ? 'InvalidClusterSelector' : 'ClusterSelectorMismatch';
  if (message.includes('already placed')) return 'GangPlacedElsewhere';
  return 'ClusterRefused';
}

/** `Insufficient cpu` → `InsufficientCpu`; other node reasons keep their words, without spaces. */
function nodeReason(reason: string): string {
  return reason.split(/[^A-Za-z0-9]+/).filter((w) => w !== '').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function jobReason(message: string): string {
  if (message.includes('overused') || message.includes('exceeding its share')) return 'QueueOverused';
  if (message.includes('closed')) return 'QueueClosed';
  if (message.includes('does not exist')) return 'QueueNotFound';
  if (message.includes('admitted')) return 'NotAdmitted';
  if (message.includes('valid')) return 'InvalidGang';
  return 'Unschedulable';
}

export function explainJob(opts: {
  diagnosis: JobDiagnosis;
  uid: string;
  cycle: number;
  now: number;
  /** extra job-level reasons known to the gateway (e.g. a closed queue) */
  extraReasons?: readonly string[];
}): JobExplanation {
  const d = opts.diagnosis;
  const jobLevel = [...(opts.extraReasons ?? []), ...d.reasons];
  const clusters: ClusterExplanation[] = d.domains.map((dom) => {
    const cluster = dom.domain ?? '';
    if (dom.refused !== undefined) {
      return { cluster, fits: false, message: dom.refused, reasons: [{ reason: refusalReason(dom.refused), message: dom.refused }] };
    }
    const fits = dom.availableNodes > 0 && dom.reasons.length === 0;
    // "2/3 pods fit; then ..." tells a user how far the cluster is from taking the gang
    const partial = !fits && dom.fittingPods > 0 && dom.fittingPods < dom.neededPods;
    return {
      cluster,
      fits,
      message: partial ? `${dom.fittingPods}/${dom.neededPods} pods fit; then ${dom.message}` : dom.message,
      pods: { fitting: dom.fittingPods, needed: dom.neededPods },
      reasons: dom.reasons.map((r) => ({ reason: nodeReason(r.reason), message: `${r.reason} on ${r.nodes} node(s)`, nodes: r.nodes })),
    };
  });
  const flat: ExplainReason[] = [
    ...jobLevel.map((m) => ({ reason: jobReason(m), message: m })),
    ...clusters.flatMap((c) => c.reasons.map((r) => ({ cluster: c.cluster, reason: r.reason, message: r.message }))),
  ];
  const message = opts.extraReasons && opts.extraReasons.length > 0
    ? `${d.message}; ${opts.extraReasons.join('; ')}`
    : d.message;
  return {
    kind: JOB_EXPLANATION_KIND,
    apiVersion: JOB_EXPLANATION_API_VERSION,
    uid: opts.uid,
    job: { namespace: d.namespace, name: d.name, uid: opts.uid },
    phase: 'Pending',
    message,
    cycle: opts.cycle,
    evaluatedAt: new Date(opts.now).toISOString(),
    reasons: flat,
    clusters,
  };
}
