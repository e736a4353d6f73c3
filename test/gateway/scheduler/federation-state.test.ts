import t from 'tap';
import { ResourceVector } from '../../../shared/resources/resource-vector.js';
import { FederationState, LEDGER, ledgerJobId } from '../../../gateway/scheduler/federation-state.js';
import { PendingBacklog } from '../../../gateway/scheduler/pending-backlog.js';
import { fitsOnNodes, planGangReclaim, type NodeRoom, type ReclaimerPod, type VictimCandidate } from '../../../gateway/reclaim/gang-reclaim.js';
import type { Placement } from '../../../gateway/store/records.js';
import { gang, nodes, queue } from '../federation/federation-harness.js';

const cpu = (c: number, mem = 0) => ResourceVector.fromAmounts({ cpu: c * 1000, ...(mem ? { memory: mem } : {}) });

function stateWithJobs(n: number, opts: { window?: number } = {}): FederationState {
  const s = new FederationState({ windowPerQueue: opts.window ?? 2 });
  s.applyChange({ rv: 1, kind: 'queue', key: 'default', type: 'ADDED', object: queue('default') });
  s.applyNodes('east', { mode: 'full', upserts: nodes(2, { cpu: '8' }), removed: [] });
  s.setReadiness('east', 'Ready');
  for (let i = 0; i < n; i++) s.applyChange({ rv: 10 + i, kind: 'job', key: `default/j${i}`, type: 'ADDED', object: gang({ name: `j${i}`, pods: 2, cpu: '1' }) });
  return s;
}

function placement(s: FederationState, id: string, plan: string[]): Placement {
  const e = s.jobs.get(id)!;
  return { uid: e.uid, namespace: 'default', name: e.job.metadata.name!, queue: 'default', cluster: 'east', epoch: 1, attempt: 1, state: 'Placed', placedAt: '', nodePlan: { worker: plan } };
}

t.test('a queue shows a bounded window of its gangs; ones a cycle could not place make way for the next', async (t) => {
  const s = stateWithJobs(5, { window: 2 });
  const ids = (snap: ReturnType<FederationState['prepareCycle']>) => snap.jobs.map((j) => j.id).filter((id) => !id.startsWith(LEDGER));
  t.same(ids(s.prepareCycle(0)), ['default/j0', 'default/j1'], 'the oldest two first');
  s.finishCycle(); // neither was placed
  t.same(ids(s.prepareCycle(0)), ['default/j2', 'default/j3'], 'the next two, not the same ones again');
  s.finishCycle();
  t.same(ids(s.prepareCycle(0)), ['default/j4'], 'then the last; tried gangs wait: nothing changed since');
  s.finishCycle();
  s.prepareCycle(0);
  t.notOk(s.hasWork(), 'with nothing new, no cycle is worth running');
  s.finishCycle();
  s.applyNodes('east', { mode: 'delta', upserts: nodes(1, { cpu: '16', prefix: 'big' }), removed: [] });
  t.same(ids(s.prepareCycle(0)), ['default/j0', 'default/j1'], 'a new node makes them worth trying again, oldest first');
});

t.test('placed gangs are held on their nodes and in their queue\'s ledger, not as jobs of the snapshot', async (t) => {
  const s = stateWithJobs(2);
  s.prepareCycle(0);
  const e = s.jobs.get('default/j0')!;
  s.place(e, placement(s, 'default/j0', ['node-0', 'node-0']));
  let snap = s.prepareCycle(0);
  t.notOk(snap.jobs.some((j) => j.id === 'default/j0'), 'a placed gang is not a job of the snapshot');
  t.same(snap.jobs.find((j) => j.id === ledgerJobId('default'))?.tasks[0]?.request.get('cpu'), 2000, 'the queue ledger holds its 2 cpu');
  const node0 = () => snap.nodes.find((n) => n.name === 'east/node-0')!;
  t.equal(node0().otherUsed?.get('cpu'), 2000, 'reserved on its node on top of what the agent reports');
  t.equal(node0().otherPods, 2);
  t.same(s.queueUsage().get('default'), { allocated: cpu(2, 2 * 2 ** 30), reserved: cpu(2, 2 * 2 ** 30), pending: 1, running: 1 });

  // the member reports the pods on the node, then the gang bound: counted once
  s.applyNodes('east', { mode: 'delta', upserts: [{ ...nodes(1, { cpu: '8' })[0]!, requested: { cpu: '2500m' }, podCount: 3 }], removed: [] });
  s.markBound(e);
  snap = s.prepareCycle(0);
  t.equal(node0().otherUsed?.get('cpu'), 2500, 'bound pods are inside the reported requested (2 cpu ours + 0.5 others)');
  t.equal(node0().otherPods, 3);
  t.equal(s.queueUsage().get('default')?.reserved.isZero(), true);

  s.markFinished(e);
  snap = s.prepareCycle(0);
  t.notOk(snap.jobs.some((j) => j.id === ledgerJobId('default')), 'an empty ledger leaves the snapshot');
  t.equal(node0().otherUsed?.get('cpu'), 2500, 'until the agent reports it, the node still counts what it said');
  t.equal(s.clusterFree('east').get('cpu'), 16_000 - 2500);
});

