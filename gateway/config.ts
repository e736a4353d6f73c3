/**
 * Gateway configuration, read from the environment. Every variable, its default and its meaning is
 * in `CONFIG_VARIABLES`, which `caldera gateway --help` prints.
 */
import { setFlagsFromString } from 'node:v8';
import { DEFAULT_PREFIX, PREFIX_PATTERN } from './store/keys.js';
import { DEFAULT_FEED_MAXLEN } from './store/redis-gateway-store.js';

export interface GatewayConfig {
  /** Redis to use; undefined = start an embedded redis-server child */
  redisUrl?: string;
  port: number;
  host: string;
  tokensFile?: string;
  insecure: boolean;
  bodyLimit: number;
  schedulerConfigFile?: string;
  notReadyAfterMs: number;
  lostAfterMs: number;
  prefix: string;
  feedMaxLen: number;
  logLevel: string;
  /** PEM files; both set = serve HTTPS */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** how far (percent) V8's old space may grow past what the last full collection kept; 0 = V8's own rule */
  heapGrowthPercent: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * V8 heap settings for the gateway process (set through NODE_OPTIONS; the Helm chart's default).
 * The old space is capped so the heap is collected before it grows towards the container limit;
 * the young generation is larger than Node's default because a busy gateway allocates a lot of
 * short-lived objects per request and placement: with room for them to die young, far fewer are
 * promoted, and full collections (the longest pauses) become rare.
 */
export const GATEWAY_NODE_OPTIONS = '--max-old-space-size=384 --max-semi-space-size=32';

/**
 * How far the old space may grow past what survived the last full collection before the next one
 * starts (V8's --heap-growing-percent; Node does not take it in NODE_OPTIONS, so the gateway sets
 * it itself at start). V8's own rule lets a heap of 80 MiB grow by about half when collections look
 * cheap, which under a steady stream of submissions means a full collection every two seconds;
 * each one's marking slows the process for a tenth of a second or more, and those episodes were
 * what the submit-to-dispatch p99 was made of. With 200 the same load sees one every ten seconds
 * or so; the old space stays capped by --max-old-space-size whatever this says.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 200;

export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: 'REDIS_URL', default: '(embedded)', meaning: 'Redis to use (redis://host:port); unset: start a private redis-server on a free loopback port' },
  { name: 'PORT', default: '8080', meaning: 'HTTP listen port (0 = any free port)' },
  { name: 'HOST', default: '127.0.0.1', meaning: 'HTTP listen address (0.0.0.0 in containers)' },
  { name: 'CALDERA_TOKENS_FILE', default: '(none)', meaning: 'YAML/JSON list of {token, subject, namespaces, queues, admin}; required unless CALDERA_INSECURE=1' },
  { name: 'CALDERA_INSECURE', default: '0', meaning: '1 = development mode: no tokens, every caller is admin (logged as a warning)' },
  { name: 'CALDERA_BODY_LIMIT', default: '1Mi', meaning: 'largest request body (bytes, or with Ki/Mi suffix)' },
  { name: 'CALDERA_SCHEDULER_CONFIG', default: '(built-in)', meaning: "scheduler config file (Volcano's actions + tiers YAML)" },
  { name: 'CALDERA_NOTREADY_AFTER', default: '40s', meaning: 'heartbeat silence after which a member is NotReady (no new placements)' },
  { name: 'CALDERA_LOST_AFTER', default: '5m', meaning: 'heartbeat silence after which a member is Lost (its jobs are re-queued)' },
  { name: 'CALDERA_PREFIX', default: DEFAULT_PREFIX, meaning: 'Redis key prefix of this deployment (keys live under the hash tag {prefix})' },
  { name: 'CALDERA_FEED_MAXLEN', default: String(DEFAULT_FEED_MAXLEN), meaning: 'approximate number of changes kept for watch resumption' },
  { name: 'CALDERA_TLS_CERT_FILE', default: '(none)', meaning: 'PEM certificate; with CALDERA_TLS_KEY_FILE the API is served over HTTPS (kubectl sends tokens only over HTTPS)' },
  { name: 'CALDERA_TLS_KEY_FILE', default: '(none)', meaning: 'PEM private key of that certificate' },
  { name: 'CALDERA_LOG_LEVEL', default: 'info', meaning: 'pino log level (fatal, error, warn, info, debug, trace, silent)' },
  { name: 'CALDERA_HEAP_GROWTH', default: String(DEFAULT_HEAP_GROWTH_PERCENT), meaning: "percent the V8 old space may grow past what the last full collection kept before the next one (fewer full collections, more memory, still capped by --max-old-space-size); 0 = V8's own rule" },
  { name: 'NODE_OPTIONS', default: '(none)', meaning: `read by Node itself: V8 heap settings; the Helm chart sets "${GATEWAY_NODE_OPTIONS}"` },
];

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations: `300ms`, `40s`, `5m`, `1h30m`; a bare number is seconds. */
export function parseDuration(text: string, name: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 0);
    consumed = re.lastIndex;
  }
  if (consumed !== t.length || t === '') throw new ConfigError(`${name}: "${text}" is not a duration (examples: 40s, 5m, 1h30m)`);
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1000, K: 1000, Ki: 1024, M: 1e6, Mi: 1024 ** 2, G: 1e9, Gi: 1024 ** 3, KB: 1000, MB: 1e6, GB: 1e9 };

