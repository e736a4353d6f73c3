/**
 * The gateway under benchmark, in a process of its own (so its RSS is its own): the HTTP API and
 * the federation (lease, scheduler, dispatch, report ingestion, health). Started by
 * bench/gateway.ts with `fork`; configuration from the environment as for `caldera gateway`.
 * It answers `{type:'stats'}` with its memory and scheduler counts, and `{type:'stop'}` by exiting.
 */
import { applyProcessSettings, loadConfig } from '../gateway/config.js';
import { Federation } from '../gateway/federation.js';
import { RedisGatewayStore } from '../gateway/store/redis-gateway-store.js';
import { startGateway, type GatewayComponent } from '../gateway/main.js';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import type { Logger } from 'pino';

export interface GatewayStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  leader: boolean;
  nodes: number;
  pending: number;
  backoff: number;
  placed: number;
  cycles: number;
  lastCycleMs: number;
  /** longest event-loop stall since the previous stats call, ms */
  maxLoopDelayMs: number;
  /** jobs whose status facts are still to be written */
  statusBacklog: number;
  /** CPU time of the gateway process so far (user + system), ms */
  cpuMs: number;
  /** garbage collections so far: count and main-thread pause (ms) of young-generation and full ones */
  gc: { minor: number; minorMs: number; major: number; majorMs: number; longestMs: number };
  /** with BENCH_LATENCY_FILE: the first 5,000 collections, [wall-clock start ms, 'minor' | 'major', pause ms] */
  gcLog?: Array<[number, string, number]>;
}

/**
 * CPU profile of one phase, through the inspector (BENCH_PHASE_PROFILE names the output file), and
 * with BENCH_PHASE_ALLOC an allocation profile (sampled, collected objects included) into that file.
 */
const profiler = {
  session: undefined as import('node:inspector').Session | undefined,
  async start(): Promise<void> {
    const inspector = await import('node:inspector');
    this.session = new inspector.Session();
    this.session.connect();
    await new Promise<void>((resolve) => this.session!.post('Profiler.enable', () => resolve()));
    await new Promise<void>((resolve) => this.session!.post('Profiler.start', () => resolve()));
    if (process.env.BENCH_PHASE_ALLOC) {
      // every allocation sampled, also of objects the GC has collected since (where garbage comes
      // from); BENCH_PHASE_ALLOC_PROMOTED=1 leaves out what scavenges collected (what gets promoted),
      // BENCH_PHASE_ALLOC_LIVE=1 everything collected since (what the phase left on the heap)
      const promoted = process.env.BENCH_PHASE_ALLOC_PROMOTED === '1';
      const live = process.env.BENCH_PHASE_ALLOC_LIVE === '1';
      const params = { samplingInterval: 8192, includeObjectsCollectedByMajorGC: !live, includeObjectsCollectedByMinorGC: !promoted && !live };
      await new Promise<void>((resolve) => this.session!.post('HeapProfiler.startSampling', params as never, () => resolve()));
    }
  },
  async stop(file: string): Promise<void> {
    const s = this.session;
    if (!s) return;
    const { writeFile } = await import('node:fs/promises');
    await new Promise<void>((resolve) => s.post('Profiler.stop', (err, res) => {
      if (!err) void writeFile(file, JSON.stringify(res.profile)).then(() => resolve());
      else resolve();
    }));
    const allocFile = process.env.BENCH_PHASE_ALLOC;
    if (allocFile) {
      await new Promise<void>((resolve) => s.post('HeapProfiler.stopSampling', (err, res) => {
        if (!err) void writeFile(allocFile, JSON.stringify(res.profile)).then(() => resolve());
        else resolve();
      }));
    }
    s.disconnect();
  },
};

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  applyProcessSettings(config); // as `caldera gateway` does
  let fed: Federation | undefined;
  const component: GatewayComponent = {
    name: 'federation',
    async start(c) {
      fed = await Federation.start({
        redisUrl: c.redisUrl,
        prefix: c.config.prefix,
        feedMaxLen: c.config.feedMaxLen,
        ...(c.store instanceof RedisGatewayStore ? { store: c.store } : {}),
        health: { notReadyAfterMs: c.config.notReadyAfterMs, lostAfterMs: c.config.lostAfterMs },
        logger: c.logger as Logger,
        clock: c.clock,
        ...(process.env.BENCH_WINDOW ? { windowPerQueue: Number(process.env.BENCH_WINDOW) } : {}),
        ...(process.env.BENCH_MIN_CYCLE_INTERVAL ? { minCycleIntervalMs: Number(process.env.BENCH_MIN_CYCLE_INTERVAL) } : {}),
      });
      return { stop: () => fed!.stop() };
    },
  };
  const gw = await startGateway(config, { components: [component] });
  const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0, longestMs: 0 };
  const gcLog: Array<[number, string, number]> | undefined = process.env.BENCH_LATENCY_FILE ? [] : undefined;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) { gc.minor++; gc.minorMs += e.duration; }
      else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) { gc.major++; gc.majorMs += e.duration; }
      gc.longestMs = Math.max(gc.longestMs, e.duration);
      if (gcLog && gcLog.length < 5000) gcLog.push([performance.timeOrigin + e.startTime, kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'other', e.duration]);
    }
  }).observe({ entryTypes: ['gc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const stats = (): GatewayStats => {
    const run = fed?.leader;
    const counts = run?.state.counts();
    const mem = process.memoryUsage();
    return {
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      leader: fed?.isLeader() ?? false,
      nodes: run ? [...run.state.members.values()].reduce((n, m) => n + m.nodes.size, 0) : 0,
      pending: counts?.pending ?? 0,
      backoff: counts?.backoff ?? 0,
      placed: counts?.placed ?? 0,
      cycles: run?.loop.cycles ?? 0,
      lastCycleMs: run?.loop.last ? run.loop.last.decideMs + run.loop.last.restMs : 0,
      maxLoopDelayMs: loopDelay.max / 1e6,
      statusBacklog: run?.ctx.statusWriter.backlog ?? 0,
      cpuMs: (() => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; })(),
      gc: { ...gc },
      ...(gcLog ? { gcLog } : {}),
    };
  };
  process.on('message', (m: { type?: string; id?: number }) => {
    if (m.type === 'stats') {
      process.send?.({ type: 'stats', id: m.id, stats: stats() });
      loopDelay.reset();
    }
    if (m.type === 'stop') void gw.stop().finally(() => process.exit(0));
    if (m.type === 'profile-start' && process.env.BENCH_PHASE_PROFILE) void profiler.start();
    if (m.type === 'profile-stop' && process.env.BENCH_PHASE_PROFILE) void profiler.stop(process.env.BENCH_PHASE_PROFILE);
    if (m.type === 'heap-snapshot' && process.env.BENCH_HEAP_SNAPSHOT) {
      // synchronous: the messages after it (stop) wait until the file is whole
      writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT);
    }
  });
  process.send?.({ type: 'ready', url: gw.url });
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway process failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
