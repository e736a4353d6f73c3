/**
 * A gateway app on the test Redis with its own key prefix, the bootstrap queues, and three tokens:
 * `admin` (everything), `alice` (namespace team-a, queue default) and `viewer` (namespace team-b,
 * no queues).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../gateway/app.js';
import { bootstrapQueues } from '../../gateway/api/queue-routes.js';
import { insecureAuthenticator, tokenAuthenticator } from '../../gateway/auth/authenticator.js';
import type { TokenGrant } from '../../gateway/auth/token-grants.js';
import { RedisGatewayStore } from '../../gateway/store/redis-gateway-store.js';
import { systemClock } from '../../shared/clock.js';
import { useRedis, type TestRedis } from '../support/redis.js';

export const TOKENS = {
  admin: 'admin-token-0123456789',
  alice: 'alice-token-0123456789',
  viewer: 'viewer-token-0123456789',
};

export const GRANTS: TokenGrant[] = [
  { token: TOKENS.admin, subject: 'admin', namespaces: '*', queues: '*', admin: true },
  { token: TOKENS.alice, subject: 'alice', namespaces: ['team-a'], queues: ['default'], admin: false },
  { token: TOKENS.viewer, subject: 'viewer', namespaces: ['team-b'], queues: [], admin: false },
];

interface Teardownable {
  name: string;
  teardown(fn: () => unknown): void;
}

export interface TestGateway {
  app: FastifyInstance;
  store: RedisGatewayStore;
  redis: TestRedis;
  /** base URL when started with `listen: true` */
  url: string;
  /** `app.inject` with the admin token unless another (or none) is given */
  request(opts: { method: string; url: string; body?: string | object; contentType?: string; token?: string | null; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
}

export async function startTestGateway(
  t: Teardownable,
  opts: { listen?: boolean; insecure?: boolean; prefix?: string; redis?: TestRedis; app?: Partial<BuildAppOptions> } = {},
): Promise<TestGateway> {
  const redis = opts.redis ?? (await useRedis(t));
  const store = new RedisGatewayStore({ client: redis.connect(), prefix: opts.prefix ?? redis.prefix });
  for (const q of bootstrapQueues(systemClock)) await store.ensureQueue(q);
  const app = buildApp({ store, auth: opts.insecure ? insecureAuthenticator() : tokenAuthenticator(GRANTS), ...opts.app });
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  let url = '';
  if (opts.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    url = `${opts.app?.tls ? 'https' : 'http'}://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  } else {
    await app.ready();
  }
  const request: TestGateway['request'] = (r) => {
    const headers: Record<string, string> = { ...r.headers };
    const token = r.token === undefined ? TOKENS.admin : r.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (r.body !== undefined) headers['content-type'] = r.contentType ?? (typeof r.body === 'string' ? 'application/yaml' : 'application/json');
    const payload = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return app.inject({ method: r.method as 'GET', url: r.url, headers, payload });
  };
  return { app, store, redis, url, request };
}

const tlsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'gateway', 'tls');

/** A self-signed test certificate for 127.0.0.1 (valid for a century; test use only). */
export function testTls(): { cert: Buffer; key: Buffer; certFile: string; keyFile: string } {
  const certFile = join(tlsDir, 'localhost-cert.pem');
  const keyFile = join(tlsDir, 'localhost-key.pem');
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
}

export const JOBS = '/apis/batch.volcano.sh/v1alpha1';
export const QUEUES = '/apis/scheduling.volcano.sh/v1beta1/queues';
export const MEMBERS = '/apis/caldera.dev/v1alpha1/memberclusters';

/** A small valid vcjob. */
export function simpleJob(name: string, opts: { queue?: string; labels?: Record<string, string>; replicas?: number } = {}) {
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      ...(opts.queue ? { queue: opts.queue } : {}),
      minAvailable: 1,
      tasks: [{ name: 'worker', replicas: opts.replicas ?? 2, template: { spec: { containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '1' } } }] } } }],
    },
  };
}
