/**
 * `caldera dev` (what `npm start` runs): the whole federation on one machine, as separate processes
 * talking over the real protocols — an embedded Redis (unless REDIS_URL is set), the gateway, and
 * three simulated member clusters of different shapes, each with its own agent.
 *
 * Steps: 1. Redis  2. simulated clusters (each reports its URL and kubeconfig)  3. gateway, until
 * /readyz answers  4. one agent per cluster  5. print the endpoint and how to use it  6. wait for
 * Ctrl-C, reporting any child that dies  7. stop children (SIGTERM, then SIGKILL after a grace), then Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, closeSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startRedisServer, freePort, type RedisHandle } from '../gateway/embedded-redis.js';
import { CliError } from './cli-error.js';

export const DEV_HELP = `Usage: caldera dev [flags]

Start a whole federation on this machine: an embedded Redis (unless REDIS_URL is set), the gateway,
and three simulated member clusters, each with its own member agent, as separate processes. Stops
everything on Ctrl-C (SIGINT) or SIGTERM.

Clusters:
  cpu     20 nodes × {cpu: 32, memory: 128Gi}
  gpu     10 nodes × {cpu: 64, memory: 512Gi, nvidia.com/gpu: 8}
  mixed   20 nodes × {cpu: 16, memory: 64Gi} and 10 nodes × {cpu: 32, memory: 256Gi, nvidia.com/gpu: 4}

Flags:
  --port PORT   gateway port (env PORT, default 8080)
  -h, --help    this help

Environment:
  REDIS_URL     use this Redis instead of starting a private redis-server
  PORT          gateway port (default 8080)
`;

export interface DevCluster {
  name: string;
  nodes: string[];
}

export const DEV_CLUSTERS: DevCluster[] = [
  { name: 'cpu', nodes: ['20x{cpu: 32, memory: 128Gi}'] },
  { name: 'gpu', nodes: ['10x{cpu: 64, memory: 512Gi, nvidia.com/gpu: 8}'] },
  { name: 'mixed', nodes: ['20x{cpu: 16, memory: 64Gi, prefix: small-}', '10x{cpu: 32, memory: 256Gi, nvidia.com/gpu: 4, prefix: gpu-}'] },
];

interface Child {
  label: string;
  proc: ChildProcess;
  logPath: string;
  critical: boolean;
}

const binPath = fileURLToPath(new URL('../bin/caldera.js', import.meta.url));

export async function devCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let values: { port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${DEV_HELP}`, 2);
  }
  if (values.help) { out(DEV_HELP); return 0; }
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port: "${values.port ?? process.env.PORT}" is not a port`, 2);

  const logDir = mkdtempSync(join(tmpdir(), 'caldera-dev-'));
  const children: Child[] = [];
  let stopping = false;
  let redis: RedisHandle | undefined;
  let exitCode = 0;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => { wake = resolve; });

  // Children log to files; only a simulated cluster's stdout is read (its first line is its address).
  const launch = (label: string, argv: string[], env: NodeJS.ProcessEnv, critical: boolean, readStdout = false): Child => {
    const logPath = join(logDir, `${label}.log`);
    const fd = openSync(logPath, 'a');
    const proc = spawn(process.execPath, [binPath, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', readStdout ? 'pipe' : fd, fd] });
    closeSync(fd);
    const child: Child = { label, proc, logPath, critical };
    children.push(child);
    proc.on('exit', (code, signal) => {
      if (stopping) return;
      out(`\ncaldera dev: ${label} exited (${signal ?? `code ${code}`}). Last lines of ${logPath}:\n${tail(logPath, 15)}\n`);
      if (critical) {
        exitCode = 1;
        wake();
      }
    });
    return child;
  };

  const onSignal = () => wake();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // 1. Redis
    if (process.env.REDIS_URL) {
      redis = { url: process.env.REDIS_URL, stop: async () => {} };
    } else {
      redis = await startRedisServer();
    }
    const redisUrl = redis.url;

    // 2. simulated clusters
    const sims: { name: string; url: string; kubeconfigPath: string; nodes: number }[] = [];
    for (const c of DEV_CLUSTERS) {
      const child = launch(`sim-${c.name}`, ['sim-cluster', '--name', c.name, '--json', '--port', '0',
        '--kubeconfig', join(logDir, `${c.name}.kubeconfig`), ...c.nodes.flatMap((n) => ['--nodes', n])], {}, false, true);
      sims.push(await firstJsonLine(child, 15_000));
    }

    // 3. gateway
    const gatewayPort = port === 0 ? await freePort() : port;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    launch('gateway', ['gateway'], { REDIS_URL: redisUrl, PORT: String(gatewayPort), CALDERA_INSECURE: '1' }, true);
    await waitReady(`${gatewayUrl}/readyz`, 20_000, () => exitCode !== 0);

    // 4. agents
    const agentMetrics: string[] = [];
    for (const s of sims) {
      const metricsPort = await freePort();
      launch(`agent-${s.name}`, ['agent', '--cluster', s.name], {
        REDIS_URL: redisUrl, KUBECONFIG: s.kubeconfigPath, CALDERA_CLUSTER: s.name, CALDERA_METRICS_PORT: String(metricsPort),
      }, false);
      agentMetrics.push(`http://127.0.0.1:${metricsPort}/metrics`);
    }

    // 5. tell the user
    out([
      '',
      `Caldera federation is up: gateway ${gatewayUrl} (development mode: no tokens)`,
      `  clusters: ${sims.map((s) => `${s.name} (${s.nodes} nodes)`).join(', ')}`,
      `  redis:    ${redisUrl}${process.env.REDIS_URL ? '' : ' (embedded)'}`,
      `  logs:     ${logDir}`,
      '',
      'Try, from another shell:',
      `  npx caldera submit -f examples/pytorch-job.yaml --wait${gatewayPort === 8080 ? '' : ` --server ${gatewayUrl}`}`,
      `  npx caldera get jobs${gatewayPort === 8080 ? '' : ` --server ${gatewayUrl}`}`,
      '',
      'Metrics:',
      `  ${gatewayUrl}/metrics`,
      ...agentMetrics.map((m) => `  ${m}`),
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'));

    // 6. run until a signal or a critical child dies
    await stopped;
  } catch (err) {
    exitCode = 1;
    out(`caldera dev: ${err instanceof Error ? err.message : String(err)}\n`);
    for (const c of children) {
      if (c.proc.exitCode !== null) out(`--- ${c.label} (${c.logPath}):\n${tail(c.logPath, 15)}\n`);
    }
  } finally {
    // 7. stop everything
    stopping = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all(children.map((c) => stopChild(c.proc, 5000)));
    await redis?.stop();
    out('caldera dev: stopped\n');
  }
  return exitCode;
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function firstJsonLine(child: Child, timeoutMs: number): Promise<{ name: string; url: string; kubeconfigPath: string; nodes: number }> {
  const stdout = child.proc.stdout;
  if (!stdout) throw new Error(`${child.label}: no standard output`);
  const rl = createInterface({ input: stdout });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${child.label} did not start within ${timeoutMs / 1000}s`)), timeoutMs);
      child.proc.once('exit', () => { clearTimeout(timer); reject(new Error(`${child.label} exited while starting`)); });
      rl.once('line', (line) => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as { name: string; url: string; kubeconfigPath: string; nodes: number });
        } catch {
          reject(new Error(`${child.label} printed "${line}" instead of its address`));
        }
      });
    });
  } finally {
    rl.close();
    stdout.pipe(createWriteStream(child.logPath, { flags: 'a' }));
  }
}

async function waitReady(url: string, timeoutMs: number, failed: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failed()) throw new Error('the gateway exited while starting');
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the gateway did not become ready at ${url} within ${timeoutMs / 1000}s`);
}

async function stopChild(proc: ChildProcess, graceMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => { clearTimeout(timer); resolve(); });
    proc.kill('SIGTERM');
  });
}
