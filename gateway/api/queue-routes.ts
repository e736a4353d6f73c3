/**
 * `scheduling.volcano.sh/v1beta1` queues (cluster-scoped). Reads are open to every authenticated
 * caller; writes need an admin token. Open and close: PUT/PATCH `spec.state` (or `status.state`)
 * to `Open`/`Closed`, or `POST …/queues/{name}/open|close`. Closing takes effect at once: new jobs
 * are refused (422 on `spec.queue`), jobs already in the queue keep running.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { admitQueue, admitQueueDelete } from '../../shared/admission/index.js';
import { SCHEDULING_API_GROUP, SCHEDULING_API_VERSION } from '../../shared/api/podgroup.js';
import { DEFAULT_QUEUE, QUEUE_KIND, ROOT_QUEUE, type Queue, type QueueState } from '../../shared/api/queue.js';
import type { Clock } from '../../shared/clock.js';
import { invalid, notFound, StatusError } from '../../shared/errors/status.js';
import type { GatewayStore } from '../store/gateway-store.js';
import type { QueueUsage } from '../store/records.js';
import { requireAdmin } from './access.js';
import type { QueueDirectory } from './queue-directory.js';
import { checkIdentity, dryRun, isObject, metaOf, newObjectMeta, updatedObjectMeta } from './object-meta.js';
import { applyPatch } from './patch.js';
import { patchBody, singleObject } from './request-body.js';
import { respond } from './respond.js';
import { labelSelector } from './selectors.js';
import { age, tableRow, toTable, wantsTable, type TableColumn } from './table.js';
import { serveWatch } from './watch-stream.js';

const QUEUE_COLUMNS: ReadonlyArray<TableColumn<Queue>> = [
  { name: 'State', type: 'string', description: 'status.state', cell: (q) => q.status?.state ?? 'Open' },
  { name: 'Weight', type: 'integer', description: 'spec.weight', cell: (q) => q.spec.weight ?? 1 },
  { name: 'Parent', type: 'string', description: 'spec.parent', cell: (q) => q.spec.parent ?? '' },
  { name: 'Age', type: 'date', description: 'time since creation', cell: (q, now) => age(q.metadata, now) },
];

export const QUEUES_BASE = '/apis/scheduling.volcano.sh/v1beta1/queues';

interface Query {
  labelSelector?: string;
  limit?: string;
  continue?: string;
  watch?: string;
  resourceVersion?: string;
  timeoutSeconds?: string;
  dryRun?: string;
}

const SETTABLE_STATES: readonly QueueState[] = ['Open', 'Closed'];

/** The queues every gateway starts with, as Volcano's scheduler bootstraps them. */
export function bootstrapQueues(clock: Clock): Queue[] {
  const make = (name: string, reclaimable: boolean): Queue => ({
    apiVersion: SCHEDULING_API_VERSION,
    kind: QUEUE_KIND,
    metadata: newObjectMeta({ name }, { clock }),
    spec: { weight: 1, reclaimable },
    status: { state: 'Open' },
  });
  return [make(ROOT_QUEUE, false), make(DEFAULT_QUEUE, true)];
}

