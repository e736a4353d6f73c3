/**
 * `caldera gateway`: reads the configuration from the environment, connects to Redis (or starts an
 * embedded one), serves the API, and shuts down cleanly on SIGINT/SIGTERM.
 *
 * `startGateway` does the same in-process (tests, the demo). Components that run beside the API —
 * the global scheduler, dispatch, report ingestion, member health — are passed in `components`:
 * each is started after the store is ready and the app listens, and stopped (in reverse order)
 * before the store closes.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { insecureAuthenticator, tokenAuthenticator, type Authenticator } from './auth/authenticator.js';
import { loadTokenGrants } from './auth/token-grants.js';
import { buildApp, type AppMetrics } from './app.js';
import { bootstrapQueues } from './api/queue-routes.js';
import { applyProcessSettings, configHelp, ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { startRedisServer, type RedisHandle } from './embedded-redis.js';
import { federationComponent } from './federation.js';
import { createGatewayMetrics } from './metrics.js';
import type { GatewayStore } from './store/gateway-store.js';
import { RedisGatewayStore } from './store/redis-gateway-store.js';
import { systemClock, type Clock } from '../shared/clock.js';

/** What a component gets when it starts. */
export interface ComponentContext {
  config: GatewayConfig;
  store: GatewayStore;
  /** the Redis URL in use (BullMQ connections open their own) */
  redisUrl: string;
  logger: FastifyBaseLogger;
  clock: Clock;
}

/** A part of the gateway process beside the API (scheduler, dispatcher, ingest, health, leader). */
export interface GatewayComponent {
  name: string;
  start(ctx: ComponentContext): Promise<{ stop(): Promise<void> } | void>;
}

export interface StartGatewayOptions {
  components?: GatewayComponent[];
  logger?: FastifyBaseLogger;
  metrics?: AppMetrics;
  clock?: Clock;
  /** called once everything listens and every component started */
  onStarted?(gateway: RunningGateway): void | Promise<void>;
}

export interface RunningGateway {
  url: string;
  app: FastifyInstance;
  store: GatewayStore;
  redisUrl: string;
  stop(): Promise<void>;
}

function packageVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    for (const path of ['../package.json', '../../package.json']) {
      try {
        const pkg = require(path) as { name?: string; version?: string };
        if (pkg.name === 'caldera' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // try the next layout (source tree or dist/)
      }
    }
  } catch {
    // fall through
  }
  return '0.0.0';
}

async function authenticator(config: GatewayConfig, logger: FastifyBaseLogger): Promise<Authenticator> {
  if (config.insecure) {
    logger.warn('CALDERA_INSECURE is set: authentication is OFF and every caller is an admin; never run this way outside development');
    return insecureAuthenticator();
  }
  if (config.tokensFile === undefined) throw new ConfigError('CALDERA_TOKENS_FILE is not set');
  const grants = await loadTokenGrants(config.tokensFile);
  logger.info({ tokens: grants.length }, 'tokens loaded');
  return tokenAuthenticator(grants);
}

export async function startGateway(config: GatewayConfig, opts: StartGatewayOptions = {}): Promise<RunningGateway> {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const cleanups: Array<() => Promise<void>> = [];
  const unwind = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    const auth = await authenticator(config, logger);
    const redis: RedisHandle = await startRedisServer({ env: config.redisUrl ? { REDIS_URL: config.redisUrl } : {} });
    cleanups.push(() => redis.stop());
    if (config.redisUrl === undefined) logger.info({ redis: redis.url }, 'embedded redis-server started');
    const store = await RedisGatewayStore.connect({ url: redis.url, prefix: config.prefix, feedMaxLen: config.feedMaxLen });
    cleanups.push(() => store.close());
    for (const q of bootstrapQueues(clock)) await store.ensureQueue(q);

    const tls = config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined
      ? { cert: await readFile(config.tlsCertFile), key: await readFile(config.tlsKeyFile) }
      : undefined;
    const app = buildApp({
      tls,
      store, auth, logger, clock, metrics: opts.metrics, bodyLimit: config.bodyLimit,
      memberHealth: { notReadyAfterMs: config.notReadyAfterMs, lostAfterMs: config.lostAfterMs },
      version: packageVersion(),
    });
    cleanups.push(() => app.close());
    await app.listen({ port: config.port, host: config.host });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

    for (const component of opts.components ?? []) {
      const handle = await component.start({ config, store, redisUrl: redis.url, logger: logger.child({ component: component.name }), clock });
      if (handle) cleanups.push(() => handle.stop());
      logger.info({ component: component.name }, 'component started');
    }

    let stopping: Promise<void> | undefined;
    const gateway: RunningGateway = { url, app, store, redisUrl: redis.url, stop: () => (stopping ??= unwind()) };
    logger.info({ url }, 'gateway listening');
    await opts.onStarted?.(gateway);
    return gateway;
  } catch (err) {
    await unwind();
    throw err;
  }
}

export function usage(): string {
  return `Usage: caldera gateway [--help]

Serves the Caldera API (Kubernetes-style REST for Volcano jobs, queues and member clusters) on
HOST:PORT, backed by Redis. Configuration comes from the environment:

${configHelp()}
`;
}

/** Where `main` writes and what environment it reads (the process's by default). */
export interface MainIo {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  env?: NodeJS.ProcessEnv;
}

export async function main(args: string[], io: MainIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  if (args.includes('--help') || args.includes('-h')) {
    stdout.write(usage());
    return 0;
  }
  const unknown = args.filter((a) => a !== '--');
  if (unknown.length > 0) {
    stderr.write(`caldera gateway: unknown argument "${unknown[0] ?? ''}"\n\n${usage()}`);
    return 2;
  }
  let config: GatewayConfig;
  try {
    config = loadConfig(io.env ?? process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      stderr.write(`caldera gateway: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  applyProcessSettings(config);
  // every replica campaigns for the scheduler lease; the leader schedules, dispatches and ingests
  // /metrics serves the lint-clean families; Volcano's legacy names go to /metrics/volcano
  const metrics = createGatewayMetrics({ volcanoCompat: false });
  const gateway = await startGateway(config, { metrics, components: [federationComponent({ metrics })] });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      gateway.app.log.info({ signal }, 'shutting down');
      void gateway.stop().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
