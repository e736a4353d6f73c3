/**
 * `caldera.dev/v1alpha1` member clusters. Agents register their member when they first report;
 * admins may pre-register one (POST), label it, and cordon it (no new placements) through
 * PUT/PATCH of `spec.cordoned` or `POST …/{name}/cordon|uncordon`. Only labels, annotations and
 * `spec.cordoned` are writable; status belongs to the gateway.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectMeta } from '../../shared/api/core.js';
import type { Clock } from '../../shared/clock.js';
import { invalid, notFound, StatusError, type StatusCause } from '../../shared/errors/status.js';
import { CLUSTER_NAME_PATTERN } from '../../shared/messages/wire.js';
import type { GatewayStore } from '../store/gateway-store.js';
import { CALDERA_API_GROUP, CALDERA_API_VERSION, MEMBER_CLUSTER_KIND, type MemberCluster } from '../store/records.js';
import { requireAdmin } from './access.js';
import { presentMember, type MemberHealthTimes } from './member-view.js';
import { checkIdentity, dryRun, isObject, metaOf, newObjectMeta, updatedObjectMeta } from './object-meta.js';
import { applyPatch } from './patch.js';
import { patchBody, singleObject } from './request-body.js';
import { respond } from './respond.js';
import { labelSelector } from './selectors.js';
import { age, humanDuration, toTable, wantsTable, type TableColumn } from './table.js';

const MEMBER_COLUMNS: ReadonlyArray<TableColumn<MemberCluster>> = [
  { name: 'Phase', type: 'string', description: 'Ready, NotReady, Lost or Unknown', cell: (m) => m.status?.phase ?? 'Unknown' },
  { name: 'Cordoned', type: 'boolean', description: 'spec.cordoned', cell: (m) => m.spec.cordoned ?? false },
  { name: 'Nodes', type: 'integer', description: 'nodes reported', cell: (m) => m.status?.nodeCount ?? 0 },
  { name: 'Heartbeat', type: 'string', description: 'time since the last heartbeat', cell: (m) => (m.status?.heartbeatAgeSeconds === undefined ? '<none>' : humanDuration(m.status.heartbeatAgeSeconds * 1000)) },
  { name: 'Age', type: 'date', description: 'time since creation', cell: (m, now) => age(m.metadata, now) },
];

export const MEMBERS_BASE = '/apis/caldera.dev/v1alpha1/memberclusters';

interface Query {
  labelSelector?: string;
  limit?: string;
  continue?: string;
  dryRun?: string;
}

const clusterName = new RegExp(CLUSTER_NAME_PATTERN);

function stringMap(x: unknown): x is Record<string, string> {
  return isObject(x) && Object.values(x).every((v) => typeof v === 'string');
}

/** The writable part of a member: name, labels, annotations and spec.cordoned, checked. */
function writable(input: unknown, name: string): { meta: ObjectMeta; cordoned: boolean | undefined } {
  const causes: StatusCause[] = [];
  if (!isObject(input)) {
    throw new StatusError(invalid({ kind: MEMBER_CLUSTER_KIND, group: CALDERA_API_GROUP, name, causes: [{ message: 'a MemberCluster must be an object' }] }));
  }
  if (input.apiVersion !== undefined && input.apiVersion !== CALDERA_API_VERSION) {
    causes.push({ field: 'apiVersion', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(input.apiVersion)}: supported values: "${CALDERA_API_VERSION}"` });
  }
  if (input.kind !== undefined && input.kind !== MEMBER_CLUSTER_KIND) {
    causes.push({ field: 'kind', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(input.kind)}: supported values: "${MEMBER_CLUSTER_KIND}"` });
  }
  const meta = metaOf(input) ?? {};
  if (typeof meta.name !== 'string' || !clusterName.test(meta.name) || meta.name.length > 63) {
    causes.push({ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(meta.name)}: a member cluster name must be a DNS-1123 label` });
  }
  if (meta.labels !== undefined && !stringMap(meta.labels)) causes.push({ field: 'metadata.labels', reason: 'FieldValueInvalid', message: 'labels must map strings to strings' });
  if (meta.annotations !== undefined && !stringMap(meta.annotations)) causes.push({ field: 'metadata.annotations', reason: 'FieldValueInvalid', message: 'annotations must map strings to strings' });
  const spec = isObject(input.spec) ? input.spec : {};
  if (spec.cordoned !== undefined && typeof spec.cordoned !== 'boolean') {
    causes.push({ field: 'spec.cordoned', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(spec.cordoned)}: must be true or false` });
  }
  if (causes.length > 0) throw new StatusError(invalid({ kind: MEMBER_CLUSTER_KIND, group: CALDERA_API_GROUP, name, causes }));
  return { meta, cordoned: spec.cordoned as boolean | undefined };
}

