// Seeded property tests over random clusters and workloads: no node is over-committed, gangs
// bind all or nothing and stay in one domain, victims' gangs stay whole, the same input gives the
// same output, and a discarded statement restores the session exactly.
import t from 'tap';
import { ManualClock } from '../../../shared/clock.js';
import { ResourceVector } from '../../../shared/resources/resource-vector.js';
import { parseSchedulerConfig } from '../../../shared/scheduling/config.js';
import { defaultRegistry } from '../../../shared/scheduling/registry.js';
import { defaultSchedulerConfig, runCycle, type CycleResult } from '../../../shared/scheduling/run-cycle.js';
import { Session } from '../../../shared/scheduling/session.js';
import type { ClusterSnapshot, JobSnapshot, NodeSnapshot, TaskSnapshot } from '../../../shared/scheduling/snapshot.js';
import { createSnapshot } from '../../../shared/scheduling/snapshot.js';
import { isAllocatedStatus, occupiesNode, type TaskStatus } from '../../../shared/scheduling/task-status.js';
import { GPU, T0 } from '../../support/scheduling-builders.js';
import { seededRandom as random } from '../../support/seeded-random.js';


const DIMS = ['cpu', 'memory', GPU] as const;

/** A random but consistent cluster: running tasks are placed only where they fit. */
function scenario(seed: number, withDomains: boolean): ClusterSnapshot {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const nodes: NodeSnapshot[] = [];
  const free = new Map<string, number[]>();
  const nodeCount = 3 + Math.floor(rnd() * 10);
  for (let i = 0; i < nodeCount; i++) {
    const cpu = pick([2, 4, 8, 16]) * 1000;
    const memory = pick([4, 8, 32]) * 2 ** 30;
    const gpu = rnd() < 0.3 ? pick([1, 2, 4]) : 0;
    const name = `n${i}`;
    nodes.push({
      name,
      ...(withDomains ? { domain: `d${i % 3}` } : {}),
      allocatable: ResourceVector.fromAmounts({ cpu, memory, [GPU]: gpu }),
      ...(rnd() < 0.15 ? { taints: [{ key: 'special', value: 'x', effect: 'NoSchedule' as const }] } : {}),
      labels: { zone: pick(['a', 'b']) },
      ...(rnd() < 0.2 ? { maxPods: 2 + Math.floor(rnd() * 4) } : {}),
    });
    free.set(name, [cpu, memory, gpu]);
  }
  const podsOn = new Map<string, number>();
  const jobs: JobSnapshot[] = [];
  const jobCount = 1 + Math.floor(rnd() * 14);
  for (let j = 0; j < jobCount; j++) {
    const req = [pick([250, 500, 1000, 2000, 4000]), pick([256, 1024, 4096]) * 2 ** 20, rnd() < 0.2 ? 1 : 0];
    const bestEffort = rnd() < 0.1;
    const request = bestEffort ? ResourceVector.empty() : ResourceVector.fromAmounts({ cpu: req[0]!, memory: req[1]!, [GPU]: req[2]! });
    const count = 1 + Math.floor(rnd() * 6);
    const running = rnd() < 0.4;
    const tasks: TaskSnapshot[] = [];
    const domainOf = new Set<string | undefined>();
    for (let k = 0; k < count; k++) {
      let status: TaskStatus = 'Pending';
      let node: string | undefined;
      if (running) {
        const fits = nodes.filter((n) => {
          const f = free.get(n.name)!;
          const sameDomain = !withDomains || domainOf.size === 0 || domainOf.has(n.domain);
          return sameDomain && (bestEffort || f.every((v, d) => v >= req[d]!)) && (podsOn.get(n.name) ?? 0) < (n.maxPods ?? Infinity) && n.taints === undefined;
        });
        if (fits.length > 0) {
          const n = pick(fits);
          if (!bestEffort) free.set(n.name, free.get(n.name)!.map((v, d) => v - req[d]!));
          podsOn.set(n.name, (podsOn.get(n.name) ?? 0) + 1);
          status = pick(['Running', 'Running', 'Bound', 'Releasing'] as const);
          node = n.name;
          domainOf.add(n.domain);
        }
      }
      tasks.push({
        id: `t${k}`,
        name: `j${j}-t-${k}`,
        role: 't',
        status,
        ...(node === undefined ? {} : { node }),
        request,
        priority: Math.floor(rnd() * 3),
        ...(rnd() < 0.2 ? { nodeSelector: { zone: 'a' } } : {}),
        ...(rnd() < 0.1 ? { tolerations: [{ key: 'special', operator: 'Exists' as const }] } : {}),
      });
    }
    const minMember = 1 + Math.floor(rnd() * count);
    let minResources = ResourceVector.empty();
    for (const task of tasks.slice(0, minMember)) minResources = minResources.add(task.request);
    jobs.push({
      id: `ns/j${j}`,
      name: `j${j}`,
      namespace: 'ns',
      queue: `q${j % 3}`,
      minMember,
      minResources,
      priority: Math.floor(rnd() * 4),
      creationTimestamp: T0 - j * 1000,
      phase: running ? 'Running' : pick(['Pending', 'Inqueue'] as const),
      tasks,
    });
  }
  return createSnapshot({ nodes, jobs, queues: [0, 1, 2].map((q) => ({ name: `q${q}`, weight: 1 + q, reclaimable: q !== 2 })) });
}