export function parseByteSize(text: string, name: string): number {
  const m = /^\s*(\d+)\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = SIZE_UNITS[m?.[2] ?? 'x'];
  if (!m || unit === undefined) throw new ConfigError(`${name}: "${text}" is not a size (examples: 1048576, 512Ki, 1Mi)`);
  const n = Number(m[1]) * unit;
  if (n <= 0) throw new ConfigError(`${name}: must be positive`);
  return n;
}

function flag(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const portText = nonEmpty(env.PORT) ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ConfigError(`PORT: "${portText}" is not a port number (0-65535)`);
  const prefix = nonEmpty(env.CALDERA_PREFIX) ?? DEFAULT_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) throw new ConfigError(`CALDERA_PREFIX: "${prefix}" may hold only letters, digits, '.', '_' and '-'`);
  const insecure = flag(env.CALDERA_INSECURE);
  const tokensFile = nonEmpty(env.CALDERA_TOKENS_FILE);
  if (!insecure && tokensFile === undefined) {
    throw new ConfigError('no authentication configured: set CALDERA_TOKENS_FILE to a tokens file, or CALDERA_INSECURE=1 for development');
  }
  const notReadyAfterMs = parseDuration(nonEmpty(env.CALDERA_NOTREADY_AFTER) ?? '40s', 'CALDERA_NOTREADY_AFTER');
  const lostAfterMs = parseDuration(nonEmpty(env.CALDERA_LOST_AFTER) ?? '5m', 'CALDERA_LOST_AFTER');
  if (lostAfterMs <= notReadyAfterMs) {
    throw new ConfigError(`CALDERA_LOST_AFTER (${lostAfterMs} ms) must be longer than CALDERA_NOTREADY_AFTER (${notReadyAfterMs} ms)`);
  }
  const growthText = nonEmpty(env.CALDERA_HEAP_GROWTH) ?? String(DEFAULT_HEAP_GROWTH_PERCENT);
  if (!/^\d+$/.test(growthText) || Number(growthText) > 1000) throw new ConfigError(`CALDERA_HEAP_GROWTH: "${growthText}" is not a percentage from 0 to 1000`);
  const feedText = nonEmpty(env.CALDERA_FEED_MAXLEN) ?? String(DEFAULT_FEED_MAXLEN);
  if (!/^\d+$/.test(feedText) || Number(feedText) < 100) throw new ConfigError('CALDERA_FEED_MAXLEN: must be an integer of at least 100');
  const config: GatewayConfig = {
    port,
    host: nonEmpty(env.HOST) ?? '127.0.0.1',
    insecure,
    bodyLimit: parseByteSize(nonEmpty(env.CALDERA_BODY_LIMIT) ?? '1Mi', 'CALDERA_BODY_LIMIT'),
    notReadyAfterMs,
    lostAfterMs,
    prefix,
    feedMaxLen: Number(feedText),
    logLevel: nonEmpty(env.CALDERA_LOG_LEVEL) ?? 'info',
    heapGrowthPercent: Number(growthText),
  };
  const redisUrl = nonEmpty(env.REDIS_URL);
  if (redisUrl !== undefined) config.redisUrl = redisUrl;
  if (tokensFile !== undefined) config.tokensFile = tokensFile;
  const tlsCertFile = nonEmpty(env.CALDERA_TLS_CERT_FILE);
  const tlsKeyFile = nonEmpty(env.CALDERA_TLS_KEY_FILE);
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    throw new ConfigError('CALDERA_TLS_CERT_FILE and CALDERA_TLS_KEY_FILE go together: set both or neither');
  }
  if (tlsCertFile !== undefined && tlsKeyFile !== undefined) {
    config.tlsCertFile = tlsCertFile;
    config.tlsKeyFile = tlsKeyFile;
  }
  const schedulerConfigFile = nonEmpty(env.CALDERA_SCHEDULER_CONFIG);
  if (schedulerConfigFile !== undefined) config.schedulerConfigFile = schedulerConfigFile;
  return config;
}

/**
 * Applies the process-wide V8 settings of the configuration (the heap growth); called once by the
 * process that runs the gateway, before it starts.
 */
export function applyProcessSettings(config: Pick<GatewayConfig, 'heapGrowthPercent'>): void {
  if (config.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.heapGrowthPercent}`);
}

export function configHelp(): string {
  const width = Math.max(...CONFIG_VARIABLES.map((v) => v.name.length));
  return CONFIG_VARIABLES.map((v) => `  ${v.name.padEnd(width)}  ${v.meaning} (default: ${v.default})`).join('\n');
}
