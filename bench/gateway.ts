/**
 * Gateway benchmark: 20 member clusters × 500 nodes whose inventories go through the real report
 * path, members that only acknowledge placements, gangs of 8 pods submitted over HTTP to a gateway
 * running in its own process. Side by side, in the same run and on the same Redis: plain BullMQ
 * add + consume of the same placement payloads (the transport's own rate and latency).
 *
 * The 20 members run in a process of their own (bench/members-process.ts), apart from this load
 * generator, as they would beside a real gateway.
 *
 * Phases:
 *   1. submit 20,000 gangs over HTTP while no member is connected (submit rate);
 *   2. connect the 20 members: the backlog drains (placements per second);
 *   3. submit at 500 gangs/s with room to spare (submit-to-dispatch latency);
 *   4. submit 100,000 gangs that fit nowhere (gateway RSS with that many pending).
 * `quick` runs a tenth of every size (50 nodes per member, 2,000 gangs, 10,000 pending).
 *
 * The gateway process runs with the heap settings of the Helm chart (GATEWAY_NODE_OPTIONS;
 * BENCH_GATEWAY_NODE_OPTIONS replaces them for comparisons). Knobs for investigations: BENCH_WINDOW (pending gangs per queue a cycle sees),
 * BENCH_SKIP_PENDING (skip phase 4), BENCH_GATEWAY_PROFILE (a CPU profile of the whole gateway into
 * that directory), BENCH_PHASE_PROFILE (a CPU profile of phase 3, or of the phase BENCH_PROFILE_PHASE names
 * (2 or 3), into that file),
 * BENCH_HEAP_SNAPSHOT (a heap snapshot after phase 4 into that file), BENCH_GATEWAY_NODE_ARGS (more
 * Node options for the gateway process, e.g. `--trace-gc`), BENCH_LATENCY_FILE (phase 3's latencies
 * per gang into that file, and the gateway's garbage collections in that phase, on the same time axis,
 * into that file + `.gc`), BENCH_REDIS_STATS (Redis's busiest commands in phases 2 and 3).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import { GATEWAY_NODE_OPTIONS } from '../gateway/config.js';
import { startRedisServer } from '../gateway/embedded-redis.js';
import { bullmqPrefix, type PlacementMessage } from '../shared/messages/index.js';
import { reportBacklog } from '../gateway/ingest/report-consumer.js';
import type { MembersMessage, MembersStart } from './members-process.js';
import { median, percentile, target, type BenchOptions, type BenchResult } from './bench-result.js';
import type { GatewayStats } from './gateway-process.js';

const CLUSTERS = 20;
const GANG = 8;
const NAMESPACE = 'bench';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function vcjob(name: string, cpu: string): Record<string, unknown> {
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      schedulerName: 'volcano',
      queue: 'default',
      minAvailable: GANG,
      tasks: [{
        name: 'worker',
        replicas: GANG,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu, memory: '1Gi' } } }] } },
      }],
    },
  };
}

/** Asks a benchmark child process to stop; kills it if it has not exited 10 s later. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** The member clusters in a process of their own (see members-process.ts). */
class MembersProcess {
  private readonly child: ChildProcess;
  private cpuWaiter: ((ms: number) => void) | undefined;

