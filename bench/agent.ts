/**
 * Pods bound per second by the whole member agent on a simulated cluster of 5,000 nodes, side by
 * side with the cluster's raw create+bind rate as the ceiling.
 *
 *   1. start `caldera sim-cluster` as its own process (5,000 nodes; pods run until deleted) and an
 *      embedded Redis;
 *   2. ceiling: create and bind N pods straight through client-node (the agent's own KubeClient,
 *      64 requests in flight): the fastest any scheduler could bind through this API server;
 *   3. agent, on a fresh simulated cluster of the same shape: start the agent in this process, send
 *      gang jobs totalling N pods as placements on its dispatch queue, and time from the first
 *      placement until every pod is bound. On the way
 *      the agent creates each Job, its PodGroup, admits it (enqueue), creates the pods, allocates
 *      them in gang cycles and binds them;
 *   4. report agent pods/s, the ceiling, their ratio, and the parts (time to the first pod, to the
 *      last pod created, cycles).
 * Steps 2 and 3 alternate for three rounds (one with --quick), each on a fresh cluster; the result
 * is the median.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Pod } from '../shared/api/core.js';
import type { Job } from '../shared/api/job.js';
import { bullmqPrefix, dispatchQueueName, type PlacementMessage } from '../shared/messages/index.js';
import { startRedisServer } from '../gateway/embedded-redis.js';
import { startAgent } from '../member-agent/agent.js';
import { KubeClient } from '../member-agent/kube/kube-client.js';
import { loadKubeConfig } from '../member-agent/kube/kube-config.js';
import { POD } from '../member-agent/kube/kube-kinds.js';
import { median, target, type BenchOptions, type BenchResult } from './bench-result.js';

const NODES = 5000;
const CLUSTER = 'bench';

interface SimProcess {
  child: ChildProcess;
  kubeconfigPath: string;
  work: string;
}

async function startSim(): Promise<SimProcess> {
  const cli = fileURLToPath(new URL('../bin/caldera.js', import.meta.url));
  if (!existsSync(cli)) throw new Error(`${cli} not found: build first (npx tsc -p tsconfig.build.json)`);
  const work = mkdtempSync(join(tmpdir(), 'caldera-bench-agent-'));
  const kubeconfigPath = join(work, 'kubeconfig');
  const child = spawn(process.execPath, [cli, 'sim-cluster', '--json', '--name', CLUSTER,
    '--nodes', `${NODES}x{cpu: 64, memory: 256Gi, pods: 250}`,
    '--port', '0', '--kubeconfig', kubeconfigPath, '--start-delay', '1s', '--default-duration', 'forever'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sim-cluster exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
  });
  child.removeAllListeners('exit');
  return { child, kubeconfigPath, work };
}

async function stopSim(s: SimProcess): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (s.child.exitCode === null) s.child.kill('SIGKILL');
  rmSync(s.work, { recursive: true, force: true });
}

async function inParallel(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await fn(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function container() {
  return { name: 'main', image: 'busybox:1.36', resources: { requests: { cpu: '100m', memory: '64Mi' } } };
}

/** Step 2: create + bind straight through the API, as fast as 64 requests in flight allow. */
async function ceiling(client: KubeClient, count: number): Promise<number> {
  const one = async (i: number, tag: string) => {
    const name = `raw-${tag}-${i}`;
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'raw' }, spec: { schedulerName: 'default-scheduler', containers: [container()] } };
    await client.create(POD, pod);
    await client.bindPod('raw', name, `${CLUSTER}-node-${i % NODES}`);
  };
  await client.create({ apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false }, { metadata: { name: 'raw' } }).catch(() => undefined);
  await inParallel(Math.min(500, count), 64, (i) => one(i, 'warm'));
  const start = performance.now();
  await inParallel(count, 64, (i) => one(i, 'run'));
  return count / ((performance.now() - start) / 1000);
}

function gangJob(name: string, replicas: number): Job {
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: 'bench', uid: randomUUID() },
    spec: {
      schedulerName: 'volcano',
      queue: 'default',
      minAvailable: replicas,
      maxRetry: 3,
      tasks: [{ name: 'worker', replicas, minAvailable: replicas, template: { spec: { restartPolicy: 'Never', containers: [container()] } } }],
    },
  };
}

interface AgentRound {
  perSecond: number;
  seconds: number;
  firstPod: number;
  lastCreated: number;
  cycles: number;
}

