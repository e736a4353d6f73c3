// The framework itself: snapshot store, session bookkeeping, statements, and how extension points
// combine across plugins and tiers.
import t from 'tap';
import { ManualClock } from '../../../shared/clock.js';
import { parseSchedulerConfig } from '../../../shared/scheduling/config.js';
import { ABSTAIN, PERMIT, REJECT, type Vote } from '../../../shared/scheduling/extension-points.js';
import type { Action, PluginDefinition } from '../../../shared/scheduling/plugin.js';
import { defaultRegistry, extendRegistry } from '../../../shared/scheduling/registry.js';
import { defaultSchedulerConfig, runCycle } from '../../../shared/scheduling/run-cycle.js';
import { Session } from '../../../shared/scheduling/session.js';
import { SnapshotStore } from '../../../shared/scheduling/snapshot-store.js';
import { ResourceVector } from '../../../shared/resources/resource-vector.js';
import { SnapshotError, createSnapshot, type ClusterSnapshot, type TaskSnapshot } from '../../../shared/scheduling/snapshot.js';
import { StatementError } from '../../../shared/scheduling/statement.js';
import type { TaskInfo } from '../../../shared/scheduling/task-info.js';
import { GPU, T0, bindsOf, cycle, makeJob, makeNode, makeQueue, nodes4Cpu8Gi, phaseOf, snapshotOf } from '../../support/scheduling-builders.js';

t.test('SnapshotStore applies changes and hands out cheap immutable snapshots', async (t) => {
  const store = new SnapshotStore();
  store.upsertQueue(makeQueue('default').build());
  store.upsertNode(makeNode('b').domain('east').cpu('4').memory('8Gi').build());
  store.upsertNode(makeNode('a').domain('west').cpu('4').memory('8Gi').build());
  store.upsertNode(makeNode('c').domain('east').cpu('4').memory('8Gi').build());
  store.upsertJob(makeJob('j').phase('Running').placed('Running', 'c', { cpu: '1' }).build());
  const s1 = store.snapshot();
  t.same(s1.nodes.map((n) => n.name), ['b', 'c', 'a'], 'sorted by domain, then name');
  t.same(s1.domains.map((d) => d.name), ['east', 'west'], 'implicit domain records');
  t.equal(store.snapshot(), s1, 'nothing changed: the same snapshot');
  t.same(store.nodesInDomain('east').sort(), ['b', 'c']);
  t.same(store.jobsInQueue('default'), ['default/j']);
  t.same(store.tasksOnNode('c'), [{ job: 'default/j', task: 'worker-0' }]);

  const v = store.version;
  store.upsertNode(makeNode('b').domain('east').cpu('8').memory('8Gi').build());
  const s2 = store.snapshot();
  t.ok(store.version > v);
  t.equal(s1.nodes[0]?.allocatable.cpu, 4000, 'an earlier snapshot keeps its node');
  t.equal(s2.nodes[0]?.allocatable.cpu, 8000);
  t.equal(s2.jobs, s1.jobs, 'unchanged categories are shared');

  store.upsertNode(makeNode('a').domain('east').cpu('4').memory('8Gi').build());
  t.same(store.snapshot().nodes.map((n) => n.name), ['a', 'b', 'c'], 'a domain move re-sorts');
  t.same(store.nodesInDomain('west'), []);
  store.upsertJob(makeJob('j').phase('Running').placed('Running', 'a', { cpu: '1' }).build());
  t.same(store.tasksOnNode('c'), []);
  t.same(store.tasksOnNode('a'), [{ job: 'default/j', task: 'worker-0' }]);
  t.ok(store.removeJob('default/j'));
  t.notOk(store.removeJob('default/j'));
  t.ok(store.removeNode('a'));
  t.same(store.snapshot().nodes.map((n) => n.name), ['b', 'c']);
  t.same(store.snapshot().jobs, []);
  t.same(s2.jobs.length, 1, 'older snapshots are untouched');
});

