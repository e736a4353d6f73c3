/**
 * Serving a registry in the Prometheus text format (`text/plain; version=0.0.4`), as a fastify
 * plugin or as a plain `node:http` request listener.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/** The exposition format every Prometheus version scrapes. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A registry, or anything carrying one (`createGatewayMetrics()`'s result). */
export type RegistrySource = Registry | { registry: Registry };

function registryOf(source: RegistrySource): Registry {
  return 'registry' in source ? source.registry : source;
}

/** Renders the registry; a failing `collect()` callback becomes an error the caller turns into a 500. */
export async function renderMetrics(source: RegistrySource): Promise<{ contentType: string; body: string }> {
  return { contentType: PROMETHEUS_TEXT_CONTENT_TYPE, body: await registryOf(source).metrics() };
}

/** `app.register(metricsRoute(metrics))` adds `GET /metrics` (or `opts.path`). */
export function metricsRoute(source: RegistrySource, opts: { path?: string } = {}): FastifyPluginAsync {
  const path = opts.path ?? '/metrics';
  return async (app) => {
    app.get(path, async (_request, reply) => {
      const { contentType, body } = await renderMetrics(source);
      return reply.header('content-type', contentType).send(body);
    });
  };
}

/** For servers without fastify: answers `GET /metrics` and returns false for any other request. */
export function metricsRequestListener(source: RegistrySource, opts: { path?: string } = {}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const path = opts.path ?? '/metrics';
  return (req, res) => {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0];
    if (pathname !== path || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    renderMetrics(source).then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`metrics collection failed: ${message}\n`);
      },
    );
    return true;
  };
}
