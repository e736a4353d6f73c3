/**
 * Pod lifecycles per second through the simulated member cluster, the way the member agent drives a
 * cluster: @kubernetes/client-node over HTTP with keep-alive and many requests in flight.
 *
 *   1. start `caldera sim-cluster` as its own process with 5,000 nodes (pods start and finish at once);
 *   2. baseline: the transport's raw rate, client-node GETs of one small object at the same concurrency;
 *   3. open one watch on the namespace; for each pod: create → bind (pods/binding) → wait until the
 *      watch shows it Succeeded (the kubelet made it Running, then Succeeded, in between);
 *   4. report lifecycles per second, latency percentiles, and CPU per lifecycle of server and client.
 * Steps 3–4 run for two clients, in alternating rounds (medians reported; finished pods are deleted
 * between rounds): client-node as the agent uses it (its node-fetch transport, every watch event), and
 * a lighter client (client-node's generated API over a minimal node:http transport, watching finished
 * pods only). Client and server share the machine's cores, so the client's CPU cost bounds the rate;
 * the server's own cost is reported as lifecycles per core-second.
 * A lifecycle costs two requests and four watch events, so the transport bound is raw rate / 2.
 */
import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median, percentile, target, type BenchOptions, type BenchResult } from './bench-result.js';

const NODES = 5000;
const NAMESPACE = 'default';

interface Server { child: ChildProcess; url: string; kubeconfigPath: string; work: string }

async function startServer(): Promise<Server> {
  const cli = fileURLToPath(new URL('../bin/caldera.js', import.meta.url));
  if (!existsSync(cli)) throw new Error(`${cli} not found: build first (npx tsc -p tsconfig.build.json)`);
  const work = mkdtempSync(join(tmpdir(), 'caldera-bench-sim-'));
  const kubeconfigPath = join(work, 'kubeconfig');
  const child = spawn(process.execPath, [cli, 'sim-cluster', '--json', '--name', 'bench',
    '--nodes', `${NODES}x{cpu: 64, memory: 256Gi, nvidia.com/gpu: 8, pods: 250}`,
    '--port', '0', '--kubeconfig', kubeconfigPath, '--start-delay', '0ms', '--default-duration', '0ms'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sim-cluster exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  child.removeAllListeners('exit');
  const info = JSON.parse(line) as { url: string };
  return { child, url: info.url, kubeconfigPath, work };
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (s.child.exitCode === null) s.child.kill('SIGKILL');
  rmSync(s.work, { recursive: true, force: true });
}

/** CPU seconds a process has used (Linux /proc; NaN elsewhere). */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

type Transport = 'node-fetch' | 'node-http';

/**
 * A client-node CoreV1Api sharing one keep-alive agent (client-node otherwise makes a new agent per
 * request). `node-fetch` is client-node's own transport, as the member agent uses it; `node-http` plugs a
 * minimal transport on node:http into client-node's `httpApi` extension point, so the same generated
 * API, serialisation and deserialisation run with less client CPU per request.
 */
function apiClient(url: string, concurrency: number, transport: Transport): k8s.CoreV1Api {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const auth = {
    getName: () => 'default',
    applySecurityAuthentication: async (ctx: k8s.RequestContext) => ctx.setAgent(agent),
  };
  const httpApi = transport === 'node-http' ? k8s.wrapHttpLibrary({ send: (req) => sendOverNodeHttp(req, agent) }) : undefined;
  return new k8s.CoreV1Api(k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(url, {}),
    authMethods: { default: auth },
    ...(httpApi ? { httpApi } : {}),
  }));
}

function sendOverNodeHttp(req: k8s.RequestContext, agent: http.Agent): Promise<k8s.ResponseContext> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.getUrl());
    const r = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.getHttpMethod(), headers: req.getHeaders(), agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
        resolve(new k8s.ResponseContext(res.statusCode ?? 0, headers, { text: async () => body.toString('utf8'), binary: async () => body }));
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    const body = req.getBody();
    r.end(typeof body === 'string' ? body : undefined);
  });
}