// In "evicting", drf does not vote on preemption (as in Volcano's Helm configuration): with
// Volcano's tier rule an undecided first tier would let drf alone pick victims, gang or not.
const CONFIGS: Record<string, string> = {
  default: '',
  evicting: `actions: "enqueue, allocate, preempt, reclaim, backfill"
tiers:
- plugins: [{ name: priority }, { name: gang }, { name: conformance }]
- plugins: [{ name: overcommit }, { name: drf, enablePreemptable: false }, { name: predicates }, { name: proportion }, { name: nodeorder }, { name: binpack }]
`,
  gateway: `actions: "enqueue, allocate, backfill"
tiers:
- plugins: [{ name: priority }, { name: gang }, { name: conformance }]
- plugins: [{ name: overcommit }, { name: drf }, { name: predicates }, { name: proportion }, { name: nodeorder }, { name: domain }]
`,
};

function run(snapshot: ClusterSnapshot, config: string): CycleResult {
  return runCycle({
    snapshot,
    clock: new ManualClock(T0),
    config: config === '' ? defaultSchedulerConfig() : parseSchedulerConfig(config, { registry: defaultRegistry }),
  });
}

function checkInvariants(t: Pick<typeof import('tap').default, 'fail' | 'pass'>, snapshot: ClusterSnapshot, r: CycleResult, label: string): void {
  const tasks = new Map<string, { job: JobSnapshot; task: TaskSnapshot }>();
  for (const job of snapshot.jobs) for (const task of job.tasks) tasks.set(`${job.id}/${task.id}`, { job, task });
  const nodes = new Map(snapshot.nodes.map((n) => [n.name, n]));
  const now = new Map<string, number[]>();
  const future = new Map<string, number[]>();
  const pods = new Map<string, number>();
  const add = (m: Map<string, number[]>, node: string, v: ResourceVector, sign = 1): void => {
    const cur = m.get(node) ?? [0, 0, 0];
    m.set(node, cur.map((x, d) => x + sign * v.get(DIMS[d]!)));
  };
  for (const { task } of tasks.values()) {
    if (task.node === undefined || !occupiesNode(task.status)) continue;
    add(now, task.node, task.request);
    if (task.status !== 'Releasing') add(future, task.node, task.request);
    pods.set(task.node, (pods.get(task.node) ?? 0) + 1);
  }
  const binds = new Map<string, number>();
  const pipes = new Map<string, number>();
  const evicted = new Map<string, number>();
  const bindDomains = new Map<string, Set<string | undefined>>();
  for (const d of r.decisions) {
    const { task } = tasks.get(`${d.job}/${d.task}`)!;
    if (d.type === 'bind') {
      add(now, d.node, task.request);
      add(future, d.node, task.request);
      pods.set(d.node, (pods.get(d.node) ?? 0) + 1);
      binds.set(d.job, (binds.get(d.job) ?? 0) + 1);
      bindDomains.set(d.job, (bindDomains.get(d.job) ?? new Set()).add(d.domain));
    } else if (d.type === 'pipeline') {
      add(future, d.node, task.request);
      pipes.set(d.job, (pipes.get(d.job) ?? 0) + 1);
    } else {
      add(future, d.node, task.request, -1);
      evicted.set(d.job, (evicted.get(d.job) ?? 0) + 1);
    }
  }
  let ok = true;
  for (const [name, used] of now) {
    const alloc = nodes.get(name)!.allocatable;
    if (used.some((u, d) => u > alloc.get(DIMS[d]!))) ok = t.fail(`${label}: node ${name} over-committed now: ${used}`) && false;
  }
  for (const [name, used] of future) {
    const alloc = nodes.get(name)!.allocatable;
    if (used.some((u, d) => u > alloc.get(DIMS[d]!))) ok = t.fail(`${label}: node ${name} over-committed once evictions finish: ${used}`) && false;
  }
  for (const [name, n] of pods) {
    const max = nodes.get(name)!.maxPods;
    const before = [...tasks.values()].filter((x) => x.task.node === name && occupiesNode(x.task.status)).length;
    if (max !== undefined && n > Math.max(max, before)) ok = t.fail(`${label}: node ${name} has ${n} pods, limit ${max}`) && false;
  }
  for (const job of snapshot.jobs) {
    const ready = job.tasks.filter((x) => isAllocatedStatus(x.status) || x.status === 'Succeeded').length;
    const b = binds.get(job.id) ?? 0;
    const p = pipes.get(job.id) ?? 0;
    const e = evicted.get(job.id) ?? 0;
    if (b > 0 && ready + b < job.minMember) ok = t.fail(`${label}: ${job.id} bound ${b} tasks, below its gang of ${job.minMember}`) && false;
    if (p > 0 && ready + b + p < job.minMember) ok = t.fail(`${label}: ${job.id} pipelined a partial gang`) && false;
    if (e > 0 && ready - e < job.minMember) ok = t.fail(`${label}: evictions broke ${job.id} below minMember`) && false;
    const ds = bindDomains.get(job.id);
    if (ds !== undefined && label.startsWith('gateway')) {
      const placed = new Set(job.tasks.filter((x) => x.node !== undefined && x.status !== 'Succeeded' && x.status !== 'Failed').map((x) => nodes.get(x.node!)!.domain));
      for (const d of placed) ds.add(d);
      if (ds.size > 1) ok = t.fail(`${label}: ${job.id} spans domains ${[...ds].join(', ')}`) && false;
    }
  }
  if (ok) t.pass(`${label}: invariants hold (${r.decisions.length} decisions)`);
}

