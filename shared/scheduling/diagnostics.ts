// Why is a job pending? Computed at the end of the cycle from the final state: job-level reasons
// the actions recorded (admission, queue limits, validity), and for every domain (or, at the
// agent, the whole cluster) either why the domain refused the job or, node by node, why the
// gang's tasks do not fit there, as a Kubernetes-style reason histogram.

import type { PodGroupPhase } from '../api/podgroup.js';
import type { JobInfo } from './job-info.js';
import type { FitSummary, Scope } from './node-search.js';
import type { Session } from './session.js';
import type { TaskShape } from './task-shape.js';

export interface DomainDiagnosis {
  /** The domain (member cluster); undefined at the agent level, where the scope is every node. */
  readonly domain: string | undefined;
  /** The domain refused the job outright (not ready, cordoned, excluded by annotations, ...). */
  readonly refused?: string;
  /** Nodes in the domain, and nodes where the next task would fit. */
  readonly nodes: number;
  readonly availableNodes: number;
  /** Reasons with the number of nodes each applies to, most frequent first. */
  readonly reasons: readonly { readonly reason: string; readonly nodes: number }[];
  /** e.g. `0/12 nodes are available: 12 Insufficient nvidia.com/gpu` */
  readonly message: string;
  /**
   * For the first of the gang's unplaced task shapes that does not fit: how many of its pods would
   * fit in this domain now, and how many are needed (both 0 when the domain refused the job).
   * "10 of 12 pods fit" says more than the node histogram alone.
   */
  readonly fittingPods: number;
  readonly neededPods: number;
}

export interface JobDiagnosis {
  readonly job: string;
  readonly namespace: string;
  readonly name: string;
  readonly phase: PodGroupPhase;
  /** minMember − (ready + pipelined) tasks, at least 0. */
  readonly unschedulableTasks: number;
  readonly totalTasks: number;
  /** Job-level reasons (admission, queue, validity). */
  readonly reasons: readonly string[];
  readonly domains: readonly DomainDiagnosis[];
  /** One line: `3/4 tasks in gang unschedulable: 0/12 nodes are available: 12 Insufficient nvidia.com/gpu` */
  readonly message: string;
}

const caches = new WeakMap<Session, { jobs: Map<JobInfo, JobDiagnosis>; fits: Map<string, FitSummary> }>();

export function diagnoseJob(ssn: Session, job: JobInfo): JobDiagnosis {
  let cache = caches.get(ssn);
  if (cache === undefined) caches.set(ssn, (cache = { jobs: new Map(), fits: new Map() }));
  let out = cache.jobs.get(job);
  if (out === undefined) {
    out = diagnose(ssn, job, cache.fits);
    cache.jobs.set(job, out);
  }
  return out;
}

function diagnose(ssn: Session, job: JobInfo, fits: Map<string, FitSummary>): JobDiagnosis {
  const unschedulable = Math.max(0, job.minMember - job.counts.ready - job.counts.waiting);
  const reasons = [...ssn.notesFor(job)];
  const needs = neededShapes(ssn, job, Math.max(1, unschedulable));
  const domains: DomainDiagnosis[] = [];
  if (job.isPending && reasons.length === 0) reasons.push('waiting to be admitted (enqueue)');
  if (!job.isPending && needs.length > 0) {
    if (ssn.domainMode) {
      const placed = job.placedDomain;
      for (const scope of ssn.domainScopes) {
        const d = scope.domain!;
        const refused = placed !== undefined && placed !== d ? `gang already placed in cluster ${placed.name}` : ssn.domainFilter(job, d);
        if (refused !== undefined) {
          domains.push({ domain: d.name, refused, nodes: d.nodeCount, availableNodes: 0, reasons: [{ reason: refused, nodes: d.nodeCount }], message: refused, fittingPods: 0, neededPods: 0 });
        } else {
          domains.push(fromSummary(d.name, fitOf(ssn, needs, scope, fits)));
        }
      }
    } else {
      domains.push(fromSummary(undefined, fitOf(ssn, needs, ssn.globalScope, fits)));
    }
  }
  const parts: string[] = [];
  if (domains.length === 1 && domains[0]!.domain === undefined) parts.push(domains[0]!.message);
  else if (domains.length > 0) parts.push(groupByMessage(domains));
  parts.push(...reasons);
  const text = parts.length === 0 ? 'all nodes are unavailable' : parts.join('; ');
  return {
    job: job.id,
    namespace: job.namespace,
    name: job.name,
    phase: job.phase,
    unschedulableTasks: unschedulable,
    totalTasks: job.tasks.length,
    reasons,
    domains,
    message: `${unschedulable}/${job.tasks.length} tasks in gang unschedulable: ${text}`,
  };
}

/** The pending task shapes the gang still needs, with how many of each (in task order). */
function neededShapes(ssn: Session, job: JobInfo, count: number): { shape: TaskShape; needed: number }[] {
  const out = new Map<TaskShape, number>();
  let left = count;
  for (const t of ssn.sortedTasks(job)) {
    if (left === 0) break;
    if (t.status !== 'Pending') continue;
    out.set(t.shape, (out.get(t.shape) ?? 0) + 1);
    left--;
  }
  return [...out].map(([shape, needed]) => ({ shape, needed }));
}

/** The first needed shape that does not fit as many times as needed (else the first shape). */
function fitOf(ssn: Session, needs: { shape: TaskShape; needed: number }[], scope: Scope, fits: Map<string, FitSummary>): FitSummary {
  let first: FitSummary | undefined;
  for (const { shape, needed } of needs) {
    const key = `${shape.id}/${scope.id}/${needed}`;
    let s = fits.get(key);
    if (s === undefined) fits.set(key, (s = ssn.search.summary(shape, scope, needed)));
    first ??= s;
    if (s.available === 0) return s;
  }
  return first!;
}

function fromSummary(domain: string | undefined, s: FitSummary): DomainDiagnosis {
  return {
    domain,
    nodes: s.total,
    availableNodes: s.available,
    reasons: s.reasons.map(([reason, nodes]) => ({ reason, nodes })),
    message: s.message,
    fittingPods: s.fitting,
    neededPods: s.needed,
  };
}

/** `a, b: <message>; c: <message>` with domains of equal message grouped, at most 10 groups. */
function groupByMessage(domains: readonly DomainDiagnosis[]): string {
  const groups = new Map<string, string[]>();
  for (const d of domains) {
    let names = groups.get(d.message);
    if (names === undefined) groups.set(d.message, (names = []));
    names.push(d.domain ?? '');
  }
  const parts = [...groups].map(([message, names]) => `${names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ')}: ${message}`);
  return parts.length > 10 ? `${parts.slice(0, 10).join('; ')}; ...` : parts.join('; ');
}