t.test('the reclaim planner takes whole gangs, lowest priority and latest start first, from one cluster, never below a queue\'s share', async (t) => {
  const gangOf = (job: string, queue: string, cluster: string, priority: number, startedAt: number, c = 4): VictimCandidate => ({ job, queue, cluster, priority, startedAt, request: cpu(c) });
  const queues = [
    { name: 'a', deserved: cpu(8), allocated: cpu(16), reclaimable: true },
    { name: 'b', deserved: cpu(8), allocated: cpu(0), reclaimable: true },
  ];
  const candidates = [
    gangOf('a/high-east', 'a', 'east', 100, 1),
    gangOf('a/low-east-old', 'a', 'east', 10, 1),
    gangOf('a/low-west-new', 'a', 'west', 10, 5),
    gangOf('a/high-west', 'a', 'west', 100, 2),
  ];
  const plans = planGangReclaim({
    queues, candidates, maxGangs: 4, freeIn: () => ResourceVector.empty(),
    reclaimers: [{ queue: 'b', job: 'b/x', need: cpu(4), clusters: ['east', 'west'] }],
  });
  t.same(plans.map((p) => [p.cluster, p.victims.map((v) => v.job)]), [['west', ['a/low-west-new']]], 'one low-priority gang, the one that started last');

  const two = planGangReclaim({
    queues, candidates, maxGangs: 4, freeIn: () => ResourceVector.empty(),
    reclaimers: [{ queue: 'b', job: 'b/x', need: cpu(8), clusters: ['east'] }],
  });
  t.same(two.map((p) => p.victims.map((v) => v.job)), [['a/low-east-old', 'a/high-east']], 'a bigger gang needs both gangs of one cluster');

  const guarded = planGangReclaim({
    queues: [{ name: 'a', deserved: cpu(12), allocated: cpu(16), reclaimable: true }, queues[1]!],
    candidates, maxGangs: 4, freeIn: () => ResourceVector.empty(),
    reclaimers: [{ queue: 'b', job: 'b/x', need: cpu(8), clusters: ['east', 'west'] }],
  });
  t.same(guarded, [], 'taking two gangs would put queue a below its deserved 12 cpu: nothing is taken');

  const notReclaimable = planGangReclaim({
    queues: [{ ...queues[0]!, reclaimable: false }, queues[1]!],
    candidates, maxGangs: 4, freeIn: () => ResourceVector.empty(),
    reclaimers: [{ queue: 'b', job: 'b/x', need: cpu(4), clusters: ['east', 'west'] }],
  });
  t.same(notReclaimable, [], 'a queue that is not reclaimable keeps its gangs');

  const withRoom = planGangReclaim({
    queues, candidates, maxGangs: 4, freeIn: (c) => (c === 'east' ? cpu(4) : ResourceVector.empty()),
    reclaimers: [{ queue: 'b', job: 'b/x', need: cpu(4), clusters: ['east', 'west'] }],
  });
  t.same(withRoom, [], 'a gang that fits already needs no victims');
});

t.test('backlog order: higher priority first, then submission order; a re-queued gang keeps its place', async (t) => {
  const b = new PendingBacklog();
  b.arrive({ id: 'late', queue: 'q', priority: 0, order: 3 });
  b.arrive({ id: 'early', queue: 'q', priority: 0, order: 1 });
  b.arrive({ id: 'urgent', queue: 'q', priority: 10, order: 9 });
  t.same(b.take('q', 10, 0).map((i) => i.id), ['urgent', 'early', 'late']);
});