t.test('SnapshotStore says where a node list differs from the one before when nodes were only replaced', async (t) => {
  const store = new SnapshotStore();
  for (const n of ['a', 'b', 'c', 'd']) store.upsertNode(makeNode(n).domain('east').cpu('4').memory('8Gi').build());
  const s1 = store.snapshot();
  t.equal(s1.nodeChanges, undefined, 'a first list: nothing to compare with');

  store.upsertNode(makeNode('c').domain('east').cpu('8').memory('8Gi').build());
  store.upsertNode(makeNode('a').domain('east').cpu('8').memory('8Gi').build());
  store.upsertNode(makeNode('c').domain('east').cpu('2').memory('8Gi').build());
  const s2 = store.snapshot();
  t.equal(s2.nodeChanges?.since, s1.nodes, 'relative to the list handed out before');
  t.same([...(s2.nodeChanges?.positions ?? [])], [0, 2], 'the replaced positions, each once, ascending');
  t.ok(s2.nodes.every((n, i) => (n === s1.nodes[i]) === ![0, 2].includes(i)), 'exactly those differ');

  store.upsertQueue(makeQueue('q').build());
  const s3 = store.snapshot();
  t.equal(s3.nodes, s2.nodes, 'nodes unchanged');
  t.equal(s3.nodeChanges, s2.nodeChanges, 'the same list keeps its description');

  store.upsertNode(makeNode('e').domain('east').cpu('4').memory('8Gi').build());
  t.equal(store.snapshot().nodeChanges, undefined, 'a node added: positions moved, no description');
  store.upsertNode(makeNode('b').domain('west').cpu('4').memory('8Gi').build());
  t.equal(store.snapshot().nodeChanges, undefined, 'a node moved to another domain: none either');
  const s4 = store.snapshot();
  store.upsertNode(makeNode('d').domain('east').cpu('1').memory('8Gi').build());
  const s5 = store.snapshot();
  t.equal(s5.nodeChanges?.since, s4.nodes);
  t.same([...(s5.nodeChanges?.positions ?? [])], [s5.nodes.findIndex((n) => n.name === 'd')]);
});

t.test('createSnapshot rejects duplicate names and ids', async (t) => {
  t.throws(() => createSnapshot({ nodes: nodes4Cpu8Gi(1).concat(nodes4Cpu8Gi(1)) }), SnapshotError);
  t.throws(() => createSnapshot({ jobs: [makeJob('j').build(), makeJob('j').build()] }), /duplicate job "default\/j"/);
});

t.test('a cycle never changes its snapshot and repeats exactly', async (t) => {
  const snapshot = snapshotOf({
    nodes: nodes4Cpu8Gi(3),
    jobs: [makeJob('a').tasks(3, { cpu: '2' }), makeJob('b').phase('Running').placed('Running', 'n0', { cpu: '1' })],
  });
  const before = JSON.stringify(snapshot);
  const r1 = cycle(snapshot);
  t.equal(JSON.stringify(snapshot), before);
  t.same(cycle(snapshot), r1);
});

t.test('usage outside the snapshot\'s tasks counts against the cluster (overcommit sees otherUsed)', async (t) => {
  const snapshot = snapshotOf({ nodes: [makeNode('n').cpu('10').memory('10Gi').otherUsed({ cpu: '8' }).build()], jobs: [makeJob('j').tasks(1, { cpu: '5' })] });
  t.equal(phaseOf(cycle(snapshot), 'default/j'), 'Pending', '10 × 1.2 − 8 = 4 < 5');
});

function openSession(snapshot: ClusterSnapshot): Session {
  const ssn = new Session({ snapshot, config: defaultSchedulerConfig(), clock: new ManualClock(T0), registry: defaultRegistry });
  ssn.open();
  return ssn;
}

/** Everything a statement may touch, as plain data. */
function fingerprint(ssn: Session): string {
  const t = ssn.nodeTable;
  return JSON.stringify({
    nodes: [t.allocatable, t.used, t.releasing, t.pipelined, t.podCount].map((a) => Array.from(a)),
    totals: [ssn.totalUsed, ssn.totalReleasing, ssn.totalPipelined].map((a) => Array.from(a)),
    domains: ssn.domains.map((d) => [d.used, d.releasing, d.pipelined].map((a) => Array.from(a))),
    jobs: ssn.jobs.map((j) => [Array.from(j.counts.byStatus), j.counts.pendingBestEffort, Array.from(j.allocated), [...j.placedByDomain.values()]]),
    tasks: ssn.jobs.flatMap((j) => j.tasks.map((x) => `${x.status}@${x.node?.name ?? ''}`)),
    jobOrder: ssn.jobs.flatMap((l) => ssn.jobs.map((r) => Math.sign(ssn.jobOrder(l, r)))),
    queueOrder: ssn.queues.flatMap((l) => ssn.queues.map((r) => Math.sign(ssn.queueOrder(l, r)))),
    allocatable: ssn.jobs.flatMap((j) => j.tasks.map((x) => (j.queue === undefined ? null : ssn.allocatable(j.queue, x)))),
  });
}