export function registerMemberRoutes(app: FastifyInstance, opts: { store: GatewayStore; clock: Clock; times: MemberHealthTimes }): void {
  const { store, clock, times } = opts;

  async function present(m: MemberCluster): Promise<MemberCluster> {
    return presentMember(m, await store.getNodes(m.metadata.name ?? ''), { clock, times });
  }

  async function getStored(name: string): Promise<MemberCluster> {
    const m = await store.getMember(name);
    if (m === undefined) throw new StatusError(notFound(MEMBER_CLUSTER_KIND, name, CALDERA_API_GROUP));
    return m;
  }

  app.get<{ Querystring: Query }>(MEMBERS_BASE, async (req, reply) => {
    const labels = labelSelector(req.query.labelSelector);
    const limit = req.query.limit !== undefined && /^\d+$/.test(req.query.limit) ? Number(req.query.limit) : undefined;
    const page = await store.listMembers({ limit, continue: req.query.continue, filter: (m) => labels(m.metadata.labels) });
    const metadata: Record<string, unknown> = { resourceVersion: page.resourceVersion };
    if (page.continue !== undefined) metadata.continue = page.continue;
    const items = await Promise.all(page.items.map(present));
    if (wantsTable(req)) return respond(req, reply, 200, toTable(items, MEMBER_COLUMNS, metadata, clock.now()));
    return respond(req, reply, 200, { kind: 'MemberClusterList', apiVersion: CALDERA_API_VERSION, metadata, items });
  });

  app.get<{ Params: { name: string } }>(`${MEMBERS_BASE}/:name`, async (req, reply) => {
    const m = await present(await getStored(req.params.name));
    if (wantsTable(req)) return respond(req, reply, 200, toTable([m], MEMBER_COLUMNS, { resourceVersion: m.metadata.resourceVersion }, clock.now()));
    return respond(req, reply, 200, m);
  });

  app.post<{ Querystring: Query }>(MEMBERS_BASE, async (req, reply) => {
    requireAdmin(req, 'create', 'memberclusters', CALDERA_API_GROUP);
    const body = singleObject(req);
    const name = String(metaOf(body)?.name ?? '');
    const { meta, cordoned } = writable(body, name);
    const member: MemberCluster = {
      apiVersion: CALDERA_API_VERSION,
      kind: MEMBER_CLUSTER_KIND,
      metadata: newObjectMeta({ name, labels: meta.labels, annotations: meta.annotations }, { clock }),
      spec: { cordoned: cordoned ?? false },
    };
    if (dryRun(req.query)) return respond(req, reply, 201, member);
    return respond(req, reply, 201, await present(await store.createMember(member)));
  });

  async function update(req: FastifyRequest<{ Params: { name: string }; Querystring: Query }>, reply: FastifyReply, input: unknown, old: MemberCluster) {
    const name = req.params.name;
    checkIdentity(metaOf(input), { name });
    const { meta, cordoned } = writable(input, name);
    const next: MemberCluster = {
      ...old,
      metadata: updatedObjectMeta({ ...old.metadata, labels: meta.labels, annotations: meta.annotations }, old.metadata, { specChanged: cordoned !== undefined && cordoned !== old.spec.cordoned }),
      spec: { ...old.spec, cordoned: cordoned ?? old.spec.cordoned ?? false },
    };
    if (next.metadata.labels === undefined) delete next.metadata.labels;
    if (next.metadata.annotations === undefined) delete next.metadata.annotations;
    if (dryRun(req.query)) return respond(req, reply, 200, next);
    const rv = meta.resourceVersion;
    const stored = await store.updateMember(next, { resourceVersion: rv === '' ? undefined : rv, uid: old.metadata.uid });
    return respond(req, reply, 200, await present(stored));
  }

  app.put<{ Params: { name: string }; Querystring: Query }>(`${MEMBERS_BASE}/:name`, async (req, reply) => {
    requireAdmin(req, 'update', 'memberclusters', CALDERA_API_GROUP);
    const body = singleObject(req);
    return update(req, reply, body, await getStored(req.params.name));
  });

  app.patch<{ Params: { name: string }; Querystring: Query }>(`${MEMBERS_BASE}/:name`, async (req, reply) => {
    requireAdmin(req, 'patch', 'memberclusters', CALDERA_API_GROUP);
    const { kind, patch } = patchBody(req);
    const old = await getStored(req.params.name);
    return update(req, reply, applyPatch(kind, old, patch), old);
  });

  for (const action of ['cordon', 'uncordon'] as const) {
    app.post<{ Params: { name: string } }>(`${MEMBERS_BASE}/:name/${action}`, async (req, reply) => {
      requireAdmin(req, 'update', 'memberclusters', CALDERA_API_GROUP);
      const cordoned = action === 'cordon';
      const updated = await store.mutateMember(req.params.name, (m) => {
        if ((m.spec.cordoned ?? false) === cordoned) return undefined;
        m.spec = { ...m.spec, cordoned };
        return m;
      });
      if (updated === undefined) throw new StatusError(notFound(MEMBER_CLUSTER_KIND, req.params.name, CALDERA_API_GROUP));
      req.log.info({ cluster: req.params.name }, action);
      return respond(req, reply, 200, await present(updated));
    });
  }
}
