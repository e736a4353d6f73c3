// Benchmark: one scheduling cycle at both levels, side by side with a naive first-fit placement.
//
// Agent level: 5,000 nodes (4,000 cpu nodes, 1,000 gpu nodes), 10,000 pending gangs of 8 pods
// in 4 queues, Volcano's default configuration plus binpack. Reported as pods placed per second
// of cycle time, next to two naive placements of the same input (gang rollback included): first
// fit (no scoring at all) and best fit (scores every node for every pod, as a scheduler without
// an index would).
// Gateway level: 100 domains × 1,000 nodes, 10,000 gangs of 8 pods (some pinned with
// caldera.dev/clusters or caldera.dev/cluster-selector), default configuration plus domain;
// reported as gangs placed per second. `quick` uses a tenth of the sizes. Each run is repeated and
// the median reported.
// Steady stream: the gateway's usual cycle (20 domains × 500 nodes, a few gangs per cycle, the
// nodes they took replaced before the next), per cycle, next to the same cycles building their node
// base from scratch.

import { systemClock } from '../shared/clock.js';
import { ResourceVector } from '../shared/resources/resource-vector.js';
import { parseSchedulerConfig, volcanoDefaultTiersWith, type SchedulerConfig } from '../shared/scheduling/config.js';
import { clearNodeBaseCache } from '../shared/scheduling/node-base.js';
import { defaultRegistry } from '../shared/scheduling/registry.js';
import { SnapshotStore } from '../shared/scheduling/snapshot-store.js';
import { runCycle, type CycleResult } from '../shared/scheduling/run-cycle.js';
import {
  createSnapshot,
  type ClusterSnapshot,
  type DomainSnapshot,
  type JobSnapshot,
  type NodeSnapshot,
  type QueueSnapshot,
  type TaskSnapshot,
} from '../shared/scheduling/snapshot.js';
import { seededRandom as random } from '../test/support/seeded-random.js';

export interface BenchResult {
  name: string;
  metrics: Record<string, number>;
  baseline?: Record<string, number>;
  ratios?: Record<string, number>;
  targets?: Record<string, { value: number; min?: number; max?: number; met: boolean }>;
}

const GPU = 'nvidia.com/gpu';
const GANG = 8;


export const AGENT_CONFIG = volcanoDefaultTiersWith([{ name: 'binpack' }]);

export const GATEWAY_CONFIG = volcanoDefaultTiersWith([{ name: 'domain' }]);

interface Shape {
  request: ResourceVector;
  amounts: { cpu: number; memory: number; gpu: number };
}

function shape(cpu: number, memGi: number, gpu = 0): Shape {
  const rec: Record<string, string | number> = { cpu, memory: `${memGi}Gi` };
  if (gpu > 0) rec[GPU] = gpu;
  return { request: ResourceVector.fromQuantities(rec), amounts: { cpu: cpu * 1000, memory: memGi * 2 ** 30, gpu } };
}

const CPU_SHAPES = [shape(1, 2), shape(2, 4), shape(4, 8), shape(2, 8), shape(1, 4), shape(3, 6)];
const GPU_SHAPES = [shape(4, 32, 1), shape(8, 64, 2)];

interface Workload {
  snapshot: ClusterSnapshot;
  /** Per gang, the request amounts of its pods (for the first-fit baseline). */
  gangs: Shape[][];
  nodes: NodeSnapshot[];
}

function queues(): QueueSnapshot[] {
  return [1, 2, 3, 4].map((w) => ({ name: `q${w}`, weight: w }));
}

function gangsFor(count: number, gpuShare: number, seed: number, annotate?: (i: number, rnd: () => number) => Record<string, string> | undefined): { jobs: JobSnapshot[]; gangs: Shape[][] } {
  const rnd = random(seed);
  const jobs: JobSnapshot[] = [];
  const gangs: Shape[][] = [];
  for (let i = 0; i < count; i++) {
    const useGpu = rnd() < gpuShare;
    const s = useGpu ? GPU_SHAPES[Math.floor(rnd() * GPU_SHAPES.length)]! : CPU_SHAPES[Math.floor(rnd() * CPU_SHAPES.length)]!;
    const tasks: TaskSnapshot[] = [];
    for (let k = 0; k < GANG; k++) {
      tasks.push({ id: `t${k}`, name: `g${i}-worker-${k}`, role: 'worker', index: k, status: 'Pending', request: s.request });
    }
    const annotations = annotate?.(i, rnd);
    jobs.push({
      id: `bench/g${i}`,
      name: `g${i}`,
      namespace: 'bench',
      queue: `q${1 + (i % 4)}`,
      minMember: GANG,
      minResources: s.request.scale(GANG),
      creationTimestamp: i,
      phase: 'Pending',
      ...(annotations === undefined ? {} : { annotations }),
      tasks,
    });
    gangs.push(Array.from({ length: GANG }, () => s));
  }
  return { jobs, gangs };
}

