/**
 * `caldera agent` configuration: flags win over environment variables, which win over defaults.
 * `agentHelp()` is the --help text; keep it and `loadAgentConfig` in step.
 */
import { parseGoDuration } from './controllers/job/go-duration.js';

export interface AgentConfig {
  cluster: string;
  redisUrl: string;
  kubeconfig?: string;
  schedulerName: string;
  schedulerConfigPath?: string;
  schedulePeriodMs: number;
  deployment: string;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName?: string;
  metricsPort?: number;
  logLevel: string;
}

export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

export interface AgentOption {
  flag: string;
  env?: string;
  arg?: string;
  help: string;
}

/** Every flag and its environment variable; the Helm chart may set only these variables. */
export const AGENT_OPTIONS: readonly AgentOption[] = [
  { flag: 'cluster', env: 'CALDERA_CLUSTER', arg: 'NAME', help: 'member cluster name, as the gateway knows it (required; DNS-1123 label)' },
  { flag: 'redis-url', env: 'REDIS_URL', arg: 'URL', help: 'Redis shared with the gateway (default redis://127.0.0.1:6379)' },
  { flag: 'kubeconfig', env: 'KUBECONFIG', arg: 'PATH', help: 'kubeconfig of the member cluster (default: in-cluster service account, else ~/.kube/config)' },
  { flag: 'scheduler-name', env: 'CALDERA_SCHEDULER_NAME', arg: 'NAME', help: 'schedule pods with this spec.schedulerName; "volcano" is always accepted too (default caldera)' },
  { flag: 'scheduler-config', env: 'CALDERA_SCHEDULER_CONFIG', arg: 'PATH', help: "Volcano scheduler configuration (actions + tiers YAML); reloaded when it changes (default: Volcano's default)" },
  { flag: 'schedule-period', env: 'CALDERA_SCHEDULE_PERIOD', arg: 'DURATION', help: 'time between scheduling cycles, e.g. 1s, 500ms (default 1s; events also trigger cycles)' },
  { flag: 'deployment', env: 'CALDERA_DEPLOYMENT', arg: 'NAME', help: 'deployment name shared with the gateway: the key prefix {NAME} of its dispatch queues and report stream (default caldera)' },
  { flag: 'leader-elect', env: 'CALDERA_LEADER_ELECT', arg: 'BOOL', help: 'elect one leader among agent replicas with a Lease (default true)' },
  { flag: 'lease-name', env: 'CALDERA_LEASE_NAME', arg: 'NAME', help: 'name of the leader Lease (default caldera-agent-<cluster>)' },
  { flag: 'lease-namespace', env: 'CALDERA_LEASE_NAMESPACE', arg: 'NS', help: "namespace of the leader Lease caldera-agent-<cluster> (default: POD_NAMESPACE, else default)" },
  { flag: 'metrics-port', env: 'CALDERA_METRICS_PORT', arg: 'PORT', help: 'serve /metrics, /metrics/volcano (Volcano legacy names), /healthz and /readyz on this port (default: off)' },
  { flag: 'log-level', env: 'LOG_LEVEL', arg: 'LEVEL', help: 'pino log level: debug, info, warn, error (default info)' },
];

export function agentHelp(): string {
  const rows = AGENT_OPTIONS.map((o) => {
    const left = `  --${o.flag} ${o.arg ?? ''}`.padEnd(34);
    return `${left}${o.help}${o.env ? `\n${' '.repeat(34)}env: ${o.env}` : ''}`;
  });
  return [
    'Usage: caldera agent --cluster NAME [flags]',
    '',
    'Runs the member agent of one cluster: the Volcano job, PodGroup and Queue controllers, the local',
    'gang scheduler (binds pods whose schedulerName is ours), the reporter and the consumer of the',
    "gateway's dispatch queue. Replicas elect a leader; only the leader acts.",
    '',
    'Flags (each also readable from the environment variable shown):',
    ...rows,
    '  --help                          show this text',
    '',
  ].join('\n');
}

function parseBool(v: string, what: string): boolean {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new AgentConfigError(`${what}: "${v}" is not a boolean`);
}

/** Reads flags (`--name value`, `--name=value`, `--no-leader-elect`) and the environment. */
export function loadAgentConfig(args: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new AgentConfigError(`unexpected argument "${a}"`);
    const body = a.slice(2);
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (value === undefined && name.startsWith('no-') && AGENT_OPTIONS.some((o) => o.flag === name.slice(3) && o.arg === 'BOOL')) {
      name = name.slice(3);
      value = 'false';
    }
    const opt = AGENT_OPTIONS.find((o) => o.flag === name);
    if (!opt) throw new AgentConfigError(`unknown flag --${name} (see --help)`);
    if (value === undefined) {
      if (opt.arg === 'BOOL' && (args[i + 1] === undefined || args[i + 1]!.startsWith('--'))) value = 'true';
      else {
        value = args[++i];
        if (value === undefined) throw new AgentConfigError(`--${name} needs a value`);
      }
    }
    flags.set(name, value);
  }
  const get = (flag: string): string | undefined => {
    const opt = AGENT_OPTIONS.find((o) => o.flag === flag)!;
    const v = flags.get(flag) ?? (opt.env ? env[opt.env] : undefined);
    return v === undefined || v === '' ? undefined : v;
  };

  const cluster = get('cluster');
  if (!cluster) throw new AgentConfigError('the cluster name is required: --cluster NAME or CALDERA_CLUSTER');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(cluster) || cluster.length > 63) {
    throw new AgentConfigError(`cluster name "${cluster}" must be a DNS-1123 label`);
  }
  const periodText = get('schedule-period') ?? '1s';
  const schedulePeriodMs = /^\d+$/.test(periodText) ? Number(periodText) : parseGoDuration(periodText);
  if (schedulePeriodMs === undefined || schedulePeriodMs <= 0) throw new AgentConfigError(`schedule period "${periodText}" is not a positive duration`);
  const portText = get('metrics-port');
  const metricsPort = portText === undefined ? undefined : Number(portText);
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort < 65536)) {
    throw new AgentConfigError(`metrics port "${portText}" is not a port number`);
  }
  const kubeconfig = get('kubeconfig');
  const schedulerConfigPath = get('scheduler-config');
  const leaseName = get('lease-name');
  return {
    cluster,
    redisUrl: get('redis-url') ?? 'redis://127.0.0.1:6379',
    schedulerName: get('scheduler-name') ?? 'caldera',
    schedulePeriodMs,
    deployment: get('deployment') ?? 'caldera',
    leaderElect: parseBool(get('leader-elect') ?? 'true', 'leader-elect'),
    leaseNamespace: get('lease-namespace') ?? env.POD_NAMESPACE ?? 'default',
    logLevel: get('log-level') ?? 'info',
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(schedulerConfigPath ? { schedulerConfigPath } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    ...(leaseName ? { leaseName } : {}),
  };
}