t.test('invariants hold over 60 random scenarios for each configuration', async (t) => {
  let decisions = 0;
  for (let seed = 1; seed <= 60; seed++) {
    for (const [name, config] of Object.entries(CONFIGS)) {
      const snapshot = scenario(seed, name === 'gateway');
      const r = run(snapshot, config);
      decisions += r.decisions.length;
      checkInvariants(t, snapshot, r, `${name} #${seed}`);
    }
  }
  t.ok(decisions > 200, `the scenarios exercise the scheduler (${decisions} decisions)`);
});

t.test('the same input gives the same output', async (t) => {
  for (let seed = 100; seed < 110; seed++) {
    for (const [name, config] of Object.entries(CONFIGS)) {
      const snapshot = scenario(seed, name === 'gateway');
      const a = run(snapshot, config);
      const b = run(scenario(seed, name === 'gateway'), config);
      t.same(b, a, `${name} #${seed}`);
    }
  }
});

t.test('a discarded statement restores the session exactly (random operations)', async (t) => {
  for (let seed = 200; seed < 240; seed++) {
    const rnd = random(seed);
    const snapshot = scenario(seed, seed % 2 === 0);
    const ssn = new Session({ snapshot, config: parseSchedulerConfig(CONFIGS.evicting!, { registry: defaultRegistry }), clock: new ManualClock(T0), registry: defaultRegistry });
    ssn.open();
    const before = fingerprint(ssn);
    const stmt = ssn.statement();
    const all = ssn.jobs.flatMap((j) => j.tasks);
    for (let k = 0; k < 12; k++) {
      const task = all[Math.floor(rnd() * all.length)]!;
      const node = ssn.nodes[Math.floor(rnd() * ssn.nodes.length)]!;
      if (task.status === 'Pending') {
        if (rnd() < 0.5) stmt.allocate(task, node);
        else stmt.pipeline(task, node);
      } else if (task.status === 'Running' || task.status === 'Bound' || task.status === 'Allocated') {
        stmt.evict(task, 'test');
      }
    }
    stmt.discard();
    t.equal(fingerprint(ssn), before, `seed ${seed}`);
  }
});

function fingerprint(ssn: Session): string {
  const n = ssn.nodeTable;
  return JSON.stringify({
    nodes: [n.used, n.releasing, n.pipelined, n.podCount].map((a) => Array.from(a)),
    totals: [ssn.totalUsed, ssn.totalReleasing, ssn.totalPipelined].map((a) => Array.from(a)),
    domains: ssn.domains.map((d) => [d.used, d.releasing, d.pipelined].map((a) => Array.from(a))),
    jobs: ssn.jobs.map((j) => [Array.from(j.counts.byStatus), j.counts.pendingBestEffort, Array.from(j.allocated), [...j.placedByDomain.entries()].map(([d, c]) => [d.name, c])]),
    tasks: ssn.jobs.flatMap((j) => j.tasks.map((x) => `${x.status}@${x.node?.name ?? ''}`)),
    jobOrder: ssn.jobs.flatMap((l) => ssn.jobs.map((r) => Math.sign(ssn.jobOrder(l, r)))),
    queueOrder: ssn.queues.flatMap((l) => ssn.queues.map((r) => Math.sign(ssn.queueOrder(l, r)))),
    allocatable: ssn.jobs.flatMap((j) => j.tasks.map((x) => (j.queue === undefined ? null : ssn.allocatable(j.queue, x)))),
  });
}
