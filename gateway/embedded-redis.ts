/**
 * The embedded Redis: a private redis-server child on a free loopback port, with nothing on disk.
 * Used when REDIS_URL is absent (the demo and the tests); with REDIS_URL set, that server is
 * adopted and nothing is started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisHandle {
  /** redis://host:port of the server */
  url: string;
  /** stop the server (no-op when REDIS_URL was given) */
  stop(): Promise<void>;
}

export const REDIS_MISSING_MESSAGE =
  'redis-server was not found on PATH: install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`) or set REDIS_URL to a Redis 6.2+ server.';

/** Finds a free TCP port on loopback by binding port 0 and releasing it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function redisServerAvailable(bin = process.env.REDIS_SERVER_BIN ?? 'redis-server'): boolean {
  const r = spawnSync(bin, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Starts redis-server (or adopts REDIS_URL) and waits until it answers PING. */
export async function startRedisServer(opts: { bin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RedisHandle> {
  const env = opts.env ?? process.env;
  if (env.REDIS_URL) {
    return { url: env.REDIS_URL, stop: async () => {} };
  }
  const bin = opts.bin ?? env.REDIS_SERVER_BIN ?? 'redis-server';
  if (!redisServerAvailable(bin)) throw new Error(REDIS_MISSING_MESSAGE);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      bin,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--maxmemory-policy', 'noeviction', '--loglevel', 'warning', '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    // The server must not keep the test process alive; it is killed when the process exits.
    child.unref();
    const url = `redis://127.0.0.1:${port}`;
    const up = await waitForPing(url, child, 5000);
    if (up) {
      const stop = async (): Promise<void> => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
      };
      // Never leave a server behind, whatever way the process ends.
      process.once('exit', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
      return { url, stop };
    }
    child.kill('SIGKILL');
  }
  throw new Error('redis-server did not start on a free port after 5 attempts');
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return true;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