/** Step 3 on a fresh simulated cluster: placements in, every pod bound. */
async function agentRound(opts: { redisUrl: string; jobs: number; perJob: number }): Promise<AgentRound> {
  const pods = opts.jobs * opts.perJob;
  const sim = await startSim();
  const prefix = bullmqPrefix(`bench-${randomUUID().slice(0, 8)}`);
  const conn = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(dispatchQueueName(CLUSTER), { connection: conn, prefix });
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  try {
    let cycles = 0;
    agent = await startAgent({
      cluster: CLUSTER,
      kubeConfig: loadKubeConfig({ kubeconfigPath: sim.kubeconfigPath }),
      redisUrl: opts.redisUrl,
      bullPrefix: prefix,
      leaderElection: false,
      reportSink: { send: async () => {} },
      onSchedulerCycle: () => {
        cycles++;
      },
    });
    await agent.leading();
    let firstCreated = 0;
    let lastCreated = 0;
    let bound = 0;
    let allBound: () => void = () => {};
    const done = new Promise<void>((resolve) => (allBound = resolve));
    const seenBound = new Set<string>();
    agent.caches.pods.on((ev) => {
      const p = ev.obj;
      if (p.metadata.namespace !== 'bench') return;
      if (ev.type === 'added') {
        const now = performance.now();
        firstCreated ||= now;
        lastCreated = now;
      }
      if (p.spec.nodeName && !seenBound.has(p.metadata.name ?? '')) {
        seenBound.add(p.metadata.name ?? '');
        if (++bound === pods) allBound();
      }
    });
    const start = performance.now();
    for (let j = 0; j < opts.jobs; j++) {
      const job = gangJob(`gang-${j}`, opts.perJob);
      const msg: PlacementMessage = {
        type: 'placement', v: 1, cluster: CLUSTER, uid: job.metadata.uid!, namespace: 'bench', name: job.metadata.name!,
        epoch: 1, attempt: 1, queue: 'default', job, nodePlan: {},
      };
      await queue.add('placement', msg);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${bound}/${pods} pods bound after 180 s`)), 180_000);
    });
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    const seconds = (performance.now() - start) / 1000;
    return {
      perSecond: pods / seconds,
      seconds,
      firstPod: (firstCreated - start) / 1000,
      lastCreated: (lastCreated - start) / 1000,
      cycles,
    };
  } finally {
    await agent?.stop().catch(() => undefined);
    await queue.close().catch(() => undefined);
    await conn.quit().catch(() => conn.disconnect());
    await stopSim(sim);
  }
}

/** Step 2 on a fresh simulated cluster. */
async function ceilingRound(pods: number): Promise<number> {
  const sim = await startSim();
  try {
    return await ceiling(new KubeClient(loadKubeConfig({ kubeconfigPath: sim.kubeconfigPath })), pods);
  } finally {
    await stopSim(sim);
  }
}

const round2 = (n: number) => Number(n.toFixed(2));

export async function run(opts: BenchOptions = {}): Promise<BenchResult> {
  const jobs = opts.quick ? 10 : 50;
  const perJob = 100;
  const pods = jobs * perJob;
  // The machines are noisy: alternate ceiling and agent rounds and report medians.
  const rounds = opts.quick ? 1 : 3;
  const redis = await startRedisServer();
  const ceilings: number[] = [];
  const agents: AgentRound[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      ceilings.push(await ceilingRound(pods));
      agents.push(await agentRound({ redisUrl: redis.url, jobs, perJob }));
    }
  } finally {
    await redis.stop();
  }
  const rawPerSecond = median(ceilings);
  const agentPerSecond = median(agents.map((a) => a.perSecond));
  const mid = agents.find((a) => a.perSecond === agentPerSecond) ?? agents[0]!;
  const metrics = {
    nodes: NODES,
    jobs,
    podsPerJob: perJob,
    pods,
    rounds,
    agentPodsBoundPerSecond: Math.round(agentPerSecond),
    agentPodsBoundPerSecondMin: Math.round(Math.min(...agents.map((a) => a.perSecond))),
    agentPodsBoundPerSecondMax: Math.round(Math.max(...agents.map((a) => a.perSecond))),
    secondsToAllBound: round2(mid.seconds),
    secondsToFirstPod: round2(mid.firstPod),
    secondsToLastPodCreated: round2(mid.lastCreated),
    schedulingCycles: mid.cycles,
  };
  const baseline = {
    rawCreateBindPodsPerSecond: Math.round(rawPerSecond),
    rawCreateBindPodsPerSecondMin: Math.round(Math.min(...ceilings)),
    rawCreateBindPodsPerSecondMax: Math.round(Math.max(...ceilings)),
  };
  const ratios = { agentVsCeiling: round2(median(agents.map((a, i) => a.perSecond / ceilings[i]!))) };
  const targets = {
    agentPodsBoundPerSecond: target(metrics.agentPodsBoundPerSecond, { min: 1000 }),
    agentVsCeiling: target(ratios.agentVsCeiling, { min: 0.5 }),
  };
  process.stdout.write(
    `agent: ${pods} pods in ${jobs} gangs of ${perJob}, placed through the dispatch queue, on ${NODES} simulated nodes; median of ${rounds} round(s)\n` +
      `  whole agent: ${metrics.agentPodsBoundPerSecond} pods bound/s (rounds ${agents.map((a) => Math.round(a.perSecond)).join(', ')}; ` +
      `median round: ${metrics.secondsToAllBound} s, first pod after ${metrics.secondsToFirstPod} s, last pod created after ${metrics.secondsToLastPodCreated} s, ${metrics.schedulingCycles} cycles)\n` +
      `  ceiling: ${baseline.rawCreateBindPodsPerSecond} pods/s created + bound straight through client-node, 64 in flight (rounds ${ceilings.map(Math.round).join(', ')})\n` +
      `  ratio ${ratios.agentVsCeiling} (median of per-round ratios); targets ≥ 1000 pods/s: ${targets.agentPodsBoundPerSecond.met ? 'met' : 'NOT met'}, ` +
      `≥ 0.5 of the ceiling: ${targets.agentVsCeiling.met ? 'met' : 'NOT met'}\n`,
  );
  return { name: 'agent', metrics, baseline, ratios, targets };
}
