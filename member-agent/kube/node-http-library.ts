/**
 * A transport for client-node's generated API on node:http / node:https, plugged in through its
 * `httpApi` extension point (`wrapHttpLibrary`). client-node's default transport (node-fetch) costs
 * several times more CPU per small request; the agent makes thousands of them per second (pod
 * creates, bindings), so the transport matters. TLS options and tokens still come from the kubeconfig.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as k8s from '@kubernetes/client-node';

/** Observes each API call: its verb, resource, status code (0 when no answer came) and duration. */
export type RequestObserver = (call: { verb: string; resource: string; code: number; seconds: number }) => void;

/** The Kubernetes verb and resource of a request (`POST …/pods/x/binding` → create `pods/binding`). */
export function describeRequest(method: string, pathname: string): { verb: string; resource: string } {
  const parts = pathname.split('/').filter((p) => p !== '');
  // /api/v1/... or /apis/<group>/<version>/...
  let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  if (rest.length === 0) return { verb: 'get', resource: 'discovery' };
  const resource = rest.length >= 3 ? `${rest[0]}/${rest[2]}` : (rest[0] ?? 'discovery');
  const named = rest.length >= 2;
  const m = method.toUpperCase();
  const verb = m === 'GET' ? (named ? 'get' : 'list') : m === 'POST' ? 'create' : m === 'PUT' ? 'update' : m === 'PATCH' ? 'patch' : m === 'DELETE' ? 'delete' : m.toLowerCase();
  return { verb, resource };
}

export function nodeHttpLibrary(agent: http.Agent, observe?: RequestObserver): k8s.HttpLibrary {
  return k8s.wrapHttpLibrary({
    send(req: k8s.RequestContext): Promise<k8s.ResponseContext> {
      const started = performance.now();
      const url = new URL(req.getUrl());
      const done = (code: number) => {
        if (!observe) return;
        const { verb, resource } = describeRequest(req.getHttpMethod(), url.pathname);
        observe({ verb, resource, code, seconds: (performance.now() - started) / 1000 });
      };
      return new Promise((resolve, reject) => {
        const client = url.protocol === 'https:' ? https : http;
        const body = req.getBody();
        if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
          reject(new Error('unsupported request body type'));
          return;
        }
        // Node frames a body without a length only for some methods (not DELETE): always say it.
        const headers: Record<string, string | number> = { ...req.getHeaders() };
        if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
        const r = client.request(
          {
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port,
            path: url.pathname + url.search,
            method: req.getHttpMethod(),
            headers,
            agent: (req.getAgent() as http.Agent | undefined) ?? agent,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', (err) => {
              done(0);
              reject(err);
            });
            res.on('end', () => {
              done(res.statusCode ?? 0);
              const body = Buffer.concat(chunks);
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
              resolve(new k8s.ResponseContext(res.statusCode ?? 0, headers, { text: async () => body.toString('utf8'), binary: async () => body }));
            });
          },
        );
        r.on('error', (err) => {
          done(0);
          reject(err);
        });
        const signal = req.getSignal();
        if (signal) signal.addEventListener('abort', () => r.destroy(new Error('request aborted')), { once: true });
        r.end(body);
      });
    },
  });
}