t.test('statement: discard restores the session exactly (nodes, jobs, plugin state)', async (t) => {
  const ssn = openSession(snapshotOf({
    nodes: [makeNode('a').domain('x').cpu('8').memory('16Gi').build(), makeNode('b').domain('x').cpu('8').memory('16Gi').build()],
    queues: [makeQueue('q1'), makeQueue('q2').weight(2)],
    jobs: [
      makeJob('run').queue('q1').phase('Running').placed('Running', 'a', { cpu: '2' }).placed('Bound', 'b', { cpu: '2' }),
      makeJob('new').queue('q2').phase('Inqueue').tasks(3, { cpu: '1', memory: '1Gi' }),
    ],
  }));
  const before = fingerprint(ssn);
  const [t0, t1, t2] = ssn.job('default/new')!.tasks as TaskInfo[];
  const victim = ssn.job('default/run')!.tasks[0]!;
  const stmt = ssn.statement();
  stmt.allocate(t0!, ssn.node('a')!);
  stmt.evict(victim, 'test');
  stmt.pipeline(t1!, ssn.node('a')!);
  stmt.allocate(t2!, ssn.node('b')!);
  t.not(fingerprint(ssn), before);
  t.equal(ssn.node('a')!.futureIdleOf(0), 8000 - 2000 - 1000 + 2000 - 1000);
  t.equal(stmt.size, 4);
  stmt.discard();
  t.equal(fingerprint(ssn), before);
  t.same(ssn.decisions, []);
  t.throws(() => stmt.allocate(victim, ssn.node('a')!), StatementError, 'only pending tasks can be allocated');
});

t.test('statement: commit turns operations into decisions and binding tasks', async (t) => {
  const ssn = openSession(snapshotOf({
    nodes: nodes4Cpu8Gi(1),
    jobs: [makeJob('run').phase('Running').placed('Running', 'n0', { cpu: '1' }), makeJob('new').phase('Inqueue').tasks(1, { cpu: '1' })],
  }));
  const stmt = ssn.statement();
  stmt.allocate(ssn.job('default/new')!.tasks[0]!, ssn.node('n0')!);
  stmt.evict(ssn.job('default/run')!.tasks[0]!, 'make room');
  stmt.commit();
  t.same(ssn.decisions, [
    { type: 'bind', job: 'default/new', task: 'worker-0', node: 'n0' },
    { type: 'evict', job: 'default/run', task: 'worker-0', node: 'n0', reason: 'make room' },
  ]);
  t.equal(ssn.job('default/new')!.tasks[0]!.status, 'Binding');
  t.equal(ssn.job('default/run')!.tasks[0]!.status, 'Releasing');
  t.equal(ssn.node('n0')!.releasingOf(0), 1000);
});

// ---------------------------------------------------------------- combination rules

interface Probe {
  votes?: Vote;
  victims?: (tasks: readonly TaskInfo[]) => readonly TaskInfo[] | undefined;
  order?: number;
  score?: number;
  starving?: boolean;
}

function probePlugin(name: string, p: Probe): PluginDefinition {
  return {
    name,
    description: 'test probe',
    arguments: {},
    create: () => ({
      name,
      onSessionOpen(ssn) {
        if (p.votes !== undefined) {
          const v = p.votes;
          ssn.add(name, 'jobEnqueueable', () => v);
          ssn.add(name, 'jobPipelined', () => v);
        }
        if (p.victims !== undefined) {
          const f = p.victims;
          ssn.add(name, 'preemptable', (_t, c) => f(c));
          ssn.add(name, 'reclaimable', (_t, c) => f(c));
        }
        if (p.order !== undefined) {
          const o = p.order;
          ssn.add(name, 'jobOrder', () => o);
        }
        if (p.score !== undefined) {
          const s = p.score;
          ssn.add(name, 'nodeOrder', () => s);
        }
        if (p.starving !== undefined) {
          const s = p.starving;
          ssn.add(name, 'jobStarving', () => s);
        }
      },
    }),
  };
}

interface Observed {
  enqueueable: boolean;
  pipelined: boolean;
  preemptable: string[];
  reclaimable: string[];
  order: number;
  score: number;
  starving: boolean;
}

