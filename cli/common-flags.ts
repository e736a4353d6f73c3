/**
 * Flags every user command shares, and how they map to the environment:
 * --server / CALDERA_SERVER (default http://127.0.0.1:8080), --token / CALDERA_TOKEN,
 * -n/--namespace / CALDERA_NAMESPACE (default "default").
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-error.js';
import { GatewayClient } from './gateway-client.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export const commonOptions = {
  server: { type: 'string' },
  token: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const COMMON_HELP = `Global flags:
  --server URL        gateway address (env CALDERA_SERVER, default ${DEFAULT_SERVER})
  --token TOKEN       bearer token (env CALDERA_TOKEN)
  -n, --namespace NS  namespace (env CALDERA_NAMESPACE, default "default")
  -h, --help          this help
`;

export interface Parsed<V> {
  values: V;
  positionals: string[];
}

/** parseArgs with the common flags added; unknown flags become a CliError with exit code 2. */
export function parseFlags<O extends ParseArgsConfig['options']>(args: string[], options: O): Parsed<Record<string, string | boolean | string[] | undefined>> {
  try {
    const r = parseArgs({ args, options: { ...commonOptions, ...options }, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | string[] | undefined>, positionals: r.positionals };
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), 2);
  }
}

export function clientFrom(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): GatewayClient {
  const server = (values.server as string | undefined) ?? env.CALDERA_SERVER ?? DEFAULT_SERVER;
  const token = (values.token as string | undefined) ?? env.CALDERA_TOKEN;
  return new GatewayClient({ server, token });
}

export function namespaceFrom(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string {
  return (values.namespace as string | undefined) ?? env.CALDERA_NAMESPACE ?? 'default';
}

export const JOBS_PATH = '/apis/batch.volcano.sh/v1alpha1';
export const QUEUES_PATH = '/apis/scheduling.volcano.sh/v1beta1/queues';
export const CLUSTERS_PATH = '/apis/caldera.dev/v1alpha1/memberclusters';

export function jobsPath(ns: string | undefined, name?: string): string {
  const base = ns === undefined ? `${JOBS_PATH}/jobs` : `${JOBS_PATH}/namespaces/${encodeURIComponent(ns)}/jobs`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}
