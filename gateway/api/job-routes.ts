/**
 * `batch.volcano.sh/v1alpha1` jobs: create (admission, then an atomic create-if-absent), get,
 * list and watch, update and patch (admission's update rules, resourceVersion preconditions),
 * delete (a placed job is marked for termination; a never-placed one goes at once), and explain.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { admitJob } from '../../shared/admission/index.js';
import { JOB_API_GROUP, JOB_API_VERSION, type Job, type JobStatus } from '../../shared/api/job.js';
import type { Clock } from '../../shared/clock.js';
import { badRequest, notFound, StatusError } from '../../shared/errors/status.js';
import { jobKey } from '../store/keys.js';
import type { GatewayStore } from '../store/gateway-store.js';
import { CALDERA_API_VERSION, TERMINATE_ANNOTATION } from '../store/records.js';
import { principalOf, requireNamespace, requireQueue } from './access.js';
import { QueueDirectory } from './queue-directory.js';
import { inScope } from '../auth/authenticator.js';
import { checkIdentity, dryRun, isObject, metaOf, newObjectMeta, rfc3339, updatedObjectMeta } from './object-meta.js';
import { applyPatch } from './patch.js';
import { patchBody, singleObject } from './request-body.js';
import { respond } from './respond.js';
import { labelSelector, matchesFields, parseFieldSelector } from './selectors.js';
import { age, tableRow, toTable, wantsTable, type TableColumn } from './table.js';
import { serveWatch } from './watch-stream.js';

const JOB_COLUMNS: ReadonlyArray<TableColumn<Job>> = [
  { name: 'Status', type: 'string', description: 'status.state.phase', cell: (j) => j.status?.state?.phase ?? '' },
  { name: 'MinAvailable', type: 'integer', description: 'gang size', cell: (j) => j.status?.minAvailable ?? j.spec.minAvailable ?? 0 },
  { name: 'Runnings', type: 'integer', description: 'running pods', cell: (j) => j.status?.running ?? 0 },
  { name: 'Age', type: 'date', description: 'time since creation', cell: (j, now) => age(j.metadata, now) },
  { name: 'Queue', type: 'string', description: 'spec.queue', cell: (j) => j.spec.queue ?? '' },
];

export const JOBS_BASE = '/apis/batch.volcano.sh/v1alpha1';

export interface JobRoutesOptions {
  store: GatewayStore;
  clock: Clock;
  /** queue facts for admission (default: one of its own) */
  queues?: QueueDirectory;
}

interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: string;
  continue?: string;
  watch?: string;
  resourceVersion?: string;
  timeoutSeconds?: string;
  dryRun?: string;
}

type NsParams = { ns: string };
type NameParams = { ns: string; name: string };

function isWatch(q: ListQuery): boolean {
  return q.watch === 'true' || q.watch === '1';
}

function parseLimit(limit: string | undefined): number | undefined {
  if (limit === undefined || limit === '') return undefined;
  if (!/^\d+$/.test(limit)) throw new StatusError(badRequest(`invalid limit "${limit}": must be a non-negative integer`));
  const n = Number(limit);
  return n === 0 ? undefined : n;
}

function initialStatus(job: Job, clock: Clock): JobStatus {
  const now = rfc3339(clock);
  return {
    state: { phase: 'Pending', lastTransitionTime: now },
    minAvailable: job.spec.minAvailable ?? 0,
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    terminating: 0,
    unknown: 0,
    version: 0,
    retryCount: 0,
    conditions: [{ status: 'Pending', lastTransitionTime: now }],
  };
}

function jobList(items: Job[], page: { resourceVersion: string; continue?: string; remainingItemCount?: number }) {
  const metadata: Record<string, unknown> = { resourceVersion: page.resourceVersion };
  if (page.continue !== undefined) metadata.continue = page.continue;
  if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  return { kind: 'JobList', apiVersion: JOB_API_VERSION, metadata, items };
}

function jobQueue(x: unknown): string {
  const spec = isObject(x) && isObject(x.spec) ? x.spec : undefined;
  const q = spec?.queue;
  return typeof q === 'string' && q !== '' ? q : 'default';
}

function specChanged(a: Job, b: Job): boolean {
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec);
}