function observe(tiers: Record<string, Probe>[]): Observed {
  const seen: Partial<Observed> = {};
  const probe: Action = {
    name: 'probe',
    description: 'records combined answers',
    arguments: {},
    execute(ssn) {
      const job = ssn.job('default/victims')!;
      const other = ssn.job('default/other')!;
      seen.enqueueable = ssn.jobEnqueueable(job);
      seen.pipelined = ssn.jobPipelined(job);
      seen.preemptable = ssn.preemptable(other.tasks[0]!, job.tasks).map((x) => x.id);
      seen.reclaimable = ssn.reclaimable(other.tasks[0]!, job.tasks).map((x) => x.id);
      seen.order = ssn.jobOrder(job, other);
      seen.score = ssn.nodeScore(job.tasks[0]!.shape, ssn.nodes[0]!);
      seen.starving = ssn.jobStarving(job);
    },
  };
  const plugins = tiers.flatMap((tier) => Object.entries(tier).map(([n, p]) => probePlugin(n, p)));
  const registry = extendRegistry(defaultRegistry, { plugins, actions: [probe] });
  const yaml = `actions: "probe"\ntiers:\n${tiers.map((tier) => `- plugins:\n${Object.keys(tier).map((n) => `  - name: ${n}`).join('\n')}`).join('\n')}\n`;
  runCycle({
    snapshot: snapshotOf({
      nodes: nodes4Cpu8Gi(1),
      jobs: [makeJob('victims').phase('Running').placed('Running', 'n0', { cpu: '1' }).placed('Running', 'n0', { cpu: '1' }).placed('Running', 'n0', { cpu: '1' }), makeJob('other').tasks(1, { cpu: '1' })],
    }),
    config: parseSchedulerConfig(yaml, { registry }),
    registry,
    clock: new ManualClock(T0),
  });
  return seen as Observed;
}

const ids = (...wanted: string[]) => (tasks: readonly TaskInfo[]) => tasks.filter((x) => wanted.includes(x.id));

t.test('votes: a Permit ends the walk after its tier; a Reject in the same tier wins; all abstaining means yes', async (t) => {
  t.equal(observe([{ a: { votes: PERMIT } }, { b: { votes: REJECT } }]).enqueueable, true);
  t.equal(observe([{ a: { votes: PERMIT }, b: { votes: REJECT } }]).enqueueable, false);
  t.equal(observe([{ a: { votes: ABSTAIN } }, { b: { votes: REJECT } }]).pipelined, false);
  t.equal(observe([{ a: { votes: ABSTAIN } }, { b: { votes: ABSTAIN } }]).enqueueable, true);
});

t.test('victims: intersection within a tier; the first tier with victims decides; abstaining skips', async (t) => {
  t.same(observe([{ a: { victims: ids('worker-0', 'worker-1') }, b: { victims: ids('worker-1', 'worker-2') } }]).preemptable, ['worker-1']);
  t.same(observe([{ a: { victims: ids('worker-0') } }, { b: { victims: ids('worker-2') } }]).preemptable, ['worker-0']);
  t.same(observe([{ a: { victims: ids() } }, { b: { victims: ids('worker-2') } }]).preemptable, ['worker-2'], 'an empty answer leaves the tier undecided');
  t.same(observe([{ a: { victims: () => undefined } }, { b: { victims: ids('worker-1') } }]).preemptable, ['worker-1']);
  t.same(observe([{ a: { victims: () => undefined } }]).preemptable, []);
});

t.test('reclaim victims: every tier that answers must agree', async (t) => {
  t.same(observe([{ a: { victims: ids('worker-0', 'worker-1') } }, { b: { victims: ids('worker-1', 'worker-2') } }]).reclaimable, ['worker-1']);
  t.same(observe([{ a: { victims: ids('worker-0') } }, { b: { victims: ids() } }]).reclaimable, []);
  t.same(observe([{ a: { victims: () => undefined } }, { b: { victims: ids('worker-2') } }]).reclaimable, ['worker-2']);
});

t.test('orders: first non-zero wins; scores: summed; starving: the first tier with a check decides', async (t) => {
  t.equal(observe([{ a: { order: 0 }, b: { order: -1 } }, { c: { order: 1 } }]).order, -1);
  t.equal(observe([{ a: { score: 10 } }, { b: { score: 5 } }]).score, 15);
  t.equal(observe([{ a: { starving: true } }, { b: { starving: false } }]).starving, true);
  t.equal(observe([{ a: { starving: true }, b: { starving: false } }]).starving, false);
  t.equal(observe([{ a: { order: 0 } }]).starving, false, 'no check registered: not starving');
});

t.test('the cycle reports counters and timing by its clock', async (t) => {
  const r = cycle(snapshotOf({ nodes: nodes4Cpu8Gi(2), jobs: [makeJob('j').tasks(2, { cpu: '1' })] }));
  t.match(r.stats, { nodes: 2, jobs: 1, tasks: 2, shapes: 1, binds: 2, evictions: 0, pipelines: 0, statementsCommitted: 1, elapsedMs: 0 });
  t.same(Object.keys(r.stats.actionMs), ['enqueue', 'allocate', 'backfill']);
  t.same(bindsOf(r).length, 2);
});