/** The state a write asks for: `spec.state`, else `status.state`, else `fallback`. */
function requestedState(input: unknown, name: string, fallback: QueueState): QueueState {
  const spec = isObject(input) && isObject(input.spec) ? input.spec : {};
  const status = isObject(input) && isObject(input.status) ? input.status : {};
  const [field, value] = spec.state !== undefined ? ['spec.state', spec.state] : status.state !== undefined ? ['status.state', status.state] : ['', undefined];
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !(SETTABLE_STATES as readonly string[]).includes(value)) {
    throw new StatusError(invalid({
      kind: QUEUE_KIND, group: SCHEDULING_API_GROUP, name,
      causes: [{ field, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value)}: supported values: "Open", "Closed"` }],
    }));
  }
  return value as QueueState;
}

export function registerQueueRoutes(app: FastifyInstance, opts: { store: GatewayStore; clock: Clock; directory?: QueueDirectory }): void {
  const { store, clock } = opts;
  /** this gateway's own queue writes reach job admission at once (read your writes) */
  const seen = (q: Queue): Queue => {
    opts.directory?.observe(q);
    return q;
  };

  async function usageByQueue(): Promise<Map<string, QueueUsage>> {
    return new Map((await store.listQueueUsage()).map((u) => [u.queue, u]));
  }

  /** adds what the scheduler last computed (allocated) to the served status */
  function present(q: Queue, usage: Map<string, QueueUsage>): Queue {
    const u = usage.get(q.metadata.name ?? '');
    if (u === undefined) return q;
    return { ...q, status: { ...q.status, allocated: u.allocated, ...(u.reserved ? { reservation: { resource: u.reserved } } : {}) } };
  }

  async function getStored(name: string): Promise<Queue> {
    const q = await store.getQueue(name);
    if (q === undefined) throw new StatusError(notFound(QUEUE_KIND, name, SCHEDULING_API_GROUP));
    return q;
  }

  async function allQueues(): Promise<Queue[]> {
    return (await store.listQueues()).items;
  }

  app.get<{ Querystring: Query }>(QUEUES_BASE, async (req, reply) => {
    const labels = labelSelector(req.query.labelSelector);
    const matches = (q: Queue) => labels(q.metadata.labels);
    if (req.query.watch === 'true' || req.query.watch === '1') {
      return serveWatch<Queue>(req, reply, {
        store, kind: 'queue', resourceVersion: req.query.resourceVersion, timeoutSeconds: req.query.timeoutSeconds,
        list: () => store.listQueues({ filter: matches }), keyOf: (q) => q.metadata.name ?? '', matches,
        ...(wantsTable(req) ? { render: (q: Queue, first: boolean) => tableRow(q, QUEUE_COLUMNS, first, clock.now()) } : {}),
      });
    }
    const limit = req.query.limit !== undefined && /^\d+$/.test(req.query.limit) ? Number(req.query.limit) : undefined;
    const page = await store.listQueues({ limit, continue: req.query.continue, filter: matches });
    const usage = await usageByQueue();
    const metadata: Record<string, unknown> = { resourceVersion: page.resourceVersion };
    if (page.continue !== undefined) metadata.continue = page.continue;
    const items = page.items.map((q) => present(q, usage));
    if (wantsTable(req)) return respond(req, reply, 200, toTable(items, QUEUE_COLUMNS, metadata, clock.now()));
    return respond(req, reply, 200, { kind: 'QueueList', apiVersion: SCHEDULING_API_VERSION, metadata, items });
  });

  app.get<{ Params: { name: string } }>(`${QUEUES_BASE}/:name`, async (req, reply) => {
    const q = present(await getStored(req.params.name), await usageByQueue());
    if (wantsTable(req)) return respond(req, reply, 200, toTable([q], QUEUE_COLUMNS, { resourceVersion: q.metadata.resourceVersion }, clock.now()));
    return respond(req, reply, 200, q);
  });

  app.post<{ Querystring: Query }>(QUEUES_BASE, async (req, reply) => {
    requireAdmin(req, 'create', 'queues', SCHEDULING_API_GROUP);
    const isDryRun = dryRun(req.query);
    const body = singleObject(req);
    const name = String(metaOf(body)?.name ?? '');
    const state = requestedState(body, name, 'Open');
    const queues = await allQueues();
    const admitted = admitQueue(body, { operation: 'CREATE', listQueues: () => queues });
    if (!admitted.ok) throw new StatusError(admitted.status);
    const queue = admitted.queue;
    queue.metadata = newObjectMeta(queue.metadata, { clock });
    delete queue.metadata.namespace;
    queue.status = { state };
    if (isDryRun) return respond(req, reply, 201, queue);
    return respond(req, reply, 201, seen(await store.createQueue(queue)));
  });

  async function update(req: FastifyRequest<{ Params: { name: string }; Querystring: Query }>, reply: FastifyReply, input: unknown, old: Queue, rv: string | undefined) {
    const name = req.params.name;
    checkIdentity(metaOf(input), { name });
    const state = requestedState(input, name, old.status?.state ?? 'Open');
    const queues = await allQueues();
    const admitted = admitQueue(input, { operation: 'UPDATE', old, listQueues: () => queues });
    if (!admitted.ok) throw new StatusError(admitted.status);
    const next = admitted.queue;
    next.metadata = updatedObjectMeta(next.metadata, old.metadata, { specChanged: JSON.stringify(next.spec) !== JSON.stringify(old.spec) });
    delete next.metadata.namespace;
    if (next.spec.state !== undefined) next.spec.state = state;
    next.status = { ...old.status, state };
    if (dryRun(req.query)) return respond(req, reply, 200, next);
    return respond(req, reply, 200, seen(await store.updateQueue(next, { resourceVersion: rv === '' ? undefined : rv, uid: old.metadata.uid })));
  }

  app.put<{ Params: { name: string }; Querystring: Query }>(`${QUEUES_BASE}/:name`, async (req, reply) => {
    requireAdmin(req, 'update', 'queues', SCHEDULING_API_GROUP);
    const body = singleObject(req);
    const old = await getStored(req.params.name);
    return update(req, reply, body, old, metaOf(body)?.resourceVersion);
  });

  app.patch<{ Params: { name: string }; Querystring: Query }>(`${QUEUES_BASE}/:name`, async (req, reply) => {
    requireAdmin(req, 'patch', 'queues', SCHEDULING_API_GROUP);
    const { kind, patch } = patchBody(req);
    const old = await getStored(req.params.name);
    const patched = applyPatch(kind, old, patch);
    return update(req, reply, patched, old, metaOf(patched)?.resourceVersion);
  });

  for (const action of ['open', 'close'] as const) {
    app.post<{ Params: { name: string }; Querystring: Query }>(`${QUEUES_BASE}/:name/${action}`, async (req, reply) => {
      requireAdmin(req, 'update', 'queues', SCHEDULING_API_GROUP);
      const name = req.params.name;
      if (name === ROOT_QUEUE && action === 'close') {
        throw new StatusError(invalid({ kind: QUEUE_KIND, group: SCHEDULING_API_GROUP, name, causes: [{ field: 'status.state', reason: 'FieldValueForbidden', message: 'the root queue can not be closed' }] }));
      }
      const state: QueueState = action === 'open' ? 'Open' : 'Closed';
      const updated = await store.mutateQueue(name, (q) => {
        if (q.status?.state === state && (q.spec.state === undefined || q.spec.state === state)) return undefined;
        if (q.spec.state !== undefined) q.spec.state = state;
        q.status = { ...q.status, state };
        return q;
      });
      if (updated === undefined) throw new StatusError(notFound(QUEUE_KIND, name, SCHEDULING_API_GROUP));
      seen(updated);
      req.log.info({ queue: name, state }, `queue ${action}`);
      return respond(req, reply, 200, updated);
    });
  }

  app.delete<{ Params: { name: string }; Querystring: Query }>(`${QUEUES_BASE}/:name`, async (req, reply) => {
    requireAdmin(req, 'delete', 'queues', SCHEDULING_API_GROUP);
    const name = req.params.name;
    const queues = await allQueues();
    const verdict = admitQueueDelete(name, { listQueues: () => queues });
    if (!verdict.ok) throw new StatusError(verdict.status);
    const old = await getStored(name);
    if (dryRun(req.query)) return respond(req, reply, 200, old);
    const deleted = await store.deleteQueue(name, { uid: old.metadata.uid });
    opts.directory?.forget(name);
    return respond(req, reply, 200, deleted);
  });
}
