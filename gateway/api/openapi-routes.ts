/**
 * A minimal OpenAPI v3 discovery: one document per group/version whose write operations carry the
 * `x-kubernetes-group-version-kind` extension and the `fieldValidation` query parameter. kubectl
 * reads exactly that to decide that the server validates objects itself (it then skips its own
 * schema download, which would otherwise fail). No schemas are published: kubectl then falls back
 * to JSON merge patches for `apply`, which is what these resources take. OpenAPI v2 is not served.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { failure } from '../../shared/errors/status.js';
import { API_GROUPS } from './discovery-routes.js';
import { sendStatus } from './status-reply.js';

const QUERY_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

function operation(group: string, version: string, kind: string, action: string) {
  return {
    'x-kubernetes-group-version-kind': { group, version, kind },
    'x-kubernetes-action': action,
    parameters: QUERY_PARAMETERS,
    responses: { '200': { description: 'OK' } },
  };
}

function groupVersionDocument(group: string): Record<string, unknown> | undefined {
  const g = API_GROUPS[group];
  if (g === undefined) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of g.resources) {
    if (r.name.includes('/')) continue;
    const collection = r.namespaced
      ? `/apis/${group}/${g.version}/namespaces/{namespace}/${r.name}`
      : `/apis/${group}/${g.version}/${r.name}`;
    paths[collection] = { post: operation(group, g.version, r.kind, 'post'), get: operation(group, g.version, r.kind, 'list') };
    paths[`${collection}/{name}`] = {
      get: operation(group, g.version, r.kind, 'get'),
      put: operation(group, g.version, r.kind, 'put'),
      patch: operation(group, g.version, r.kind, 'patch'),
      ...(r.verbs.includes('delete') ? { delete: operation(group, g.version, r.kind, 'delete') } : {}),
    };
  }
  return { openapi: '3.0.0', info: { title: `Caldera ${group}`, version: g.version }, paths };
}

export function registerOpenApiRoutes(app: FastifyInstance): void {
  const docs = new Map<string, { body: string; hash: string }>();
  for (const [group, g] of Object.entries(API_GROUPS)) {
    const body = JSON.stringify(groupVersionDocument(group));
    docs.set(`${group}/${g.version}`, { body, hash: createHash('sha256').update(body).digest('hex').slice(0, 32).toUpperCase() });
  }
  app.get('/openapi/v3', async (_req, reply) => {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [gv, d] of docs) paths[`apis/${gv}`] = { serverRelativeURL: `/openapi/v3/apis/${gv}?hash=${d.hash}` };
    return reply.type('application/json').send({ paths });
  });
  app.get<{ Params: { group: string; version: string } }>('/openapi/v3/apis/:group/:version', async (req, reply) => {
    const d = docs.get(`${req.params.group}/${req.params.version}`);
    if (d === undefined) return sendStatus(reply, failure({ reason: 'NotFound', message: `no OpenAPI document for ${req.params.group}/${req.params.version}` }));
    return reply.type('application/json').send(d.body);
  });
  app.get('/openapi/v2', async (_req, reply) =>
    sendStatus(reply, failure({ reason: 'NotFound', message: 'the server does not publish an OpenAPI v2 document' })));
}
