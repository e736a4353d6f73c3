/**
 * The gateway's HTTP API as a fastify instance that never listens by itself: `main.ts` (or a test)
 * calls `listen`, or drives it with `inject`. Kubernetes REST conventions throughout, so kubectl
 * and @kubernetes/client-node work against it; every failure is a `Status`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { failure, unauthorized } from '../shared/errors/status.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Authenticator } from './auth/authenticator.js';
import { registerDiscoveryRoutes } from './api/discovery-routes.js';
import { QueueDirectory } from './api/queue-directory.js';
import { registerJobRoutes } from './api/job-routes.js';
import { registerOpenApiRoutes } from './api/openapi-routes.js';
import { registerMemberRoutes } from './api/member-routes.js';
import type { MemberHealthTimes } from './api/member-view.js';
import { registerQueueRoutes } from './api/queue-routes.js';
import { sendStatus, statusOfError } from './api/status-reply.js';
import { trackWatchStreams } from './api/watch-stream.js';
import type { GatewayStore } from './store/gateway-store.js';

/** The metrics hook: a registry to serve on /metrics and an observer of every request. */
export interface AppMetrics {
  registry: { contentType: string; metrics(): Promise<string> };
  /**
   * Volcano's legacy names that promtool's lint rejects (`_milliseconds`, gauges named `_count`),
   * served apart on /metrics/volcano so /metrics stays lint-clean and old Volcano dashboards still work.
   */
  volcanoCompatRegistry?: { contentType: string; metrics(): Promise<string> };
  observeRequest?(sample: { method: string; route: string; code: number; seconds: number }): void;
}

export interface BuildAppOptions {
  store: GatewayStore;
  auth: Authenticator;
  /** a pino logger, or false for none (default: none) */
  logger?: FastifyBaseLogger | false;
  /** largest accepted request body in bytes (default 1 MiB) */
  bodyLimit?: number;
  clock?: Clock;
  metrics?: AppMetrics;
  /** used to show a member's phase until the health component has judged it */
  memberHealth?: MemberHealthTimes;
  /** Caldera release reported by /version */
  version?: string;
  /**
   * Serve HTTPS with this PEM key pair. Clients built on client-go (kubectl) send bearer tokens
   * only over TLS, so token authentication with kubectl needs it.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_MEMBER_HEALTH: MemberHealthTimes = { notReadyAfterMs: 40_000, lostAfterMs: 5 * 60_000 };

/** Paths served without a token: probes, the version, metrics. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/metrics', '/metrics/volcano']);

const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'] as const;

export function buildApp(opts: BuildAppOptions): FastifyInstance {
  const clock = opts.clock ?? systemClock;
  const common = {
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 512 },
    return503OnClosing: true,
  };
  // The HTTPS instance serves the same routes; only its server type differs.
  const app: FastifyInstance = opts.tls
    ? (Fastify({ ...common, https: { cert: opts.tls.cert, key: opts.tls.key } }) as unknown as FastifyInstance)
    : Fastify(common);

  trackWatchStreams(app);

  // Bodies stay strings: JSON and YAML are parsed by the handlers, so syntax errors are Statuses.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path)) return;
    const principal = opts.auth.authenticate(req.headers.authorization);
    if (principal === undefined) {
      const status = unauthorized(req.headers.authorization ? 'Unauthorized: the bearer token is not known' : 'Unauthorized: a bearer token is required');
      return sendStatus(reply.header('www-authenticate', 'Bearer realm="caldera"'), status);
    }
    req.principal = principal;
  });

  const metrics = opts.metrics;
  if (metrics?.observeRequest) {
    const observe = metrics.observeRequest.bind(metrics);
    app.addHook('onResponse', async (req, reply) => {
      observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', code: reply.statusCode, seconds: reply.elapsedTime / 1000 });
    });
  }
  if (metrics) {
    app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
    const compat = metrics.volcanoCompatRegistry;
    if (compat) app.get('/metrics/volcano', async (_req, reply) => reply.type(compat.contentType).send(await compat.metrics()));
  }

  app.setErrorHandler(async (err, req, reply) => {
    const status = statusOfError(err);
    if (status.code >= 500) req.log.error({ err }, 'request failed');
    return sendStatus(reply, status);
  });
  app.setNotFoundHandler(async (req, reply) =>
    sendStatus(reply, failure({ reason: 'NotFound', message: `the server could not find the requested resource (${req.method} ${req.url.split('?')[0] ?? ''})` })));

  // Every route of the API is known once these return; a served path with another method is 405.
  const served = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const set = served.get(route.url) ?? new Set<string>();
    for (const m of Array.isArray(route.method) ? route.method : [route.method]) set.add(m);
    served.set(route.url, set);
  });
  registerDiscoveryRoutes(app, { version: { version: opts.version ?? '0.0.0' }, ready: () => opts.store.ping() });
  registerOpenApiRoutes(app);
  const queues = new QueueDirectory(opts.store);
  app.addHook('onClose', async () => queues.close());
  registerJobRoutes(app, { store: opts.store, clock, queues });
  registerQueueRoutes(app, { store: opts.store, clock, directory: queues });
  registerMemberRoutes(app, { store: opts.store, clock, times: opts.memberHealth ?? DEFAULT_MEMBER_HEALTH });
  for (const [url, methods] of [...served]) {
    const missing = ALL_METHODS.filter((m) => !methods.has(m) && !(m === 'HEAD' && methods.has('GET')));
    if (missing.length === 0) continue;
    const allow = [...methods].join(', ');
    app.route({
      method: missing,
      url,
      handler: async (req, reply) => sendStatus(reply.header('allow', allow), failure({
        reason: 'MethodNotAllowed',
        message: `the server does not allow this method on the requested resource (${req.method} ${url}; allowed: ${allow})`,
      })),
    });
  }
  return app;
}