  constructor(onPlacement: (name: string, sentAt: number, receivedAt: number) => void) {
    const script = fileURLToPath(new URL('./members-process.js', import.meta.url));
    this.child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: MembersMessage) => {
      if (m.type === 'placements') for (const [name, sentAt, receivedAt] of m.list) onPlacement(name, sentAt, receivedAt);
      if (m.type === 'cpu') { this.cpuWaiter?.(m.ms); this.cpuWaiter = undefined; }
    });
  }

  /** Starts every member; resolves once each has reported its inventory. */
  start(opts: Omit<MembersStart, 'type'>): Promise<void> {
    return new Promise((resolve, reject) => {
      const gone = (code: number | null) => reject(new Error(`the members process exited (code ${code})`));
      this.child.once('exit', gone);
      this.child.on('message', (m: MembersMessage) => {
        if (m.type === 'started') { this.child.off('exit', gone); resolve(); }
      });
      this.child.send({ type: 'start', ...opts } satisfies MembersStart);
    });
  }

  /** CPU time of the members process so far, ms. */
  cpuMs(): Promise<number> {
    if (this.child.exitCode !== null) return Promise.reject(new Error('the members process is gone'));
    return new Promise((resolve) => {
      this.cpuWaiter = resolve;
      this.child.send({ type: 'cpu' });
    });
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

/** The gateway in its own process, with a request/answer channel for its stats. */
class GatewayProcess {
  private child: ChildProcess;
  private seq = 0;
  private readonly waiting = new Map<number, (s: GatewayStats) => void>();
  url = '';
  peakRss = 0;
  /** longest event-loop stall of the gateway seen by the sampler, ms */
  maxLoopDelayMs = 0;

  constructor(env: NodeJS.ProcessEnv) {
    const script = fileURLToPath(new URL('./gateway-process.js', import.meta.url));
    // the heap settings a deployment gives the gateway (the Helm chart's NODE_OPTIONS)
    const execArgv = (process.env.BENCH_GATEWAY_NODE_OPTIONS ?? GATEWAY_NODE_OPTIONS).split(' ').filter(Boolean);
    if (process.env.BENCH_GATEWAY_PROFILE) execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_GATEWAY_PROFILE}`);
    if (process.env.BENCH_GATEWAY_NODE_ARGS) execArgv.push(...process.env.BENCH_GATEWAY_NODE_ARGS.split(' ').filter(Boolean));
    this.child = fork(script, [], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: { type: string; id?: number; url?: string; stats?: GatewayStats }) => {
      if (m.type === 'stats' && m.id !== undefined && m.stats) {
        this.peakRss = Math.max(this.peakRss, m.stats.rss);
        this.maxLoopDelayMs = Math.max(this.maxLoopDelayMs, m.stats.maxLoopDelayMs);
        this.waiting.get(m.id)?.(m.stats);
        this.waiting.delete(m.id);
      }
    });
  }

  ready(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.child.once('exit', (code) => reject(new Error(`gateway process exited with ${code}`)));
      this.child.on('message', (m: { type: string; url?: string }) => {
        if (m.type === 'ready' && m.url) {
          this.url = m.url;
          resolve(m.url);
        }
      });
    });
  }

  send(message: { type: string }): void {
    this.child.send(message);
  }

  stats(): Promise<GatewayStats> {
    const id = ++this.seq;
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.reject(new Error(`the gateway process is gone (exit code ${this.child.exitCode}, signal ${this.child.signalCode})`));
    }
    return new Promise((resolve, reject) => {
      // a gateway that dies must fail the benchmark, not leave it waiting forever
      const gone = (code: number | null, signal: string | null) => reject(new Error(`the gateway process exited (code ${code}, signal ${signal})`));
      this.child.once('exit', gone);
      this.waiting.set(id, (st) => { this.child.off('exit', gone); resolve(st); });
      this.child.send({ type: 'stats', id });
    });
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

/** POSTs jobs with `concurrency` requests in flight; returns when all were created. */
async function submitAll(url: string, names: string[], cpu: string, submitted: Map<string, number>, concurrency = 64): Promise<void> {
  let next = 0;
  const endpoint = `${url}/apis/batch.volcano.sh/v1alpha1/namespaces/${NAMESPACE}/jobs`;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++] as string;
      await submitOne(endpoint, name, cpu, submitted);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * The load generator's HTTP client: node:http with kept-alive connections (much cheaper per
 * request than fetch, so the generator takes less of the machine the gateway runs on).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

function post(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** HTTP round trip of each submission, ms */
const responseTimes: number[] = [];
const responseByName = new Map<string, number>();

async function submitOne(endpoint: string, name: string, cpu: string, submitted: Map<string, number>): Promise<void> {
  const body = JSON.stringify(vcjob(name, cpu));
  const at = Date.now();
  submitted.set(name, at);
  const res = await post(endpoint, body);
  if (res.status !== 201) throw new Error(`submitting ${name}: HTTP ${res.status} ${res.text}`);
  responseTimes.push(Date.now() - at);
  responseByName.set(name, Date.now() - at);
}

async function waitUntil(what: string, cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** CPU time Redis has used so far (user + system), ms. */
async function redisCpuMs(connection: Redis): Promise<number> {
  const info = await connection.info('cpu');
  let total = 0;
  for (const name of ['used_cpu_user', 'used_cpu_sys']) {
    const m = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info);
    total += Number(m?.[1] ?? 0);
  }
  return total * 1000;
}

/** With BENCH_REDIS_STATS: Redis's commands by CPU time since the last reset, then a reset. */
async function redisCommandStats(connection: Redis, phase: string, log: (s: string) => void): Promise<void> {
  if (!process.env.BENCH_REDIS_STATS) return;
  const info = await connection.info('commandstats');
  const rows: Array<{ cmd: string; calls: number; usec: number }> = [];
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) rows.push({ cmd: m[1] as string, calls: Number(m[2]), usec: Number(m[3]) });
  rows.sort((a, b) => b.usec - a.usec);
  const total = rows.reduce((t, r) => t + r.usec, 0);
  log(`   Redis commands in ${phase} (${(total / 1000).toFixed(0)} ms in all): ${rows.slice(0, 25).map((r) => `${r.cmd} ${r.calls} calls ${(r.usec / 1000).toFixed(0)} ms`).join('; ')}`);
  await connection.config('RESETSTAT');
}

/** Plain BullMQ: the same placement payloads added in bulk and consumed, then paced for latency. */
async function bullmqBaseline(redisUrl: string, sample: PlacementMessage, count: number, paced: { rate: number; seconds: number }): Promise<Record<string, number>> {
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = '{bench-baseline}';
  const queue = new Queue('baseline', { connection: conn, prefix });
  let consumed = 0;
  let lastAt = 0;
  const latencies: number[] = [];
  const worker = new Worker('baseline', async (job: BullJob) => {
    consumed++;
    lastAt = Date.now();
    const t0 = (job.data as { t0?: number }).t0;
    if (t0 !== undefined) latencies.push(lastAt - t0);
  }, { connection: conn, prefix, concurrency: 64, removeOnComplete: { count: 0 } });
  try {
    const start = Date.now();
    for (let i = 0; i < count; i += 500) {
      const n = Math.min(500, count - i);
      await queue.addBulk(Array.from({ length: n }, (_, k) => ({
        name: 'placement', data: { ...sample, uid: `u-${i + k}` }, opts: { jobId: `placement.u-${i + k}.1.1`, removeOnComplete: true },
      })));
    }
    const added = Date.now();
    await waitUntil('the baseline consumer', () => consumed >= count, 300_000);
    const addRate = count / Math.max(0.001, (added - start) / 1000);
    const consumeRate = count / Math.max(0.001, (lastAt - start) / 1000);
    // paced, one add per message, like a gateway dispatching gang by gang at the same rate
    const total = paced.rate * paced.seconds;
    const t0 = Date.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / paced.rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      void queue.add('placement', { ...sample, uid: `p-${i}`, t0: Date.now() }, { jobId: `placement.p-${i}.1.1`, removeOnComplete: true });
    }
    await waitUntil('the paced baseline', () => latencies.length >= total, 60_000);
    return {
      add_per_s: Math.round(addRate),
      consume_per_s: Math.round(consumeRate),
      latency_p50_ms: median(latencies),
      latency_p99_ms: percentile(latencies, 99),
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    conn.disconnect();
  }
}

export async function run(opts: BenchOptions = {}): Promise<BenchResult> {
  const quick = opts.quick ?? false;
  const scale = quick ? 0.1 : 1;
  const nodesPerCluster = Math.round(500 * scale);
  const gangs = Math.round(20_000 * scale);
  const pendingGangs = Math.round(100_000 * scale);
  const paced = { rate: 500, seconds: quick ? 4 : 10 };
  const log = (s: string) => process.stdout.write(`  ${s}\n`);
  const profilePhase = process.env.BENCH_PROFILE_PHASE ?? '3';

  const redis = await startRedisServer({ env: {} });
  let members: MembersProcess | undefined;
  const connections: Redis[] = [];
  let gateway: GatewayProcess | undefined;
  try {
    // baseline first, alone on the machine
    const sample: PlacementMessage = {
      type: 'placement', v: 1, cluster: 'bench-0', uid: 'u', namespace: NAMESPACE, name: 'sample', epoch: 1, attempt: 1, queue: 'default',
      job: { ...(vcjob('sample', '1') as PlacementMessage['job']), metadata: { name: 'sample', namespace: NAMESPACE, uid: 'u' } },
      nodePlan: { worker: Array.from({ length: GANG }, () => 'node-0') },
    };
    log(`baseline: plain BullMQ, ${gangs} placement payloads added in bulk and consumed, then ${paced.rate}/s paced`);
    const baseline = await bullmqBaseline(redis.url, sample, gangs, paced);
    log(`baseline: add ${baseline.add_per_s}/s, consume ${baseline.consume_per_s}/s, paced latency p50 ${baseline.latency_p50_ms} ms p99 ${baseline.latency_p99_ms} ms`);

    gateway = new GatewayProcess({
      ...process.env,
      REDIS_URL: redis.url, PORT: '0', HOST: '127.0.0.1', CALDERA_INSECURE: '1', CALDERA_LOG_LEVEL: 'warn',
      CALDERA_PREFIX: 'bench', CALDERA_FEED_MAXLEN: '300000',
    });
    const url = await gateway.ready();
    const gw = gateway;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await gw.stats();
        await sleep(250);
      }
    })();
    sampler.catch(() => undefined); // awaited below; a dead gateway also fails the phase waiting on it

    const submitted = new Map<string, number>();
    const dispatched = new Map<string, { sentAt: number; receivedAt: number }>();
    const onPlacement = (name: string, sentAt: number, receivedAt: number): void => {
      if (!dispatched.has(name)) dispatched.set(name, { sentAt, receivedAt });
    };

    // 1.
    const backlog = Array.from({ length: gangs }, (_, i) => `gang-${i}`);
    const s0 = Date.now();
    await submitAll(url, backlog, '1', submitted);
    const submitSeconds = (Date.now() - s0) / 1000;
    const submitRate = gangs / submitSeconds;
    log(`1. submitted ${gangs} gangs of ${GANG} over HTTP in ${submitSeconds.toFixed(1)} s: ${submitRate.toFixed(0)}/s`);

    // 2.
    const m0 = Date.now();
    // the members run in a process of their own, as they would beside a real gateway
    connections.push(new Redis(redis.url, { maxRetriesPerRequest: null }));
    await redisCommandStats(connections[0]!, 'phase 1', log);
    if (profilePhase === '2') gw.send({ type: 'profile-start' });
    members = new MembersProcess(onPlacement);
    await members.start({ redisUrl: redis.url, clusters: CLUSTERS, nodesPerCluster });
    await waitUntil('every gang of the backlog dispatched', () => backlog.every((n) => dispatched.has(n)), 600_000);
    const sent = backlog.map((n) => (dispatched.get(n) as { sentAt: number }).sentAt);
    const first = Math.min(...sent);
    const last = Math.max(...sent);
    // the scheduler's rate: first to last dispatch of the backlog; from connect it also counts the
    // members registering and reporting their inventories
    const drainSeconds = Math.max(0.001, (last - first) / 1000);
    const placementsPerSecond = gangs / drainSeconds;
    const fromConnectSeconds = Math.max(0.001, (last - m0) / 1000);
    if (profilePhase === '2') gw.send({ type: 'profile-stop' });
    const afterDrain = await gw.stats();
    log(`2. ${CLUSTERS} members × ${nodesPerCluster} nodes connected; ${gangs} gangs placed in ${drainSeconds.toFixed(2)} s first to last dispatch: ${placementsPerSecond.toFixed(0)}/s (${fromConnectSeconds.toFixed(2)} s from connecting the members: ${(gangs / fromConnectSeconds).toFixed(0)}/s); gateway RSS ${(afterDrain.rss / 2 ** 20).toFixed(0)} MiB`);

    await redisCommandStats(connections[0]!, 'phase 2', log);
    // 3. (after the burst's aftermath: status facts written, reports read)
    const settle0 = Date.now();
    await waitUntil('the gateway to settle', async () => (await gw.stats()).statusBacklog === 0 && (await reportBacklog(connections[0]!, bullmqPrefix())) === 0, 300_000);
    log(`   settled ${((Date.now() - settle0) / 1000).toFixed(1)} s after the burst (job status facts written, reports read)`);
    const pacedNames = Array.from({ length: paced.rate * paced.seconds }, (_, i) => `paced-${i}`);
    gw.maxLoopDelayMs = 0;
    const endpoint = `${url}/apis/batch.volcano.sh/v1alpha1/namespaces/${NAMESPACE}/jobs`;
    const before3 = await gw.stats();
    const cycles0 = before3.cycles;
    const redisCpu0 = await redisCpuMs(connections[0]!);
    const driverCpu0 = process.cpuUsage();
    const membersCpu0 = await members.cpuMs();
    const driverDelay = monitorEventLoopDelay({ resolution: 10 });
    driverDelay.enable();
    if (profilePhase === '3') gw.send({ type: 'profile-start' });
    const p0 = Date.now();
    responseTimes.length = 0;
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < pacedNames.length; i++) {
      const due = p0 + (i * 1000) / paced.rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      inflight.push(submitOne(endpoint, pacedNames[i] as string, '1', submitted));
    }
    await Promise.all(inflight);
    const pacedRate = pacedNames.length / ((Date.now() - p0) / 1000);
    await waitUntil('every paced gang dispatched', () => pacedNames.every((n) => dispatched.has(n)), 120_000);
    const lat = pacedNames.map((n) => (dispatched.get(n) as { sentAt: number }).sentAt - (submitted.get(n) as number));
    const delivered = pacedNames.map((n) => (dispatched.get(n) as { receivedAt: number }).receivedAt - (submitted.get(n) as number));
    const p50 = median(lat);
    const p99 = percentile(lat, 99);
    if (process.env.BENCH_LATENCY_FILE) {
      // per gang: submitted (ms after the phase began), HTTP create, submit-to-dispatch
      const rows = pacedNames.map((n, i) => `${(submitted.get(n) as number) - p0} ${responseByName.get(n) ?? ''} ${lat[i]}`);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.BENCH_LATENCY_FILE, `${rows.join('\n')}\n`);
      // the gateway's collections in the phase, on the same time axis: start, kind, pause
      const gcs = ((await gw.stats()).gcLog ?? []).filter(([at]) => at >= p0).map(([at, kind, ms]) => `${(at - p0).toFixed(0)} ${kind} ${ms.toFixed(1)}`);
      writeFileSync(`${process.env.BENCH_LATENCY_FILE}.gc`, `${gcs.join('\n')}\n`);
    }
    if (profilePhase === '3') gw.send({ type: 'profile-stop' });
    const after3 = await gw.stats();
    const pacedCycles = after3.cycles - cycles0;
    // CPU per gang of each process in phase 3: where the 2 cores went
    const perGang = (ms: number): string => (ms / pacedNames.length).toFixed(2);
    const driverCpu = process.cpuUsage(driverCpu0);
    const cpu3 = {
      gateway: perGang(after3.cpuMs - before3.cpuMs),
      redis: perGang((await redisCpuMs(connections[0]!)) - redisCpu0),
      driver: perGang((driverCpu.user + driverCpu.system) / 1000),
      members: perGang((await members.cpuMs()) - membersCpu0),
    };
    const gc3 = {
      minor: after3.gc.minor - before3.gc.minor,
      minorMs: after3.gc.minorMs - before3.gc.minorMs,
      major: after3.gc.major - before3.gc.major,
      majorMs: after3.gc.majorMs - before3.gc.majorMs,
    };
    await redisCommandStats(connections[0]!, 'phase 3', log);
    driverDelay.disable();
    const driverStallMs = driverDelay.max / 1e6;
    const stallMs = gw.maxLoopDelayMs;
    const apiP50 = median(responseTimes);
    const apiP99 = percentile(responseTimes, 99);
    log(`3. ${pacedNames.length} gangs at ${pacedRate.toFixed(0)}/s: submit-to-dispatch p50 ${p50} ms, p99 ${p99} ms (to the member: p50 ${median(delivered)} ms, p99 ${percentile(delivered, 99)} ms; HTTP create p50 ${apiP50} ms, p99 ${apiP99} ms; longest gateway event-loop stall ${stallMs.toFixed(0)} ms; ${pacedCycles} scheduling cycles; longest stall of this driver ${driverStallMs.toFixed(0)} ms; CPU ms per gang: gateway ${cpu3.gateway}, Redis ${cpu3.redis}, members ${cpu3.members}, load generator ${cpu3.driver}; gateway GC: ${gc3.minor} young-generation collections, ${gc3.minorMs.toFixed(0)} ms, ${gc3.major} full, ${gc3.majorMs.toFixed(0)} ms)`);

    // 4.
    const skipPending = Boolean(process.env.BENCH_SKIP_PENDING);
    const hopeless = Array.from({ length: skipPending ? 0 : pendingGangs }, (_, i) => `pending-${i}`);
    gw.peakRss = 0;
    const h0 = Date.now();
    await submitAll(url, hopeless, '128', submitted); // 128 cpu per pod: no node has that much
    await waitUntil('every hopeless gang pending on the leader', async () => (await gw.stats()).pending >= hopeless.length, 120_000);
    await sleep(2000); // let a few cycles run over them
    const withPending = await gw.stats();
    if (process.env.BENCH_HEAP_SNAPSHOT) gw.send({ type: 'heap-snapshot' });
    const rssPending = Math.max(withPending.rss, gw.peakRss);
    if (skipPending) log('4. skipped (BENCH_SKIP_PENDING): no RSS figure with pending gangs, and no target for it');
    else log(`4. ${pendingGangs} gangs pending (submitted in ${((Date.now() - h0) / 1000).toFixed(1)} s): gateway RSS ${(withPending.rss / 2 ** 20).toFixed(0)} MiB (peak ${(rssPending / 2 ** 20).toFixed(0)} MiB), heap ${(withPending.heapUsed / 2 ** 20).toFixed(0)} of ${(withPending.heapTotal / 2 ** 20).toFixed(0)} MiB, external ${(withPending.external / 2 ** 20).toFixed(0)} MiB, last cycle ${withPending.lastCycleMs.toFixed(0)} ms`);

    sampling = false;
    await sampler;
    const rssMiB = rssPending / 2 ** 20;
    const metrics = {
      clusters: CLUSTERS,
      nodes: CLUSTERS * nodesPerCluster,
      gangs,
      submit_per_s: Math.round(submitRate),
      placements_per_s: Math.round(placementsPerSecond),
      placements_per_s_from_connect: Math.round(gangs / fromConnectSeconds),
      paced_rate_per_s: Math.round(pacedRate),
      submit_to_dispatch_p50_ms: p50,
      submit_to_dispatch_p99_ms: p99,
      submit_to_member_p99_ms: percentile(delivered, 99),
      http_create_p50_ms: apiP50,
      http_create_p99_ms: apiP99,
      rss_mib_after_placements: Math.round(afterDrain.rss / 2 ** 20),
      ...(skipPending ? {} : { pending_gangs: pendingGangs, rss_mib_with_pending: Math.round(rssMiB) }),
    };
    return {
      name: 'gateway',
      metrics,
      baseline,
      ratios: {
        placements_vs_bullmq_consume: Number((placementsPerSecond / baseline.consume_per_s!).toFixed(3)),
        submit_vs_bullmq_add: Number((submitRate / baseline.add_per_s!).toFixed(3)),
        dispatch_p99_vs_bullmq_p99: Number((p99 / Math.max(1, baseline.latency_p99_ms!)).toFixed(2)),
      },
      targets: {
        placements_per_s: target(Math.round(placementsPerSecond), { min: 2000 }),
        submit_to_dispatch_p99_ms_at_500_per_s: target(p99, { max: 100 }),
        ...(skipPending ? {} : { [`rss_mib_with_${pendingGangs}_pending`]: target(Math.round(rssMiB), { max: 512 }) }),
      },
    };
  } finally {
    await members?.stop();
    for (const c of connections) c.disconnect();
    agent.destroy();
    await gateway?.stop();
    await redis.stop();
  }
}
