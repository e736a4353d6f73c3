/**
 * The HTTP face of the simulated cluster: the Kubernetes REST protocol over the object store, enough
 * of it for @kubernetes/client-node, kubectl and curl. `buildApiServer` returns a fastify app that
 * never listens by itself (tests may `inject`); `startSimCluster` listens.
 *
 * Paths: `/api/v1/...` and `/apis/<group>/<version>/...`, each either
 * `[namespaces/<ns>/]<plural>[/<name>[/<subresource>]]`, plus discovery (`/api`, `/apis`, `/apis/<g>`,
 * `/apis/<g>/<v>`), `/version`, `/openapi/v3[/...]`, health checks. Answers are JSON (or YAML, or a
 * meta.k8s.io Table for kubectl, by Accept); errors are Status objects. Watches stream one JSON
 * event per line, headers flushed at once.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import YAML from 'yaml';
import {
  badRequest, failure, internalError, isStatusError, notFound, StatusError, tooLarge, unauthorized, type Status,
} from '../../shared/errors/status.js';
import {
  apiGroup, apiGroupList, apiResourceList, apiVersions, openApiPath, openApiV3Document, openApiV3Index, SERVER_VERSION,
} from './discovery.js';
import { deleteOptionsFrom, type DeleteOptions, type ObjectStore, type PatchType, type StoredObject } from './object-store.js';
import { decodeProtobufBody } from './protobuf-body.js';
import type { ResourceType } from './resource-table.js';
import { isPlainObject, type SimObject } from './sim-object.js';
import { toPartialMetadata, toTable, type IncludeObject } from './table-printer.js';

export interface ApiServerOptions {
  store: ObjectStore;
  /** when set, every request but the health checks needs `Authorization: Bearer <token>` */
  token?: string;
  /** largest request body in bytes (default 3 MiB, as Kubernetes) */
  bodyLimit?: number;
  /** a watcher whose connection has more than this many bytes unsent is closed (default 64 MiB) */
  maxWatchBacklog?: number;
}

type Format = 'json' | 'yaml' | 'table' | 'metadata';

interface Target {
  resource: ResourceType;
  namespace: string;
  name: string | undefined;
  subresource: string | undefined;
}

type Query = Record<string, string | string[] | undefined>;

const JSON_TYPE = 'application/json';
const NOT_FOUND_MESSAGE = 'the server could not find the requested resource';

function fail(status: Status): never {
  throw new StatusError(status);
}

