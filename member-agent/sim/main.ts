/** `caldera sim-cluster`: a simulated member cluster as a process of its own, until SIGINT or SIGTERM. */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSimDuration } from './pod-script.js';
import { DEFAULT_NODE_SHAPES, startSimCluster } from './sim-cluster.js';
import { parseNodeShapes } from './node-shapes.js';

const HELP = `Usage: caldera sim-cluster [flags]

Runs a simulated Kubernetes cluster: an API server that kubectl and @kubernetes/client-node
accept, with simulated kubelets that run the pods bound to its nodes. Writes a kubeconfig,
prints the API URL and the kubeconfig path, and runs until SIGINT or SIGTERM.

Flags:
  --name NAME                 cluster name, used in node names (default sim)
  --nodes SHAPES              node shapes; repeat the flag or separate groups with ';'
                              e.g. '20x{cpu: 32, memory: 128Gi, nvidia.com/gpu: 8}'
                              keys inside the braces: resources, labels: {k: v},
                              taints: ["key=value:NoSchedule"], prefix: name-
                              (default ${DEFAULT_NODE_SHAPES})
  --port PORT                 listen port, 0 for any free port (default 0)
  --host HOST                 listen address (default 127.0.0.1)
  --kubeconfig PATH           where to write the kubeconfig
                              (default <tmpdir>/caldera-sim-<name>.kubeconfig, removed at exit)
  --token TOKEN               require this bearer token; the kubeconfig carries it
  --speed N                   simulated time runs N times faster than the clock (default 1)
  --start-delay DURATION      from binding to Running (default 1s)
  --default-duration DURATION run time of pods without the sim.caldera.dev/duration
                              annotation; "forever" to run until deleted (default 10s)
  --default-exit-code N       exit code of pods without sim.caldera.dev/exit-code (default 0)
  --json                      print one JSON line {name, url, kubeconfigPath, nodes}
  -h, --help                  show this help

Pods choose their fate with annotations:
  sim.caldera.dev/duration: 30s        sim.caldera.dev/exit-code: "1,1,0"
`;

const VALUE_FLAGS = new Set(['--name', '--nodes', '--port', '--host', '--kubeconfig', '--token', '--speed',
  '--start-delay', '--default-duration', '--default-exit-code']);

class UsageError extends Error {}

function parseArgs(args: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--json' || name === '--help' || name === '-h') {
      out.set(name, ['true']);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`unknown flag "${arg}"`);
    const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

function one(flags: Map<string, string[]>, name: string): string | undefined {
  const v = flags.get(name);
  return v?.[v.length - 1];
}

function duration(flags: Map<string, string[]>, name: string): number | undefined {
  const v = one(flags, name);
  if (v === undefined) return undefined;
  const ms = parseSimDuration(v);
  if (ms === undefined) throw new UsageError(`${name}: "${v}" is not a duration (e.g. 500ms, 10s, 2m, forever)`);
  return ms;
}

function number(flags: Map<string, string[]>, name: string): number | undefined {
  const v = one(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${name}: "${v}" is not a number`);
  return n;
}

export async function main(args: string[]): Promise<number> {
  let flags: Map<string, string[]>;
  let opts: Parameters<typeof startSimCluster>[0];
  let defaultPath = false;
  try {
    flags = parseArgs(args);
    if (flags.has('--help') || flags.has('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    const name = one(flags, '--name') ?? 'sim';
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new UsageError(`--name "${name}" must be a DNS label (a-z, 0-9, -)`);
    const nodes = (flags.get('--nodes') ?? [DEFAULT_NODE_SHAPES]).flatMap((s) => parseNodeShapes(s));
    let kubeconfigPath = one(flags, '--kubeconfig');
    if (!kubeconfigPath) {
      kubeconfigPath = join(tmpdir(), `caldera-sim-${name}.kubeconfig`);
      defaultPath = true;
    }
    const startDelayMs = duration(flags, '--start-delay');
    const defaultDurationMs = duration(flags, '--default-duration');
    const defaultExitCode = number(flags, '--default-exit-code');
    const speed = number(flags, '--speed');
    const port = number(flags, '--port');
    const token = one(flags, '--token');
    const host = one(flags, '--host');
    opts = {
      name,
      nodes,
      kubeconfigPath,
      ...(port !== undefined ? { port } : {}),
      ...(host ? { host } : {}),
      ...(token ? { token } : {}),
      ...(speed !== undefined ? { clock: { speed } } : {}),
      kubelet: {
        ...(startDelayMs !== undefined ? { startDelayMs } : {}),
        ...(defaultDurationMs !== undefined ? { defaultDurationMs } : {}),
        ...(defaultExitCode !== undefined ? { defaultExitCode } : {}),
      },
    };
  } catch (err) {
    if (err instanceof UsageError || (err instanceof Error && err.name === 'NodeShapeError')) {
      process.stderr.write(`caldera sim-cluster: ${err.message}\n\n${HELP}`);
      return 2;
    }
    throw err;
  }

  const sim = await startSimCluster(opts);
  const nodeCount = sim.kubelet.nodeNames().length;
  if (flags.has('--json')) {
    process.stdout.write(`${JSON.stringify({ name: sim.name, url: sim.url, kubeconfigPath: sim.kubeconfigPath, nodes: nodeCount })}\n`);
  } else {
    process.stdout.write(`sim-cluster ${sim.name}: ${nodeCount} nodes, API at ${sim.url}\n`
      + `kubeconfig: ${sim.kubeconfigPath ?? ''}\n`
      + `  kubectl --kubeconfig ${sim.kubeconfigPath ?? ''} get nodes\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void sim.stop().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  if (defaultPath && sim.kubeconfigPath) rmSync(sim.kubeconfigPath, { force: true });
  return 0;
}