t.test('reclaim counts room node by node: victims are taken until the gang\'s pods fit on nodes they may use', async (t) => {
  // east: two 4-cpu nodes, each full with one pod of gang v1 and one of gang v2 (2 cpu each);
  // west: one 4-cpu node full with gang w1's single 4-cpu pod, and a tainted node
  const room = (name: string, free: number, extra: Partial<NodeRoom> = {}): NodeRoom => ({ name, free: cpu(free), labels: {}, taints: [], ...extra });
  const nodesIn = (c: string): NodeRoom[] => (c === 'east'
    ? [room('e1', 0, { labels: { zone: 'a' } }), room('e2', 0, { labels: { zone: 'b' } })]
    : [room('w1', 0), room('w2', 4, { taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }] })]);
  const victim = (job: string, cluster: string, priority: number, pods: Array<[string, number]>): VictimCandidate => ({
    job, queue: 'a', cluster, priority, startedAt: 1, request: cpu(pods.reduce((n, [, c]) => n + c, 0)),
    pods: pods.map(([node, c]) => ({ node, request: cpu(c) })),
  });
  const queues = [
    { name: 'a', deserved: cpu(4), allocated: cpu(12), reclaimable: true },
    { name: 'b', deserved: cpu(8), allocated: cpu(0), reclaimable: true },
  ];
  const eastOnly = [victim('a/v1', 'east', 1, [['e1', 2], ['e2', 2]]), victim('a/v2', 'east', 2, [['e1', 2], ['e2', 2]])];
  const big: ReclaimerPod[] = [{ request: cpu(4) }];
  const reclaimer = { queue: 'b', job: 'b/x', need: cpu(4), clusters: ['east'] };

  const byTotals = planGangReclaim({ queues, candidates: eastOnly, maxGangs: 4, freeIn: () => cpu(0), reclaimers: [reclaimer] });
  t.same(byTotals.map((p) => p.victims.map((v) => v.job)), [['a/v1']], 'by cluster totals one gang looks enough (4 cpu freed, 2 on each node)');
  const byNodes = planGangReclaim({ queues, candidates: eastOnly, maxGangs: 4, freeIn: () => cpu(0), nodesIn, reclaimers: [{ ...reclaimer, pods: big }] });
  t.same(byNodes.map((p) => p.victims.map((v) => v.job)), [['a/v1', 'a/v2']], 'node by node a 4-cpu pod needs both gangs gone from one node');
  const budget = planGangReclaim({ queues, candidates: eastOnly, maxGangs: 1, freeIn: () => cpu(0), nodesIn, reclaimers: [{ ...reclaimer, pods: big }] });
  t.same(budget, [], 'with room for one eviction only, none is made: it would free no node the gang can use');

  const zoneA = planGangReclaim({
    queues, candidates: [victim('a/on-b', 'east', 1, [['e2', 4]]), victim('a/on-a', 'east', 5, [['e1', 4]])], maxGangs: 4, freeIn: () => cpu(0), nodesIn,
    reclaimers: [{ ...reclaimer, pods: [{ request: cpu(4), nodeSelector: { zone: 'a' } }] }],
  });
  t.same(zoneA.map((p) => p.victims.map((v) => v.job)), [['a/on-b', 'a/on-a']], 'room freed on a node outside the gang\'s node selector does not count');

  const west = [victim('a/w1', 'west', 1, [['w1', 4]])];
  const tolerant = planGangReclaim({
    queues, candidates: west, maxGangs: 4, freeIn: () => cpu(4), nodesIn,
    reclaimers: [{ ...reclaimer, clusters: ['west'], pods: [{ request: cpu(4), tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] }] }],
  });
  t.same(tolerant, [], 'a gang that tolerates the taint fits on the idle tainted node: no eviction');
  const intolerant = planGangReclaim({
    queues, candidates: west, maxGangs: 4, freeIn: () => cpu(4), nodesIn,
    reclaimers: [{ ...reclaimer, clusters: ['west'], pods: big }],
  });
  t.same(intolerant.map((p) => p.victims.map((v) => v.job)), [['a/w1']], 'one that does not needs the untainted node freed');
});

t.test('fitsOnNodes packs the largest pods first and never claims room that is not there', async (t) => {
  const nodes: NodeRoom[] = [{ name: 'n1', free: cpu(3), labels: {}, taints: [] }, { name: 'n2', free: cpu(2), labels: {}, taints: [] }];
  const free = new Map(nodes.map((n) => [n.name, n.free]));
  const pods = (...c: number[]): ReclaimerPod[] => c.map((x) => ({ request: cpu(x) }));
  t.ok(fitsOnNodes(pods(1, 2, 2), nodes, free), '2 on n2, 2+1 on n1');
  t.notOk(fitsOnNodes(pods(3, 3), nodes, free), 'two 3-cpu pods: only one node has 3');
  t.notOk(fitsOnNodes(pods(2, 2, 2), nodes, free), '6 cpu asked, 5 idle');
  t.ok(fitsOnNodes([], nodes, free), 'an empty gang fits');
  t.equal(free.get('n1')?.get('cpu'), 3000, 'the caller\'s room is left as it was');
});