async function inParallel(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await fn(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function pod(name: string): k8s.V1Pod {
  return {
    metadata: { name, labels: { app: 'bench' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  };
}

interface PhaseResult {
  perSecond: number;
  p50: number;
  p99: number;
  serverCpuMicros: number;
  clientCpuMicros: number;
}

/** Steps 3–4 for one client set-up: warm up, then `count` lifecycles with `concurrency` in flight. */
async function lifecycles(opts: {
  server: Server; kc: k8s.KubeConfig; core: k8s.CoreV1Api; watchAll: boolean; count: number; warmup: number; concurrency: number; prefix: string;
}): Promise<PhaseResult> {
  const waiting = new Map<string, () => void>();
  const query = opts.watchAll ? { labelSelector: 'app=bench' } : { labelSelector: 'app=bench', fieldSelector: 'status.phase=Succeeded' };
  const controller = await new k8s.Watch(opts.kc).watch(`/api/v1/namespaces/${NAMESPACE}/pods`, query,
    (type, obj: k8s.V1Pod) => {
      if (type === 'DELETED' || obj.status?.phase !== 'Succeeded') return;
      const name = obj.metadata?.name ?? '';
      waiting.get(name)?.();
      waiting.delete(name);
    }, () => undefined);
  const latencies: number[] = [];
  const one = async (i: number, record: boolean) => {
    const name = `${opts.prefix}-${record ? 'run' : 'warm'}-${i}`;
    const t0 = performance.now();
    const done = new Promise<void>((resolve) => waiting.set(name, resolve));
    await opts.core.createNamespacedPod({ namespace: NAMESPACE, body: pod(name) });
    await opts.core.createNamespacedPodBinding({ name, namespace: NAMESPACE, body: { metadata: { name }, target: { kind: 'Node', name: `bench-node-${i % NODES}` } } });
    await done;
    if (record) latencies.push(performance.now() - t0);
  };
  try {
    await inParallel(opts.warmup, opts.concurrency, (i) => one(i, false));
    const serverCpu0 = cpuSecondsOf(opts.server.child.pid);
    const clientCpu0 = process.cpuUsage();
    const start = performance.now();
    await inParallel(opts.count, opts.concurrency, (i) => one(i, true));
    const seconds = (performance.now() - start) / 1000;
    const serverCpu = cpuSecondsOf(opts.server.child.pid) - serverCpu0;
    const client = process.cpuUsage(clientCpu0);
    return {
      perSecond: Math.round(opts.count / seconds),
      p50: Number(percentile(latencies, 50).toFixed(1)),
      p99: Number(percentile(latencies, 99).toFixed(1)),
      serverCpuMicros: Math.round((serverCpu * 1e6) / opts.count),
      clientCpuMicros: Math.round((client.user + client.system) / opts.count),
    };
  } finally {
    controller.abort();
  }
}

function medianOf(results: PhaseResult[]): PhaseResult {
  const mid = (f: (r: PhaseResult) => number) => median(results.map(f));
  return {
    perSecond: Math.round(mid((r) => r.perSecond)),
    p50: mid((r) => r.p50),
    p99: mid((r) => r.p99),
    serverCpuMicros: Math.round(mid((r) => r.serverCpuMicros)),
    clientCpuMicros: Math.round(mid((r) => r.clientCpuMicros)),
  };
}

export async function run(opts: BenchOptions = {}): Promise<BenchResult> {
  const rounds = opts.quick ? 1 : 3;
  const count = opts.quick ? 2000 : 10_000;
  const warmup = opts.quick ? 200 : 1000;
  const rawRequests = opts.quick ? 4000 : 20_000;
  const concurrency = 64;
  const server = await startServer();
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfigPath);
    const standard = apiClient(server.url, concurrency, 'node-fetch');
    const lean = apiClient(server.url, concurrency, 'node-http');

    // 2. baseline: the transport's raw rate
    const rawStart = performance.now();
    await inParallel(rawRequests, concurrency, async () => {
      await standard.readNamespace({ name: NAMESPACE });
    });
    const rawPerSecond = rawRequests / ((performance.now() - rawStart) / 1000);

    // 3–4. client-node as the agent uses it (its node-fetch transport, every watch event), then a
    // lighter client (node:http transport, a watch of finished pods only); alternating rounds, medians
    // reported. Finished pods are deleted between rounds so every round starts with the same store.
    const stdRuns: PhaseResult[] = [];
    const leanRuns: PhaseResult[] = [];
    for (let round = 0; round < rounds; round++) {
      const w = round === 0 ? warmup : 0;
      stdRuns.push(await lifecycles({ server, kc, core: standard, watchAll: true, count, warmup: w, concurrency, prefix: `std${round}` }));
      await standard.deleteCollectionNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=bench' });
      leanRuns.push(await lifecycles({ server, kc, core: lean, watchAll: false, count, warmup: w, concurrency, prefix: `lean${round}` }));
      await standard.deleteCollectionNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=bench' });
    }
    const std = medianOf(stdRuns);
    const light = medianOf(leanRuns);

    const metrics = {
      nodes: NODES,
      lifecycles: count,
      rounds,
      concurrency,
      lifecyclesPerSecond: std.perSecond,
      latencyP50Ms: std.p50,
      latencyP99Ms: std.p99,
      serverCpuMicrosPerLifecycle: std.serverCpuMicros,
      clientCpuMicrosPerLifecycle: std.clientCpuMicros,
      lifecyclesPerSecondLeanClient: light.perSecond,
      latencyP50MsLeanClient: light.p50,
      latencyP99MsLeanClient: light.p99,
      serverCpuMicrosPerLifecycleLeanClient: light.serverCpuMicros,
      clientCpuMicrosPerLifecycleLeanClient: light.clientCpuMicros,
      serverLifecyclesPerCoreSecond: Math.round(1e6 / std.serverCpuMicros),
    };
    const baseline = { rawRequestsPerSecond: Math.round(rawPerSecond), transportBoundLifecyclesPerSecond: Math.round(rawPerSecond / 2) };
    const ratios = {
      lifecyclesVsTransportBound: Number((std.perSecond / (rawPerSecond / 2)).toFixed(2)),
      leanClientVsStandard: Number((light.perSecond / std.perSecond).toFixed(2)),
    };
    const targets = {
      lifecyclesPerSecond: target(std.perSecond, { min: 2000 }),
      lifecyclesPerSecondLeanClient: target(light.perSecond, { min: 2000 }),
    };
    const line = (label: string, r: PhaseResult) => `  ${label}: ${r.perSecond} lifecycles/s, latency p50 ${r.p50} ms, p99 ${r.p99} ms; `
      + `CPU per lifecycle: server ${r.serverCpuMicros} µs, client ${r.clientCpuMicros} µs\n`;
    process.stdout.write(
      `sim-cluster: pod lifecycles (create → bind → Running → Succeeded) on ${NODES} nodes, ${concurrency} in flight, keep-alive; `
      + `median of ${rounds} round(s) of ${count}\n`
      + line('client-node (node-fetch, all watch events)', std)
      + line('client-node (node:http transport, finished pods only)', light)
      + `  server capacity: ${metrics.serverLifecyclesPerCoreSecond} lifecycles per core-second\n`
      + `  baseline: ${baseline.rawRequestsPerSecond} raw client-node GETs/s → transport bound ${baseline.transportBoundLifecyclesPerSecond} lifecycles/s `
      + `(reached ${Math.round(ratios.lifecyclesVsTransportBound * 100)}%)\n`
      + `  target ≥ 2000 lifecycles/s: ${targets.lifecyclesPerSecond.met ? 'met' : 'NOT met'} (standard), `
      + `${targets.lifecyclesPerSecondLeanClient.met ? 'met' : 'NOT met'} (lean client)\n`,
    );
    return { name: 'sim-cluster', metrics, baseline, ratios, targets };
  } finally {
    await stopServer(server);
  }
}