export function agentWorkload(scale: number): Workload {
  const nodes: NodeSnapshot[] = [];
  const cpuNodes = Math.round(4000 * scale);
  const gpuNodes = Math.round(1000 * scale);
  const cpuAlloc = ResourceVector.fromQuantities({ cpu: 64, memory: '256Gi', pods: 110 });
  const gpuAlloc = ResourceVector.fromQuantities({ cpu: 64, memory: '512Gi', [GPU]: 8, pods: 110 });
  for (let i = 0; i < cpuNodes; i++) nodes.push({ name: `cpu-${String(i).padStart(5, '0')}`, allocatable: cpuAlloc, labels: { pool: 'cpu' } });
  for (let i = 0; i < gpuNodes; i++) nodes.push({ name: `gpu-${String(i).padStart(5, '0')}`, allocatable: gpuAlloc, labels: { pool: 'gpu' } });
  const { jobs, gangs } = gangsFor(Math.round(10000 * scale), 0.05, 42);
  return { snapshot: createSnapshot({ nodes, jobs, queues: queues() }), gangs, nodes };
}

export function gatewayWorkload(scale: number): Workload {
  const nodes: NodeSnapshot[] = [];
  const domains: DomainSnapshot[] = [];
  const perDomain = Math.round(1000 * scale);
  const cpuAlloc = ResourceVector.fromQuantities({ cpu: 32, memory: '128Gi', pods: 110 });
  const gpuAlloc = ResourceVector.fromQuantities({ cpu: 32, memory: '256Gi', [GPU]: 8, pods: 110 });
  for (let d = 0; d < 100; d++) {
    const name = `cluster-${String(d).padStart(3, '0')}`;
    const gpu = d % 10 === 0;
    domains.push({ name, labels: { region: d % 2 === 0 ? 'eu' : 'us', tier: gpu ? 'gpu' : 'cpu' }, ready: d !== 99 });
    for (let i = 0; i < perDomain; i++) {
      nodes.push({ name: `${name}-n${String(i).padStart(4, '0')}`, domain: name, allocatable: gpu ? gpuAlloc : cpuAlloc });
    }
  }
  const { jobs, gangs } = gangsFor(Math.round(10000 * scale), 0.05, 7, (i): Record<string, string> | undefined => {
    if (i % 10 === 1) return { 'caldera.dev/clusters': `cluster-${String((i * 7) % 100).padStart(3, '0')},cluster-${String((i * 13) % 100).padStart(3, '0')}` };
    if (i % 10 === 2) return { 'caldera.dev/cluster-selector': 'region=eu' };
    return undefined;
  });
  return { snapshot: createSnapshot({ nodes, domains, jobs, queues: queues() }), gangs, nodes };
}

/** First fit: each pod on the first node (in name order) with room; a gang that does not fit is rolled back. */
function firstFit(w: Workload): number {
  const n = w.nodes.length;
  const cpu = new Float64Array(n);
  const mem = new Float64Array(n);
  const gpu = new Float64Array(n);
  w.nodes.forEach((node, i) => {
    cpu[i] = node.allocatable.cpu;
    mem[i] = node.allocatable.memory;
    gpu[i] = node.allocatable.get(GPU);
  });
  let placed = 0;
  const chosen: number[] = [];
  for (const gang of w.gangs) {
    chosen.length = 0;
    let ok = true;
    for (const pod of gang) {
      const a = pod.amounts;
      let found = -1;
      for (let i = 0; i < n; i++) {
        if (cpu[i]! >= a.cpu && mem[i]! >= a.memory && gpu[i]! >= a.gpu) {
          found = i;
          break;
        }
      }
      if (found < 0) {
        ok = false;
        break;
      }
      cpu[found]! -= a.cpu;
      mem[found]! -= a.memory;
      gpu[found]! -= a.gpu;
      chosen.push(found);
    }
    if (!ok) {
      for (let k = 0; k < chosen.length; k++) {
        const a = gang[k]!.amounts;
        const i = chosen[k]!;
        cpu[i]! += a.cpu;
        mem[i]! += a.memory;
        gpu[i]! += a.gpu;
      }
    } else {
      placed += gang.length;
    }
  }
  return placed;
}