export function registerJobRoutes(app: FastifyInstance, opts: JobRoutesOptions): void {
  const { store, clock } = opts;
  const queues = opts.queues ?? new QueueDirectory(store);
  if (opts.queues === undefined) app.addHook('onClose', async () => queues.close());

  async function list(req: FastifyRequest<{ Querystring: ListQuery }>, reply: FastifyReply, namespace: string | undefined) {
    const p = principalOf(req);
    const q = req.query;
    if (namespace !== undefined) requireNamespace(req, namespace, isWatch(q) ? 'watch' : 'list');
    const labels = labelSelector(q.labelSelector);
    const fields = parseFieldSelector(q.fieldSelector, ['metadata.name', 'metadata.namespace']);
    const matches = (j: Job) =>
      (namespace === undefined || j.metadata.namespace === namespace) &&
      inScope(p.namespaces, j.metadata.namespace ?? '') &&
      labels(j.metadata.labels) &&
      matchesFields(fields, { 'metadata.name': j.metadata.name, 'metadata.namespace': j.metadata.namespace });
    if (isWatch(q)) {
      return serveWatch<Job>(req, reply, {
        store,
        kind: 'job',
        resourceVersion: q.resourceVersion,
        timeoutSeconds: q.timeoutSeconds,
        list: () => store.listJobs({ namespace, filter: matches }),
        keyOf: (j) => jobKey(j.metadata.namespace ?? '', j.metadata.name ?? ''),
        matches,
        ...(wantsTable(req) ? { render: (j: Job, first: boolean) => tableRow(j, JOB_COLUMNS, first, clock.now()) } : {}),
      });
    }
    const page = await store.listJobs({ namespace, limit: parseLimit(q.limit), continue: q.continue, filter: matches });
    const list = jobList(page.items, page);
    if (wantsTable(req)) return respond(req, reply, 200, toTable(page.items, JOB_COLUMNS, list.metadata, clock.now()));
    return respond(req, reply, 200, list);
  }

  app.get<{ Querystring: ListQuery }>(`${JOBS_BASE}/jobs`, (req, reply) => list(req, reply, undefined));
  app.get<{ Params: NsParams; Querystring: ListQuery }>(`${JOBS_BASE}/namespaces/:ns/jobs`, (req, reply) => list(req, reply, req.params.ns));

  app.post<{ Params: NsParams; Querystring: ListQuery }>(`${JOBS_BASE}/namespaces/:ns/jobs`, async (req, reply) => {
    const namespace = req.params.ns;
    requireNamespace(req, namespace, 'create');
    const isDryRun = dryRun(req.query);
    const body = singleObject(req);
    checkIdentity(metaOf(body), { namespace });
    const queueName = jobQueue(body);
    requireQueue(req, queueName);
    const admitted = admitJob(body, { operation: 'CREATE', lookupQueue: await queues.lookupFor(queueName) });
    if (!admitted.ok) throw new StatusError(admitted.status);
    const job = admitted.job;
    job.metadata = newObjectMeta(job.metadata, { clock, namespace });
    job.status = initialStatus(job, clock);
    if (isDryRun) return respond(req, reply, 201, job);
    const stored = await store.createJob(job);
    req.log.info({ job: jobKey(namespace, stored.metadata.name ?? ''), queue: stored.spec.queue }, 'job created');
    return respond(req, reply, 201, stored);
  });

  async function getStored(namespace: string, name: string): Promise<Job> {
    const job = await store.getJob(namespace, name);
    if (job === undefined) throw new StatusError(notFound('Job', name, JOB_API_GROUP));
    return job;
  }

  app.get<{ Params: NameParams }>(`${JOBS_BASE}/namespaces/:ns/jobs/:name`, async (req, reply) => {
    requireNamespace(req, req.params.ns, 'get');
    const job = await getStored(req.params.ns, req.params.name);
    if (wantsTable(req)) return respond(req, reply, 200, toTable([job], JOB_COLUMNS, { resourceVersion: job.metadata.resourceVersion }, clock.now()));
    return respond(req, reply, 200, job);
  });

  app.get<{ Params: NameParams }>(`${JOBS_BASE}/namespaces/:ns/jobs/:name/status`, async (req, reply) => {
    requireNamespace(req, req.params.ns, 'get');
    return respond(req, reply, 200, await getStored(req.params.ns, req.params.name));
  });

  /** admission's update rules plus the fields the server owns; returns the job to write */
  function prepareUpdate(req: FastifyRequest, input: unknown, old: Job): Job {
    checkIdentity(metaOf(input), { name: old.metadata.name, namespace: old.metadata.namespace });
    const admitted = admitJob(input, { operation: 'UPDATE', old });
    if (!admitted.ok) throw new StatusError(admitted.status);
    const next = admitted.job;
    requireQueue(req, next.spec.queue ?? 'default');
    next.metadata = updatedObjectMeta(next.metadata, old.metadata, { specChanged: specChanged(old, next), keepAnnotations: [TERMINATE_ANNOTATION] });
    // status belongs to the scheduler and the members; writes to the main resource keep it
    if (old.status !== undefined) next.status = old.status;
    else delete next.status;
    return next;
  }

  app.put<{ Params: NameParams; Querystring: ListQuery }>(`${JOBS_BASE}/namespaces/:ns/jobs/:name`, async (req, reply) => {
    requireNamespace(req, req.params.ns, 'update');
    const isDryRun = dryRun(req.query);
    const body = singleObject(req);
    const old = await getStored(req.params.ns, req.params.name);
    const next = prepareUpdate(req, body, old);
    const rv = metaOf(body)?.resourceVersion;
    if (isDryRun) return respond(req, reply, 200, next);
    const stored = await store.updateJob(next, { resourceVersion: rv === '' ? undefined : rv, uid: old.metadata.uid });
    return respond(req, reply, 200, stored);
  });

  app.patch<{ Params: NameParams; Querystring: ListQuery }>(`${JOBS_BASE}/namespaces/:ns/jobs/:name`, async (req, reply) => {
    requireNamespace(req, req.params.ns, 'patch');
    const isDryRun = dryRun(req.query);
    const { kind, patch } = patchBody(req);
    // A patch without its own resourceVersion applies to whatever is current: retry on a race.
    for (let attempt = 0; ; attempt++) {
      const old = await getStored(req.params.ns, req.params.name);
      const patched = applyPatch(kind, old, patch);
      const next = prepareUpdate(req, patched, old);
      const rv = metaOf(patched)?.resourceVersion;
      if (isDryRun) return respond(req, reply, 200, next);
      try {
        const stored = await store.updateJob(next, { resourceVersion: rv, uid: old.metadata.uid });
        return respond(req, reply, 200, stored);
      } catch (err) {
        const raced = err instanceof StatusError && err.status.reason === 'Conflict' && rv === old.metadata.resourceVersion && attempt < 5;
        if (!raced) throw err;
      }
    }
  });

  app.delete<{ Params: NameParams; Querystring: ListQuery }>(`${JOBS_BASE}/namespaces/:ns/jobs/:name`, async (req, reply) => {
    const { ns, name } = req.params;
    const p = requireNamespace(req, ns, 'delete');
    const isDryRun = dryRun(req.query);
    const options = deleteOptions(req);
    const job = await getStored(ns, name);
    const marked: Job = structuredClone(job);
    marked.metadata.deletionTimestamp ??= rfc3339(clock);
    marked.metadata.deletionGracePeriodSeconds ??= 0;
    marked.metadata.annotations = { ...marked.metadata.annotations, [TERMINATE_ANNOTATION]: 'true' };
    if (isDryRun) return respond(req, reply, 200, marked);
    const r = await store.requestJobDeletion(ns, name, { marked, pre: { uid: options.uid ?? job.metadata.uid, resourceVersion: options.resourceVersion } });
    req.log.info({ job: jobKey(ns, name), outcome: r.outcome, subject: p.subject }, 'job delete requested');
    return respond(req, reply, r.outcome === 'deleted' ? 200 : 202, r.job);
  });

  app.get<{ Params: NameParams }>(`${JOBS_BASE}/namespaces/:ns/jobs/:name/explain`, async (req, reply) => {
    const { ns, name } = req.params;
    requireNamespace(req, ns, 'get');
    const job = await getStored(ns, name);
    const uid = job.metadata.uid ?? '';
    const [record, placement] = await Promise.all([store.getExplanation(ns, name), store.getPlacement(uid)]);
    // a record from before the gang was placed no longer says anything
    const placedNow = placement !== undefined && placement.cluster !== '';
    const current = record !== undefined && record.uid === uid && !placedNow ? record : undefined;
    const phase = job.status?.state?.phase ?? 'Pending';
    const body: Record<string, unknown> = {
      kind: 'JobExplanation',
      apiVersion: CALDERA_API_VERSION,
      metadata: { name, namespace: ns, uid },
      phase,
      queue: job.spec.queue ?? 'default',
      reasons: current?.reasons ?? [],
    };
    if (current !== undefined) {
      body.evaluatedAt = current.evaluatedAt;
      if (current.cycle !== undefined) body.cycle = current.cycle;
      // the scheduler's structured form (gateway/scheduler/job-explanation.ts): one line, then cluster by cluster
      if (typeof current.message === 'string') body.message = current.message;
      if (Array.isArray(current.clusters)) body.clusters = current.clusters;
      body.job = { namespace: ns, name, uid };
    } else {
      body.message = placement === undefined
        ? 'the scheduler has not evaluated this job yet'
        : 'the job holds a placement; nothing is pending';
    }
    if (placement !== undefined) {
      body.placement = { cluster: placement.cluster, epoch: placement.epoch, attempt: placement.attempt, state: placement.state };
    }
    return respond(req, reply, 200, body);
  });
}

/** Preconditions from a DeleteOptions body, if one was sent. */
function deleteOptions(req: FastifyRequest): { uid?: string; resourceVersion?: string } {
  const body = req.body;
  if (typeof body !== 'string' || body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new StatusError(badRequest('the DeleteOptions body is not valid JSON'));
  }
  const pre = isObject(parsed) && isObject(parsed.preconditions) ? parsed.preconditions : {};
  const out: { uid?: string; resourceVersion?: string } = {};
  if (typeof pre.uid === 'string' && pre.uid !== '') out.uid = pre.uid;
  if (typeof pre.resourceVersion === 'string' && pre.resourceVersion !== '') out.resourceVersion = pre.resourceVersion;
  return out;
}