function methodNotAllowed(): never {
  fail(failure({ reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource' }));
}

function q(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

function flag(query: Query, name: string): boolean {
  const v = q(query, name);
  return v === 'true' || v === '1';
}

function intParam(query: Query, name: string): number | undefined {
  const v = q(query, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) fail(badRequest(`${name}: "${v}" is not an integer`));
  return n;
}

/** The first media type of Accept the server can produce. */
function negotiate(accept: string | undefined): Format | undefined {
  if (accept === undefined || accept === '' || accept === JSON_TYPE) return 'json';
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    const as = params.find((p) => p.startsWith('as='))?.slice(3);
    if (type === JSON_TYPE || type === '*/*' || type === 'application/*') {
      if (as === undefined) return 'json';
      if (as === 'Table') return 'table';
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return 'metadata';
    } else if (type === 'application/yaml' && as === undefined) {
      return 'yaml';
    }
  }
  return undefined;
}

function mediaType(req: FastifyRequest): string {
  const ct = req.headers['content-type'];
  return (ct ?? JSON_TYPE).split(';')[0]?.trim().toLowerCase() ?? JSON_TYPE;
}

function patchTypeOf(media: string): PatchType {
  switch (media) {
    case 'application/json-patch+json': return 'json';
    case 'application/merge-patch+json': return 'merge';
    case 'application/strategic-merge-patch+json': return 'strategic';
    case 'application/apply-patch+yaml': return 'apply';
    default:
      return fail(failure({ reason: 'UnsupportedMediaType',
        message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${media})` }));
  }
}

function decodeBody(req: FastifyRequest, media: string): unknown {
  const raw = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  if (media === 'application/vnd.kubernetes.protobuf') return decodeProtobufBody(raw);
  const text = raw.toString('utf8');
  if (media.includes('yaml')) {
    try {
      return YAML.parse(text) as unknown;
    } catch (err) {
      return fail(badRequest(`error decoding YAML: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
  if (media !== JSON_TYPE && !media.endsWith('+json') && media !== 'text/plain') {
    return fail(failure({ reason: 'UnsupportedMediaType',
      message: `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${media})` }));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail(badRequest(`error decoding request body: ${err instanceof Error ? err.message : String(err)}`));
  }
}

function listJSON(resource: ResourceType, items: readonly StoredObject[], meta: { resourceVersion: string; continue?: string; remainingItemCount?: number }): string {
  const m = JSON.stringify({
    resourceVersion: meta.resourceVersion,
    ...(meta.continue ? { continue: meta.continue } : {}),
    ...(meta.remainingItemCount !== undefined ? { remainingItemCount: meta.remainingItemCount } : {}),
  });
  let body = `{"kind":"${resource.listKind}","apiVersion":"${resource.apiVersion}","metadata":${m},"items":[`;
  for (let i = 0; i < items.length; i++) body += (i === 0 ? '' : ',') + (items[i] as StoredObject).json;
  return `${body}]}`;
}

class ApiHandler {
  private readonly store: ObjectStore;
  private readonly maxBacklog: number;
  private readonly openApiDocs = new Map<string, string>();
  private readonly discovery = new Map<string, string>();

  constructor(opts: ApiServerOptions) {
    this.store = opts.store;
    this.maxBacklog = opts.maxWatchBacklog ?? 64 * 1024 * 1024;
    const registry = this.store.registry;
    for (const gv of registry.groupVersions()) {
      const doc = openApiV3Document(registry, gv.apiVersion);
      if (doc) this.openApiDocs.set(openApiPath(gv.apiVersion), JSON.stringify(doc));
      this.discovery.set(gv.apiVersion, JSON.stringify(apiResourceList(registry, gv.apiVersion)));
    }
    this.discovery.set('/apis', JSON.stringify(apiGroupList(registry)));
    this.discovery.set('/openapi/v3', JSON.stringify(openApiV3Index(registry, this.openApiDocs)));
    this.discovery.set('/version', JSON.stringify(SERVER_VERSION));
  }

  /** Answers `/api/...` and `/apis/...`. */
  async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const url = req.url;
    const qi = url.indexOf('?');
    const path = qi < 0 ? url : url.slice(0, qi);
    const split = path.split('/').filter((s) => s !== '');
    const segments = path.includes('%') ? split.map(decodeURIComponent) : split;
    const query = req.query as Query;
    let apiVersion: string;
    let rest: string[];
    if (segments[0] === 'api') {
      if (segments.length === 1) return this.sendRaw(reply, 200, JSON.stringify(apiVersions(req.headers.host ?? '127.0.0.1')));
      apiVersion = segments[1] ?? '';
      if (apiVersion !== 'v1') fail(notFound('', '', undefined));
      rest = segments.slice(2);
    } else {
      if (segments.length === 1) return this.sendRaw(reply, 200, this.discovery.get('/apis') as string);
      if (segments.length === 2) {
        const g = apiGroup(this.store.registry, segments[1] ?? '');
        if (!g) fail(failure({ reason: 'NotFound', message: NOT_FOUND_MESSAGE }));
        return this.sendRaw(reply, 200, JSON.stringify(g));
      }
      apiVersion = `${segments[1] ?? ''}/${segments[2] ?? ''}`;
      rest = segments.slice(3);
    }
    if (rest.length === 0) {
      const list = this.discovery.get(apiVersion);
      if (!list) fail(failure({ reason: 'NotFound', message: NOT_FOUND_MESSAGE }));
      if (req.method !== 'GET') methodNotAllowed();
      return this.sendRaw(reply, 200, list);
    }
    const target = this.resolve(apiVersion, rest);
    const format = negotiate(req.headers.accept);
    if (format === undefined) {
      fail(failure({ reason: 'UnsupportedMediaType', code: 406, message: `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io` }));
    }
    switch (req.method) {
      case 'GET': return this.get(req, reply, target, query, format);
      case 'POST': return this.post(req, reply, target, query, format);
      case 'PUT': return this.put(req, reply, target, query, format);
      case 'PATCH': return this.patch(req, reply, target, query, format);
      case 'DELETE': return this.delete(req, reply, target, query, format);
      default: methodNotAllowed();
    }
  }

  private resolve(apiVersion: string, rest: string[]): Target {
    const registry = this.store.registry;
    let namespace = '';
    let parts = rest;
    if (rest[0] === 'namespaces' && rest.length >= 3 && registry.lookup(apiVersion, rest[2] ?? '')?.namespaced) {
      namespace = rest[1] ?? '';
      parts = rest.slice(2);
    }
    const resource = registry.lookup(apiVersion, parts[0] ?? '');
    if (!resource || parts.length > 3) fail(failure({ reason: 'NotFound', message: NOT_FOUND_MESSAGE }));
    const name = parts[1];
    const subresource = parts[2];
    if (resource.namespaced && namespace === '' && name !== undefined) fail(failure({ reason: 'NotFound', message: NOT_FOUND_MESSAGE }));
    if (subresource !== undefined && !resource.subresources.some((s) => s.name === subresource)) {
      fail(failure({ reason: 'NotFound', message: NOT_FOUND_MESSAGE }));
    }
    return { resource, namespace, name, subresource };
  }

  // ---------------------------------------------------------------- verbs

  private get(req: FastifyRequest, reply: FastifyReply, t: Target, query: Query, format: Format): void {
    const watch = flag(query, 'watch');
    if (!t.resource.verbs.includes(t.name === undefined ? (watch ? 'watch' : 'list') : 'get')) methodNotAllowed();
    if (watch) {
      this.watch(reply, t, query, format);
      return;
    }
    if (t.name !== undefined) {
      const stored = this.store.getStored(t.resource, { namespace: t.namespace, name: t.name });
      if (!stored) fail(notFound(t.resource.plural, t.name, t.resource.group || undefined));
      this.sendObject(reply, 200, t.resource, stored.object, format, query, stored.json);
      return;
    }
    const limit = intParam(query, 'limit');
    const cont = q(query, 'continue');
    const result = this.store.list(t.resource, {
      ...(t.namespace ? { namespace: t.namespace } : {}),
      ...(q(query, 'labelSelector') !== undefined ? { labelSelector: q(query, 'labelSelector') } : {}),
      ...(q(query, 'fieldSelector') !== undefined ? { fieldSelector: q(query, 'fieldSelector') } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(cont ? { continue: cont } : {}),
    });
    const meta = {
      resourceVersion: result.resourceVersion,
      ...(result.continue ? { continue: result.continue } : {}),
      ...(result.remainingItemCount !== undefined ? { remainingItemCount: result.remainingItemCount } : {}),
    };
    if (format === 'json') {
      this.sendRaw(reply, 200, listJSON(t.resource, result.items, meta));
    } else if (format === 'table') {
      const table = toTable({ resource: t.resource, items: result.items.map((s) => s.object), include: includeOf(query), now: this.store.clock.now(), ...meta });
      this.sendRaw(reply, 200, JSON.stringify(table));
    } else if (format === 'metadata') {
      const list = { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: result.items.map((s) => toPartialMetadata(s.object)) };
      this.sendRaw(reply, 200, JSON.stringify(list));
    } else {
      const list = JSON.parse(listJSON(t.resource, result.items, meta)) as unknown;
      void reply.code(200).header('content-type', 'application/yaml').send(YAML.stringify(list));
    }
  }

  private post(req: FastifyRequest, reply: FastifyReply, t: Target, query: Query, format: Format): void {
    const body = decodeBody(req, mediaType(req));
    const dryRun = dryRunOf(query);
    const r = t.resource;
    if (t.name !== undefined) {
      const ref = { namespace: t.namespace, name: t.name };
      if (t.subresource === 'binding') return this.sendRaw(reply, 201, JSON.stringify(this.store.bind(ref, body, { dryRun })));
      if (t.subresource === 'eviction') return this.sendRaw(reply, 201, JSON.stringify(this.store.evict(ref, body, { dryRun })));
      methodNotAllowed();
    }
    if (!r.verbs.includes('create')) methodNotAllowed();
    if (r.kind === 'Binding') {
      const name = isPlainObject(body) && isPlainObject(body.metadata) && typeof body.metadata.name === 'string' ? body.metadata.name : '';
      if (name === '') fail(badRequest('a Binding needs metadata.name, the name of the pod to bind'));
      return this.sendRaw(reply, 201, JSON.stringify(this.store.bind({ namespace: t.namespace, name }, body, { dryRun })));
    }
    const created = this.store.create(r, body, { dryRun, owned: true, ...(t.namespace ? { namespace: t.namespace } : {}) });
    this.sendObject(reply, 201, r, created, format, query);
  }

  private put(req: FastifyRequest, reply: FastifyReply, t: Target, query: Query, format: Format): void {
    if (t.name === undefined || !t.resource.verbs.includes('update') || (t.subresource !== undefined && t.subresource !== 'status')) methodNotAllowed();
    const body = decodeBody(req, mediaType(req));
    const updated = this.store.update(t.resource, { namespace: t.namespace, name: t.name }, body, {
      dryRun: dryRunOf(query), owned: true, ...(t.subresource === 'status' ? { subresource: 'status' as const } : {}),
    });
    this.sendObject(reply, 200, t.resource, updated, format, query);
  }

  private patch(req: FastifyRequest, reply: FastifyReply, t: Target, query: Query, format: Format): void {
    if (t.name === undefined || !t.resource.verbs.includes('patch') || (t.subresource !== undefined && t.subresource !== 'status')) methodNotAllowed();
    const media = mediaType(req);
    const type = patchTypeOf(media);
    const body = decodeBody(req, media);
    if (body === undefined) fail(badRequest('the patch body is empty'));
    const result = this.store.patch(t.resource, { namespace: t.namespace, name: t.name }, { type, body }, {
      dryRun: dryRunOf(query), ...(t.subresource === 'status' ? { subresource: 'status' as const } : {}),
    });
    this.sendObject(reply, 200, t.resource, result, format, query);
  }

  private delete(req: FastifyRequest, reply: FastifyReply, t: Target, query: Query, format: Format): void {
    const body = decodeBody(req, mediaType(req));
    const opts: DeleteOptions = deleteOptionsFrom(body);
    const grace = intParam(query, 'gracePeriodSeconds');
    if (grace !== undefined) opts.gracePeriodSeconds = grace;
    const policy = q(query, 'propagationPolicy');
    if (policy === 'Background' || policy === 'Foreground' || policy === 'Orphan') opts.propagationPolicy = policy;
    else if (flag(query, 'orphanDependents')) opts.propagationPolicy = 'Orphan';
    if (dryRunOf(query)) opts.dryRun = true;
    if (t.subresource !== undefined) methodNotAllowed();
    if (t.name === undefined) {
      if (!t.resource.verbs.includes('deletecollection')) methodNotAllowed();
      const deleted = this.store.deleteCollection(t.resource, {
        ...opts,
        ...(t.namespace ? { namespace: t.namespace } : {}),
        ...(q(query, 'labelSelector') !== undefined ? { labelSelector: q(query, 'labelSelector') } : {}),
        ...(q(query, 'fieldSelector') !== undefined ? { fieldSelector: q(query, 'fieldSelector') } : {}),
      });
      const items = deleted.map((o) => ({ key: '', object: o, json: this.store.toJSON(o) }));
      this.sendRaw(reply, 200, listJSON(t.resource, items, { resourceVersion: String(this.store.resourceVersion) }));
      return;
    }
    if (!t.resource.verbs.includes('delete')) methodNotAllowed();
    const result = this.store.delete(t.resource, { namespace: t.namespace, name: t.name }, opts);
    this.sendObject(reply, 200, t.resource, result, format, query);
  }

  private watch(reply: FastifyReply, t: Target, query: Query, format: Format): void {
    let fieldSelector = q(query, 'fieldSelector');
    if (t.name !== undefined) fieldSelector = [`metadata.name=${t.name}`, fieldSelector].filter(Boolean).join(',');
    const include = includeOf(query);
    const resource = t.resource;
    const clock = this.store.clock;
    const render = format === 'table'
      ? (type: string, obj: SimObject) => `{"type":"${type}","object":${JSON.stringify(toTable({ resource, items: [obj], include, now: clock.now() }))}}\n`
      : format === 'metadata'
        ? (type: string, obj: SimObject) => `{"type":"${type}","object":${JSON.stringify(toPartialMetadata(obj))}}\n`
        : undefined;
    const timeoutSeconds = intParam(query, 'timeoutSeconds');
    const res = reply.raw;
    const maxBacklog = this.maxBacklog;
    // Frames produced while the watch opens (initial state, replay) wait until the headers are out;
    // opening it first means a bad selector or resourceVersion is still an ordinary 400.
    let pending: (Buffer | string)[] | undefined = [];
    let ended = false;
    let corked = false;
    const uncork = () => {
      corked = false;
      res.uncork();
    };
    const opened: { watcher?: ReturnType<ObjectStore['watch']> } = {};
    const sink = {
      write(frame: Buffer | string) {
        if (ended) return;
        if (pending) {
          pending.push(frame);
        } else if (res.writableLength > maxBacklog) {
          opened.watcher?.close();
        } else {
          // Events committed in the same tick leave in one write.
          if (!corked) {
            corked = true;
            res.cork();
            process.nextTick(uncork);
          }
          res.write(frame);
        }
      },
      end() {
        if (ended) return;
        ended = true;
        if (!pending) res.end();
      },
    };
    const w = this.store.watch(resource, {
      ...(t.namespace ? { namespace: t.namespace } : {}),
      ...(q(query, 'labelSelector') !== undefined ? { labelSelector: q(query, 'labelSelector') } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
      ...(q(query, 'resourceVersion') !== undefined ? { resourceVersion: q(query, 'resourceVersion') } : {}),
      allowWatchBookmarks: flag(query, 'allowWatchBookmarks'),
      sendInitialEvents: flag(query, 'sendInitialEvents'),
      ...(render ? { render } : {}),
    }, sink);
    opened.watcher = w;
    reply.hijack();
    res.writeHead(200, { 'content-type': JSON_TYPE, 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const early = pending;
    pending = undefined;
    for (const f of early) res.write(f);
    if (ended) {
      res.end();
      return;
    }
    const timer = setTimeout(() => w.close(), (timeoutSeconds ?? 1800) * 1000);
    timer.unref();
    res.on('close', () => {
      clearTimeout(timer);
      w.close();
    });
  }

  // ---------------------------------------------------------------- output

  sendRaw(reply: FastifyReply, code: number, json: string): void {
    void reply.code(code).header('content-type', JSON_TYPE).send(json);
  }

  private sendObject(reply: FastifyReply, code: number, resource: ResourceType, obj: SimObject, format: Format, query: Query, json?: string): void {
    switch (format) {
      case 'json':
        this.sendRaw(reply, code, json ?? this.store.toJSON(obj));
        return;
      case 'table':
        this.sendRaw(reply, code, JSON.stringify(toTable({ resource, items: [obj], include: includeOf(query), now: this.store.clock.now() })));
        return;
      case 'metadata':
        this.sendRaw(reply, code, JSON.stringify(toPartialMetadata(obj)));
        return;
      case 'yaml':
        void reply.code(code).header('content-type', 'application/yaml').send(YAML.stringify(obj));
    }
  }

  openApi(path: string): string | undefined {
    if (path === '') return this.discovery.get('/openapi/v3');
    return this.openApiDocs.get(path);
  }

  version(): string {
    return this.discovery.get('/version') as string;
  }
}

function includeOf(query: Query): IncludeObject {
  const v = q(query, 'includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function dryRunOf(query: Query): boolean {
  const v = query.dryRun;
  return Array.isArray(v) ? v.includes('All') : v === 'All';
}

function sendStatus(reply: FastifyReply, status: Status): void {
  void reply.code(status.code).header('content-type', JSON_TYPE).send(JSON.stringify(status));
}

export function buildApiServer(opts: ApiServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 3 * 1024 * 1024,
    routerOptions: { maxParamLength: 4096 },
    forceCloseConnections: true,
    keepAliveTimeout: 120_000,
  });
  const handler = new ApiHandler(opts);
  const token = opts.token;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  if (token !== undefined) {
    app.addHook('onRequest', (req, reply, done) => {
      if (!/^\/(healthz|livez|readyz)/.test(req.url) && req.headers.authorization !== `Bearer ${token}`) {
        sendStatus(reply, unauthorized('Unauthorized'));
        return;
      }
      done();
    });
  }

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (isStatusError(err)) return sendStatus(reply, err.status);
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendStatus(reply, tooLarge('the request body is too large'));
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return sendStatus(reply, badRequest(e.message ?? 'bad request'));
    process.stderr.write(`sim-cluster: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return sendStatus(reply, internalError(e.message ?? String(err)));
  });
  app.setNotFoundHandler((_req, reply) => sendStatus(reply, failure({ reason: 'NotFound', message: NOT_FOUND_MESSAGE })));

  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  const api = (req: FastifyRequest, reply: FastifyReply) => handler.handle(req, reply);
  for (const url of ['/api', '/api/*', '/apis', '/apis/*']) app.route({ method: [...methods], url, handler: api });

  for (const path of ['/healthz', '/livez', '/readyz']) {
    app.get(path, (_req, reply) => void reply.header('content-type', 'text/plain').send('ok'));
  }
  app.get('/version', (_req, reply) => handler.sendRaw(reply, 200, handler.version()));
  app.get('/openapi/v2', (_req, reply) => sendStatus(reply, failure({ reason: 'NotFound', message: NOT_FOUND_MESSAGE })));
  app.get('/openapi/v3', (_req, reply) => handler.sendRaw(reply, 200, handler.openApi('') as string));
  app.get('/openapi/v3/*', (req, reply) => {
    const path = (req.params as { '*': string })['*'];
    const doc = handler.openApi(path);
    if (!doc) return sendStatus(reply, failure({ reason: 'NotFound', message: NOT_FOUND_MESSAGE }));
    return handler.sendRaw(reply, 200, doc);
  });
  app.addHook('onClose', (_app, done) => {
    opts.store.closeWatches();
    done();
  });
  return app;
}