/**
 * Naive best fit: like the scheduler, score every node for every pod (binpack: fullness after
 * placing) and take the best, but by scanning all nodes each time instead of keeping an index.
 */
function naiveBestFit(w: Workload): number {
  const n = w.nodes.length;
  const cap = w.nodes.map((node) => [node.allocatable.cpu, node.allocatable.memory, node.allocatable.get(GPU)] as const);
  const cpu = new Float64Array(n);
  const mem = new Float64Array(n);
  const gpu = new Float64Array(n);
  let placed = 0;
  const chosen: number[] = [];
  for (const gang of w.gangs) {
    chosen.length = 0;
    let ok = true;
    for (const pod of gang) {
      const a = pod.amounts;
      let best = -1;
      let bestScore = -1;
      for (let i = 0; i < n; i++) {
        const [cc, mc, gc] = cap[i]!;
        const uc = cpu[i]! + a.cpu;
        const um = mem[i]! + a.memory;
        const ug = gpu[i]! + a.gpu;
        if (uc > cc || um > mc || ug > gc) continue;
        const score = uc / cc + um / mc + (a.gpu > 0 ? ug / gc : 0);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      if (best < 0) {
        ok = false;
        break;
      }
      cpu[best]! += a.cpu;
      mem[best]! += a.memory;
      gpu[best]! += a.gpu;
      chosen.push(best);
    }
    if (!ok) {
      for (let k = 0; k < chosen.length; k++) {
        const a = gang[k]!.amounts;
        const i = chosen[k]!;
        cpu[i]! -= a.cpu;
        mem[i]! -= a.memory;
        gpu[i]! -= a.gpu;
      }
    } else {
      placed += gang.length;
    }
  }
  return placed;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Timing<T> {
  value: T;
  /** Wall-clock milliseconds. */
  ms: number;
  /** CPU milliseconds of this process (user + system): robust when other work shares the machine. */
  cpuMs: number;
}

function timed<T>(fn: () => T): Timing<T> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

interface CycleSample {
  ms: number;
  cpuMs: number;
  binds: number;
  splitGangs: number;
  actionMs: Readonly<Record<string, number>>;
  openMs: number;
}

/** One warm-up cycle, then `repeats` measured ones (only their stats are kept). */
function measureCycles(snapshot: ClusterSnapshot, config: SchedulerConfig, repeats: number): CycleSample[] {
  runCycle({ snapshot, config, clock: systemClock });
  const out: CycleSample[] = [];
  for (let r = 0; r < repeats; r++) {
    const c = timed(() => runCycle({ snapshot, config, clock: systemClock }));
    out.push({ ms: c.ms, cpuMs: c.cpuMs, binds: c.value.stats.binds, splitGangs: countSplitGangs(c.value), actionMs: c.value.stats.actionMs, openMs: c.value.stats.openMs });
  }
  return out;
}

export async function run(opts: { quick?: boolean } = {}): Promise<BenchResult> {
  const scale = opts.quick === true ? 0.1 : 1;
  const repeats = 3;
  const agentConfig = parseSchedulerConfig(AGENT_CONFIG, { registry: defaultRegistry });
  const gatewayConfig = parseSchedulerConfig(GATEWAY_CONFIG, { registry: defaultRegistry });

  // The agent workload goes out of scope before the gateway one is built.
  const agent = ((): { nodes: number; pods: number; buildMs: number; samples: CycleSample[]; naive: Timing<number>[]; scored: Timing<number>[] } => {
    const build = timed(() => agentWorkload(scale));
    const samples = measureCycles(build.value.snapshot, agentConfig, repeats);
    const naive: Timing<number>[] = [];
    const scored: Timing<number>[] = [];
    for (let r = 0; r < repeats; r++) {
      naive.push(timed(() => firstFit(build.value)));
      scored.push(timed(() => naiveBestFit(build.value)));
    }
    return { nodes: build.value.nodes.length, pods: build.value.gangs.length * GANG, buildMs: build.ms, samples, naive, scored };
  })();
  const { nodes: agentNodes, pods: agentPods, buildMs: agentBuildMs, samples: agentSamples, naive: naiveSamples } = agent;
  const scoredMs = median(agent.scored.map((r) => r.ms));
  const scoredPlaced = agent.scored[0]!.value;
  const scoredPodsPerSec = (scoredPlaced / scoredMs) * 1000;

  const agentMs = median(agentSamples.map((r) => r.ms));
  const agentCpuMs = median(agentSamples.map((r) => r.cpuMs));
  const agentPlaced = agentSamples[0]!.binds;
  const agentPodsPerSec = (agentPlaced / agentMs) * 1000;
  const naiveMs = median(naiveSamples.map((r) => r.ms));
  const naivePlaced = naiveSamples[0]!.value;
  const naivePodsPerSec = (naivePlaced / naiveMs) * 1000;

  const gatewayBuild = timed(() => gatewayWorkload(scale));
  const gatewayNodes = gatewayBuild.value.nodes.length;
  const gatewayGangsTotal = gatewayBuild.value.gangs.length;
  const gatewaySamples = measureCycles(gatewayBuild.value.snapshot, gatewayConfig, repeats);
  const gatewayMs = median(gatewaySamples.map((r) => r.ms));
  const gatewayCpuMs = median(gatewaySamples.map((r) => r.cpuMs));
  const gatewayGangs = gatewaySamples[0]!.binds / GANG;
  const gatewayGangsPerSec = (gatewayGangs / gatewayMs) * 1000;

  const stream = streamCycles(scale, gatewayConfig);

  // The targets are for the full size; quick mode is held to the same rates.
  const agentTarget = 20000;
  const gatewayTarget = 5000;
  const result: BenchResult = {
    name: 'scheduling-cycle',
    metrics: {
      agent_nodes: agentNodes,
      agent_pods: agentPods,
      agent_pods_placed: agentPlaced,
      agent_cycle_ms: round(agentMs),
      agent_cycle_cpu_ms: round(agentCpuMs),
      agent_pods_per_s: Math.round(agentPodsPerSec),
      agent_pods_per_cpu_s: Math.round((agentPlaced / agentCpuMs) * 1000),
      agent_snapshot_build_ms: round(agentBuildMs),
      gateway_nodes: gatewayNodes,
      gateway_gangs: gatewayGangsTotal,
      gateway_gangs_placed: gatewayGangs,
      gateway_cycle_ms: round(gatewayMs),
      gateway_cycle_cpu_ms: round(gatewayCpuMs),
      gateway_gangs_per_s: Math.round(gatewayGangsPerSec),
      gateway_gangs_per_cpu_s: Math.round((gatewayGangs / gatewayCpuMs) * 1000),
      gateway_snapshot_build_ms: round(gatewayBuild.ms),
      gateway_split_gangs: gatewaySamples[0]!.splitGangs,
      stream_nodes: stream.nodes,
      stream_cycle_ms_p50: round(stream.warm),
    },
    baseline: {
      naive_first_fit_pods_placed: naivePlaced,
      naive_first_fit_ms: round(naiveMs),
      naive_first_fit_pods_per_s: Math.round(naivePodsPerSec),
      naive_best_fit_pods_placed: scoredPlaced,
      naive_best_fit_ms: round(scoredMs),
      naive_best_fit_pods_per_s: Math.round(scoredPodsPerSec),
      stream_cycle_cold_ms_p50: round(stream.cold),
    },
    ratios: {
      agent_vs_naive_first_fit_pods_per_s: round(agentPodsPerSec / naivePodsPerSec),
      agent_vs_naive_best_fit_pods_per_s: round(agentPodsPerSec / scoredPodsPerSec),
      stream_cold_vs_warm_cycle_ms: round(stream.cold / stream.warm),
    },
    targets: {
      agent_pods_per_s: { value: Math.round(agentPodsPerSec), min: agentTarget, met: agentPodsPerSec >= agentTarget },
      gateway_gangs_per_s: { value: Math.round(gatewayGangsPerSec), min: gatewayTarget, met: gatewayGangsPerSec >= gatewayTarget },
    },
  };
  console.log(
    [
      `scheduling-cycle${opts.quick === true ? ' (quick)' : ''} — medians of ${repeats} after one warm-up cycle`,
      `  agent:   ${agentNodes} nodes, ${agentPods / GANG} gangs × ${GANG} pods: ${agentPlaced} placed in ${round(agentMs)} ms wall / ${round(agentCpuMs)} ms cpu = ${Math.round(agentPodsPerSec)} pods/s (target ≥ ${agentTarget})`,
      `           by action ${JSON.stringify(agentSamples[0]!.actionMs)} ms, session open ${agentSamples[0]!.openMs} ms`,
      `  naive first fit, same input (no scoring, no fairness): ${naivePlaced} placed in ${round(naiveMs)} ms = ${Math.round(naivePodsPerSec)} pods/s (scheduler ÷ naive ${round(agentPodsPerSec / naivePodsPerSec)}×)`,
      `  naive best fit, same input (scores every node per pod): ${scoredPlaced} placed in ${round(scoredMs)} ms = ${Math.round(scoredPodsPerSec)} pods/s (scheduler ÷ naive ${round(agentPodsPerSec / scoredPodsPerSec)}×)`,
      `  gateway: ${gatewayNodes} nodes in 100 domains, ${gatewayGangsTotal} gangs: ${gatewayGangs} placed in ${round(gatewayMs)} ms wall / ${round(gatewayCpuMs)} ms cpu = ${Math.round(gatewayGangsPerSec)} gangs/s (target ≥ ${gatewayTarget}); gangs split across domains: ${gatewaySamples[0]!.splitGangs}`,
      `  steady stream: ${stream.nodes} nodes in 20 domains, 5 gangs per cycle on an incremental store: ${round(stream.warm)} ms per cycle (median), ${round(stream.cold)} ms when every cycle builds its node base from scratch (${round(stream.cold / stream.warm)}×)`,
    ].join('\n'),
  );
  return result;
}

/**
 * The gateway's steady state: a store of 20 domains × 500 nodes, five new gangs of 8 per cycle, and
 * the nodes they were placed on replaced before the next cycle. Median cycle time, with each cycle's
 * node base derived from the previous one (as the gateway runs) and, as the baseline in the same
 * run, built from scratch every cycle.
 */
function streamCycles(scale: number, config: SchedulerConfig): { nodes: number; warm: number; cold: number } {
  const perDomain = Math.max(10, Math.round(500 * scale));
  const cycles = 300;
  const measure = (cold: boolean): number => {
    const store = new SnapshotStore();
    const alloc = ResourceVector.fromQuantities({ cpu: '64', memory: '256Gi', pods: 250 });
    const base = ResourceVector.fromQuantities({ cpu: '500m', memory: '1Gi' });
    const used = new Map<string, ResourceVector>();
    for (let c = 0; c < 20; c++) {
      for (let n = 0; n < perDomain; n++) {
        const name = `d${c}/n${n}`;
        used.set(name, base);
        store.upsertNode({ name, domain: `d${c}`, allocatable: alloc, otherUsed: base, otherPods: 3 });
      }
    }
    store.upsertQueue({ name: 'default', weight: 1 });
    const request = ResourceVector.fromQuantities({ cpu: '1', memory: '1Gi' });
    const times: number[] = [];
    let seq = 0;
    for (let k = 0; k < cycles; k++) {
      const ids: string[] = [];
      for (let j = 0; j < 5; j++) {
        const id = `ns/g${seq++}`;
        ids.push(id);
        store.upsertJob({
          id, name: id, namespace: 'ns', queue: 'default', minMember: GANG, creationTimestamp: seq,
          tasks: Array.from({ length: GANG }, (_, i) => ({ id: `${id}-${i}`, name: `w-${i}`, status: 'Pending' as const, request })),
        });
      }
      const snapshot = store.snapshot();
      if (cold) clearNodeBaseCache();
      const t0 = performance.now();
      const r = runCycle({ snapshot, config, clock: systemClock });
      times.push(performance.now() - t0);
      for (const id of ids) store.removeJob(id);
      for (const d of r.decisions) {
        if (d.type !== 'bind') continue;
        const u = (used.get(d.node) ?? base).add(request);
        used.set(d.node, u);
        store.upsertNode({ name: d.node, domain: d.node.slice(0, d.node.indexOf('/')), allocatable: alloc, otherUsed: u, otherPods: 4 });
      }
    }
    return median(times.slice(20));
  };
  const warm = measure(false);
  const cold = measure(true);
  return { nodes: 20 * perDomain, warm, cold };
}

function countSplitGangs(r: CycleResult): number {
  const domains = new Map<string, Set<string>>();
  for (const d of r.decisions) {
    if (d.type !== 'bind') continue;
    let s = domains.get(d.job);
    if (s === undefined) domains.set(d.job, (s = new Set()));
    s.add(d.domain ?? '');
  }
  let split = 0;
  for (const s of domains.values()) if (s.size > 1) split++;
  return split;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
