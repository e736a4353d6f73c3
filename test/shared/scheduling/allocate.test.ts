// allocate, backfill and enqueue with the gang plugin: exact binds, reservations, admission.
import t from 'tap';
import {
  GPU,
  bindsOf,
  configYaml,
  cycle,
  diagnosisOf,
  makeJob,
  makeNode,
  nodes4Cpu8Gi,
  phaseOf,
  pipelinesOf,
  snapshotOf,
} from '../../support/scheduling-builders.js';

const gpuNode = (name: string, gpus = 1) => makeNode(name).cpu('8').memory('32Gi').gpu(gpus).build();

t.test('a gang of 4 with room for 3 binds nothing and says why', async (t) => {
  const r = cycle(snapshotOf({
    nodes: [gpuNode('n0'), gpuNode('n1'), gpuNode('n2')],
    jobs: [makeJob('train').phase('Inqueue').tasks(4, { cpu: '1', [GPU]: 1 })],
  }));
  t.same(bindsOf(r), []);
  t.equal(diagnosisOf(r, 'default/train')?.message, '4/4 tasks in gang unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu');
  const cond = r.podGroupStatus.find((p) => p.job === 'default/train')?.conditions.find((c) => c.type === 'Unschedulable');
  t.equal(cond?.reason, 'NotEnoughResources');
  t.equal(cond?.message, '4/4 tasks in gang unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu');
  t.equal(phaseOf(r, 'default/train'), 'Inqueue');
});

t.test('the unschedulable message counts nodes used by other gangs (minMember 3 of 4 tasks, 12 nodes)', async (t) => {
  const nodes = Array.from({ length: 12 }, (_, i) => gpuNode(`n${String(i).padStart(2, '0')}`));
  const running = makeJob('busy').phase('Running');
  for (let i = 0; i < 10; i++) running.placed('Running', `n${String(i).padStart(2, '0')}`, { cpu: '1', [GPU]: 1 });
  const r = cycle(snapshotOf({ nodes, jobs: [running, makeJob('wide').phase('Inqueue').minMember(3).tasks(4, { cpu: '1', [GPU]: 1 })] }));
  t.same(bindsOf(r), []);
  t.equal(diagnosisOf(r, 'default/wide')?.message, '3/4 tasks in gang unschedulable: 0/12 nodes are available: 12 Insufficient nvidia.com/gpu');
});

t.test('a gang that fits binds every task, one per node when nodes have one slot', async (t) => {
  const r = cycle(snapshotOf({
    nodes: [gpuNode('n0'), gpuNode('n1'), gpuNode('n2'), gpuNode('n3')],
    jobs: [makeJob('train').phase('Inqueue').tasks(4, { cpu: '1', [GPU]: 1 })],
  }));
  t.same(bindsOf(r), [
    'default/train/worker-0->n0',
    'default/train/worker-1->n1',
    'default/train/worker-2->n2',
    'default/train/worker-3->n3',
  ]);
  t.same(r.diagnostics, []);
  const cond = r.podGroupStatus.find((p) => p.job === 'default/train')?.conditions;
  t.same(cond?.map((c) => [c.type, c.reason]), [['Scheduled', 'Scheduled']]);
});

t.test('least-requested spreading: the default config puts tasks on the emptiest nodes', async (t) => {
  const r = cycle(snapshotOf({
    nodes: [makeNode('a').cpu('4').memory('8Gi').otherUsed({ cpu: '2', memory: '4Gi' }).build(), makeNode('b').cpu('4').memory('8Gi').build()],
    jobs: [makeJob('j').phase('Inqueue').tasks(1, { cpu: '1', memory: '1Gi' })],
  }));
  t.same(bindsOf(r), ['default/j/worker-0->b']);
});

t.test('no head-of-line blocking: a gang that cannot fit does not stop a smaller one behind it', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(2),
    jobs: [
      makeJob('big').phase('Inqueue').created(1).tasks(3, { cpu: '4' }),
      makeJob('small').phase('Inqueue').created(2).tasks(2, { cpu: '2' }),
    ],
  }));
  t.same(bindsOf(r), ['default/small/worker-0->n0', 'default/small/worker-1->n1']);
  t.match(diagnosisOf(r, 'default/big')?.message, /^3\/3 tasks in gang unschedulable: 0\/2 nodes are available: 2 Insufficient cpu$/);
});

t.test('higher job priority is placed first when only one gang fits', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(1),
    jobs: [
      makeJob('low').phase('Inqueue').created(1).priority(1).tasks(1, { cpu: '4' }),
      makeJob('high').phase('Inqueue').created(2).priority(100).tasks(1, { cpu: '4' }),
    ],
  }));
  t.same(bindsOf(r), ['default/high/worker-0->n0']);
});

t.test('an elastic job binds beyond minMember as far as nodes allow', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(3),
    jobs: [makeJob('elastic').phase('Inqueue').minMember(2).tasks(5, { cpu: '4' })],
  }));
  t.equal(bindsOf(r).length, 3);
  t.same(r.diagnostics, [], 'a ready job is not reported as pending');
});

