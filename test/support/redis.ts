/**
 * tap glue for the Redis harness: `const r = await useRedis(t)` gives a URL, a connected client and
 * a unique key prefix; the server (one per test file) stops when the file's tests end.
 */
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startRedisServer, type RedisHandle } from '../../gateway/embedded-redis.js';

let shared: Promise<RedisHandle> | undefined;

interface Teardownable {
  name: string;
  teardown(fn: () => unknown): void;
}

export interface TestRedis {
  url: string;
  prefix: string;
  client: Redis;
  /** a new connection (BullMQ workers want their own) */
  connect(opts?: { maxRetriesPerRequest?: number | null }): Redis;
}

export function redisServer(): Promise<RedisHandle> {
  shared ??= startRedisServer();
  return shared;
}

export async function useRedis(t: Teardownable): Promise<TestRedis> {
  const handle = await redisServer();
  const clients: Redis[] = [];
  const connect = (opts: { maxRetriesPerRequest?: number | null } = {}) => {
    const c = new Redis(handle.url, { maxRetriesPerRequest: opts.maxRetriesPerRequest ?? null });
    clients.push(c);
    return c;
  };
  const client = connect();
  t.teardown(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  });
  return { url: handle.url, prefix: uniquePrefix(t.name), client, connect };
}


/** A key prefix unique to one test, so tests can share a server. */
export function uniquePrefix(label = 't'): string {
  return `${label.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 40)}-${randomBytes(4).toString('hex')}:`;
}
