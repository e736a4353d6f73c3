// preempt (within a queue, by priority) and reclaim (across queues, from those above deserved).
import t from 'tap';
import { bindsOf, cycle, evictionsOf, makeJob, makeNode, makeQueue, nodes4Cpu8Gi, pipelinesOf, snapshotOf } from '../../support/scheduling-builders.js';

// Helm-style tiers: drf does not vote on preemption, so priority decides.
const PREEMPT = `actions: "enqueue, allocate, preempt"
tiers:
- plugins:
  - name: priority
  - name: gang
  - name: conformance
- plugins:
  - name: drf
    enablePreemptable: false
  - name: predicates
  - name: proportion
  - name: nodeorder
`;

const RECLAIM = `actions: "enqueue, allocate, reclaim"
tiers:
- plugins:
  - name: priority
  - name: gang
  - name: conformance
- plugins:
  - name: drf
  - name: predicates
  - name: proportion
  - name: nodeorder
`;

function running(name: string, queue: string, spots: [string, number][], opts: { priority?: number; minMember?: number } = {}) {
  const job = makeJob(name).queue(queue).phase('Running').priority(opts.priority ?? 0).minMember(opts.minMember ?? 1);
  for (const [node, n] of spots) for (let i = 0; i < n; i++) job.placed('Running', node, { cpu: '1' });
  return job;
}

t.test('preempt: a higher-priority job evicts a lower-priority task of its own queue and is pipelined there', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(2),
    queues: [makeQueue('q1'), makeQueue('q2')],
    jobs: [
      running('low', 'q1', [['n0', 4]], { priority: 1 }),
      running('other', 'q2', [['n1', 4]], { priority: 0 }),
      makeJob('high').queue('q1').phase('Inqueue').priority(100).tasks(1, { cpu: '1' }),
    ],
  }), { config: PREEMPT });
  // gang lets 3 of low's 4 tasks go (worker-0..2); of those the last in task order goes first
  t.same(evictionsOf(r), ['default/low/worker-2@n0'], 'one task of the low job goes; q2 is untouched');
  t.same(pipelinesOf(r), ['default/high/worker-0->n0']);
  t.same(bindsOf(r), []);
  t.match(r.decisions.find((d) => d.type === 'evict'), { reason: 'preempted by default/high/worker-0' });
});

t.test('preempt: a lower-priority job evicts nothing', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(1),
    queues: [makeQueue('q1')],
    jobs: [running('high', 'q1', [['n0', 4]], { priority: 100 }), makeJob('low').queue('q1').phase('Inqueue').priority(1).tasks(1, { cpu: '1' })],
  }), { config: PREEMPT });
  t.same(r.decisions, []);
});

t.test('preempt: a victim gang at minMember is not broken', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(1),
    queues: [makeQueue('q1')],
    jobs: [running('gang', 'q1', [['n0', 4]], { priority: 1, minMember: 4 }), makeJob('high').queue('q1').phase('Inqueue').priority(100).tasks(1, { cpu: '1' })],
  }), { config: PREEMPT });
  t.same(r.decisions, []);
});

t.test('preempt: a gang preemptor gets all its evictions or none', async (t) => {
  // Needs 3 cpu; only 2 tasks of the low job may go (minMember 2 of 4).
  const starved = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(1),
    queues: [makeQueue('q1')],
    jobs: [running('low', 'q1', [['n0', 4]], { priority: 1, minMember: 2 }), makeJob('high').queue('q1').phase('Inqueue').priority(100).tasks(3, { cpu: '1' })],
  }), { config: PREEMPT });
  t.same(starved.decisions, []);
  const fed = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(1),
    queues: [makeQueue('q1')],
    jobs: [running('low', 'q1', [['n0', 4]], { priority: 1, minMember: 1 }), makeJob('high').queue('q1').phase('Inqueue').priority(100).tasks(3, { cpu: '1' })],
  }), { config: PREEMPT });
  t.equal(evictionsOf(fed).length, 3);
  t.equal(pipelinesOf(fed).length, 3);
});

// 16 cpu, full. Deserved by weight (1 each) over requests qa 7, qn 5, qb 4, qc 3:
// qa 4.5, qn 4.5, qb 4, qc 3 — qa and qn are above deserved, qb is at it; qn is not reclaimable.
function reclaimCluster(aMinMember: number) {
  return snapshotOf({
    nodes: nodes4Cpu8Gi(4),
    queues: [makeQueue('qa'), makeQueue('qn').reclaimable(false), makeQueue('qb'), makeQueue('qc')],
    jobs: [
      running('a', 'qa', [['n0', 4], ['n1', 3]], { minMember: aMinMember }),
      running('n', 'qn', [['n1', 1], ['n2', 4]]),
      running('b', 'qb', [['n3', 4]]),
      makeJob('c').queue('qc').phase('Inqueue').tasks(3, { cpu: '1' }),
    ],
  });
}

t.test('reclaim takes only from a reclaimable queue above its deserved share', async (t) => {
  const r = cycle(reclaimCluster(1), { config: RECLAIM });
  const evicted = evictionsOf(r);
  t.equal(evicted.length, 3);
  t.ok(evicted.every((e) => e.startsWith('default/a/')), `only queue qa loses tasks: ${evicted.join(', ')}`);
  t.equal(pipelinesOf(r).length, 3);
  t.match(r.decisions.find((d) => d.type === 'evict'), { reason: /^reclaimed by queue qc/ });
  const deserved = Object.fromEntries(r.queueStatus.map((q) => [q.queue, q.deserved?.cpu]));
  t.same(deserved, { qa: 4500, qn: 4500, qb: 4000, qc: 3000 });
});

t.test('reclaim never breaks a victim gang below its minMember', async (t) => {
  t.same(cycle(reclaimCluster(6), { config: RECLAIM }).decisions, [], 'only one task of a may go: not enough, so nothing happens');
  t.equal(evictionsOf(cycle(reclaimCluster(4), { config: RECLAIM })).length, 3);
});

t.test('reclaim does nothing for a queue already at its deserved share', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(2),
    queues: [makeQueue('qa'), makeQueue('qc')],
    jobs: [running('a', 'qa', [['n0', 4]]), running('c0', 'qc', [['n1', 4]]), makeJob('c').queue('qc').phase('Inqueue').tasks(1, { cpu: '1' })],
  }), { config: RECLAIM });
  t.same(r.decisions, []);
});

t.test('next cycle, a pipelined preemptor is bound to its nominated node before anyone else is placed', async (t) => {
  // The victim is gone; n1 (emptier, preferred by least-requested) and n0 (nominated) both fit.
  const r = cycle(snapshotOf({
    nodes: [makeNode('n0').cpu('4').memory('8Gi').otherUsed({ cpu: '2' }).build(), makeNode('n1').cpu('4').memory('8Gi').build()],
    jobs: [makeJob('high').phase('Inqueue').tasks(1, { cpu: '1' }, { nominatedNode: 'n0' })],
  }), { config: PREEMPT });
  t.same(bindsOf(r), ['default/high/worker-0->n0']);
  const without = cycle(snapshotOf({
    nodes: [makeNode('n0').cpu('4').memory('8Gi').otherUsed({ cpu: '2' }).build(), makeNode('n1').cpu('4').memory('8Gi').build()],
    jobs: [makeJob('high').phase('Inqueue').tasks(1, { cpu: '1' })],
  }), { config: PREEMPT });
  t.same(bindsOf(without), ['default/high/worker-0->n1']);
});