t.test('a pipelined gang keeps its reservation for the rest of the cycle without binding', async (t) => {
  // n0: 8 cpu, 4 of them held by a releasing task: idle 4, releasing 4.
  const leaving = makeJob('leaving').phase('Running').placed('Releasing', 'n0', { cpu: '4' });
  const r = cycle(snapshotOf({
    nodes: [makeNode('n0').cpu('8').memory('16Gi').build()],
    jobs: [
      leaving,
      makeJob('gang').phase('Inqueue').created(1).tasks(2, { cpu: '4' }),
      makeJob('later').phase('Inqueue').created(2).tasks(1, { cpu: '4' }),
    ],
  }));
  t.same(bindsOf(r), [], 'the gang is only pipelined, and the later job finds the reservation taken');
  t.same(pipelinesOf(r), [], 'an uncommitted reservation is not a decision');
});

t.test('a job with fewer valid tasks than minMember is skipped with the gang reason', async (t) => {
  const r = cycle(snapshotOf({ nodes: nodes4Cpu8Gi(4), jobs: [makeJob('short').phase('Inqueue').minMember(4).tasks(3, { cpu: '1' })] }));
  t.same(bindsOf(r), []);
  t.match(diagnosisOf(r, 'default/short')?.message, /Not enough valid tasks for gang-scheduling, valid: 3, min: 4/);
});

t.test('minTaskMember: the gang waits until every role can meet its minimum', async (t) => {
  const job = makeJob('tf').phase('Inqueue').minMember(3).minTaskMember({ ps: 1, worker: 2 })
    .tasks(1, { cpu: '4' }, { role: 'ps' })
    .tasks(2, { cpu: '1' }, { role: 'worker' });
  t.same(bindsOf(cycle(snapshotOf({ nodes: [makeNode('n0').cpu('2').memory('8Gi').build()], jobs: [job] }))), []);
  t.same(bindsOf(cycle(snapshotOf({ nodes: nodes4Cpu8Gi(2), jobs: [job] }))), [
    'default/tf/ps-0->n0',
    'default/tf/worker-0->n1',
    'default/tf/worker-1->n1',
  ]);
});

t.test('backfill binds BestEffort tasks on nodes that pass the predicates', async (t) => {
  const r = cycle(snapshotOf({
    nodes: [makeNode('plain').cpu('1').memory('1Gi').build(), makeNode('edge').cpu('1').memory('1Gi').label('zone', 'edge').build()],
    jobs: [makeJob('be').phase('Inqueue').tasks(2, {}, { nodeSelector: { zone: 'edge' } })],
  }));
  t.same(bindsOf(r), ['default/be/worker-0->edge', 'default/be/worker-1->edge']);
});

t.test('enqueue: overcommit admits up to 1.2 × idle and keeps the rest Pending with the reason', async (t) => {
  // 10 cpu in the cluster → 12 cpu admissible.
  const r = cycle(snapshotOf({
    nodes: [makeNode('n0').cpu('10').memory('100Gi').build()],
    jobs: [
      makeJob('a').created(1).tasks(1, { cpu: '6' }),
      makeJob('b').created(2).tasks(1, { cpu: '6' }),
      makeJob('c').created(3).tasks(1, { cpu: '1' }),
    ],
  }), { config: configYaml('enqueue', [['priority', 'gang'], ['overcommit']]) });
  t.equal(phaseOf(r, 'default/a'), 'Inqueue');
  t.equal(phaseOf(r, 'default/b'), 'Inqueue');
  t.equal(phaseOf(r, 'default/c'), 'Pending');
  t.match(diagnosisOf(r, 'default/c')?.message, /resource in cluster is overused/);
});

t.test('enqueue: overcommit-factor is read from the arguments', async (t) => {
  const config = `actions: "enqueue"\ntiers:\n- plugins:\n  - name: overcommit\n    arguments: { overcommit-factor: 2.0 }\n`;
  const r = cycle(snapshotOf({ nodes: [makeNode('n0').cpu('10').memory('100Gi').build()], jobs: [makeJob('a').tasks(1, { cpu: '19' })] }), { config });
  t.equal(phaseOf(r, 'default/a'), 'Inqueue');
});

t.test('enqueue then allocate in one cycle binds a Pending job (default configuration)', async (t) => {
  const r = cycle(snapshotOf({ nodes: nodes4Cpu8Gi(2), jobs: [makeJob('j').tasks(2, { cpu: '2' })] }));
  t.equal(bindsOf(r).length, 2);
  t.equal(phaseOf(r, 'default/j'), 'Inqueue', 'phase turns Running once the binds are observed');
});

t.test('without enqueue, allocate promotes Pending jobs itself', async (t) => {
  const r = cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), jobs: [makeJob('j').tasks(1, { cpu: '1' })] }), {
    config: configYaml('allocate', [['gang'], ['predicates']]),
  });
  t.same(bindsOf(r), ['default/j/worker-0->n0']);
  t.equal(phaseOf(r, 'default/j'), 'Inqueue');
});

t.test('PodGroup phase follows the scheduled tasks: Running, Completed, Unknown', async (t) => {
  const running = makeJob('r').phase('Inqueue').placed('Running', 'n0', { cpu: '1' }).placed('Bound', 'n0', { cpu: '1' });
  const done = makeJob('d').phase('Running').placed('Succeeded', 'n0', { cpu: '1' });
  const broken = makeJob('u').phase('Running').minMember(2).placed('Running', 'n0', { cpu: '1' }).tasks(1, { cpu: '64' });
  const r = cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), jobs: [running, done, broken] }));
  t.equal(phaseOf(r, 'default/r'), 'Running');
  t.equal(phaseOf(r, 'default/d'), 'Completed');
  t.equal(phaseOf(r, 'default/u'), 'Unknown');
  t.ok(r.podGroupStatus.find((p) => p.job === 'default/r')?.changed);
});