t.test('sessions over the same node list start from the same state as a fresh build', async (t) => {
  const nodes = [
    makeNode('b').cpu('8').memory('16Gi').otherUsed({ cpu: '2', memory: '1Gi' }).build(),
    makeNode('a').cpu('4').memory('8Gi').build(),
    makeNode('c').cpu('4').memory('8Gi').maxPods(2).build(),
  ];
  const first = snapshotOf({ nodes, jobs: [makeJob('run').phase('Running').placed('Running', 'a', { cpu: '1' })] });
  const cpuOnly = [makeJob('run').phase('Running').placed('Running', 'a', { cpu: '1' }).build(), makeJob('new').phase('Inqueue').tasks(2, { cpu: '3' }).build()];
  const withGpu = [...cpuOnly, makeJob('gpu').phase('Inqueue').tasks(1, { cpu: '1', [GPU]: '1' }).build()];
  openSession(first);
  for (const jobs of [cpuOnly, withGpu, cpuOnly]) {
    // The same node array as `first` (its per-node state is reused), against a copy (built afresh).
    const reused: ClusterSnapshot = { ...first, jobs };
    const fresh: ClusterSnapshot = { ...first, nodes: [...first.nodes], jobs };
    t.equal(fingerprint(openSession(reused)), fingerprint(openSession(fresh)), `${jobs.length} jobs: same session state`);
    t.same(cycle(reused), cycle(fresh), `${jobs.length} jobs: same cycle result`);
  }
  const s1 = openSession({ ...first, jobs: cpuOnly });
  const s2 = openSession({ ...first, jobs: cpuOnly });
  t.not(s1.nodeTable.used, s2.nodeTable.used, 'each session owns its node table');
  s1.setTaskStatus(s1.job('default/new')!.tasks[0]!, 'Allocated', s1.node('a'));
  t.equal(openSession({ ...first, jobs: cpuOnly }).node('a')!.usedOf(0), 1000, 'a session\'s changes never reach the next one');
  t.equal(s1.node('b')!.usedOf(0), 2000, 'other usage is counted');
  t.equal(s1.node('c')!.maxPods, 2);
  t.equal(s1.node('zz'), undefined);
});

t.test('task shapes: one per distinct request, selector and tolerations, keyed alike in every session', async (t) => {
  const job = makeJob('j').phase('Inqueue').tasks(2, { cpu: '1' }).build();
  const [a, b] = job.tasks as TaskSnapshot[];
  const tasks: TaskSnapshot[] = [
    a!,
    b!,
    // the pods count is no dimension: same shape as a plain cpu request
    { ...a!, id: 'p', name: 'p', request: ResourceVector.fromQuantities({ cpu: '1', pods: 1 }) },
    // an explicit zero is the same request
    { ...a!, id: 'z', name: 'z', request: ResourceVector.fromQuantities({ cpu: '1', [GPU]: 0 }) },
    { ...a!, id: 'g', name: 'g', request: ResourceVector.fromQuantities({ cpu: '1', [GPU]: 1 }) },
    { ...a!, id: 's', name: 's', nodeSelector: { zone: 'x' } },
    { ...a!, id: 's2', name: 's2', nodeSelector: { zone: 'x' } },
    { ...a!, id: 'tol', name: 'tol', tolerations: [{ key: 'k', operator: 'Exists' }] },
  ];
  const snapshot = snapshotOf({ nodes: nodes4Cpu8Gi(1), jobs: [{ ...job, tasks }] });
  const ssn = openSession(snapshot);
  const shapeOf = (id: string) => ssn.job('default/j')!.tasks.find((x) => x.id === id)!.shape;
  t.equal(ssn.shapes.shapes.length, 4, 'plain, gpu, selector, tolerations');
  t.equal(shapeOf('p'), shapeOf(a!.id));
  t.equal(shapeOf('z'), shapeOf(a!.id));
  t.not(shapeOf('g'), shapeOf(a!.id));
  t.equal(shapeOf('s'), shapeOf('s2'));
  t.not(shapeOf('tol'), shapeOf(a!.id));
  const again = openSession(snapshot);
  t.same(again.shapes.shapes.map((s) => s.key), ssn.shapes.shapes.map((s) => s.key), 'keys do not depend on the session');
  t.same(Array.from(again.job('default/j')!.tasks[0]!.shape.dense), Array.from(shapeOf(a!.id).dense));
});
