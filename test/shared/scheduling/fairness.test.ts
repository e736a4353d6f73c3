// Fair-share plugins: drf (flat and hierarchical), proportion, capacity, sla, priority flags.
import t from 'tap';
import { bindsOf, configYaml, cycle, makeJob, makeNode, makeQueue, nodes4Cpu8Gi, phaseOf, snapshotOf, T0 } from '../../support/scheduling-builders.js';

t.test('drf places the job with the smaller dominant share first', async (t) => {
  // 1 cpu free; "heavy" holds 2 cpu (share 0.5), "light" holds 1 (share 0.25); heavy is older.
  const heavy = makeJob('heavy').phase('Running').created(1).minMember(1).placed('Running', 'n0', { cpu: '1' }).placed('Running', 'n0', { cpu: '1' }).tasks(1, { cpu: '1' });
  const light = makeJob('light').phase('Running').created(2).minMember(1).placed('Running', 'n0', { cpu: '1' }).tasks(1, { cpu: '1' });
  const r = cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), jobs: [heavy, light] }));
  t.same(bindsOf(r), ['default/light/worker-1->n0']);
});

t.test('without drf the older job goes first (the order is drf\'s doing)', async (t) => {
  const heavy = makeJob('heavy').phase('Running').created(1).minMember(1).placed('Running', 'n0', { cpu: '1' }).placed('Running', 'n0', { cpu: '1' }).tasks(1, { cpu: '1' });
  const light = makeJob('light').phase('Running').created(2).minMember(1).placed('Running', 'n0', { cpu: '1' }).tasks(1, { cpu: '1' });
  const r = cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), jobs: [heavy, light] }), {
    config: configYaml('allocate', [['priority', 'gang'], ['predicates', 'proportion']]),
  });
  t.same(bindsOf(r), ['default/heavy/worker-2->n0']);
});

t.test('hierarchical drf orders queues by weighted share along the hierarchy', async (t) => {
  // a holds 1 cpu (share 0.25, weight 1), b holds 2 cpu (share 0.5, weight 3): b's 0.167 < a's 0.25.
  const config = `actions: "allocate"
tiers:
- plugins:
  - name: priority
  - name: gang
- plugins:
  - name: drf
    enableHierarchy: true
  - name: predicates
`;
  const queues = [
    makeQueue('a').annotation('volcano.sh/hierarchy', 'root/a').annotation('volcano.sh/hierarchy-weights', '1/1'),
    makeQueue('b').annotation('volcano.sh/hierarchy', 'root/b').annotation('volcano.sh/hierarchy-weights', '1/3'),
  ];
  const jobs = [
    makeJob('a-run').queue('a').phase('Running').placed('Running', 'n0', { cpu: '1' }),
    makeJob('b-run').queue('b').phase('Running').placed('Running', 'n0', { cpu: '1' }).placed('Running', 'n0', { cpu: '1' }),
    makeJob('a-new').queue('a').phase('Inqueue').created(1).tasks(1, { cpu: '1' }),
    makeJob('b-new').queue('b').phase('Inqueue').created(2).tasks(1, { cpu: '1' }),
  ];
  t.same(bindsOf(cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), queues, jobs }), { config })), ['default/b-new/worker-0->n0']);
  const even = [
    makeQueue('a').annotation('volcano.sh/hierarchy', 'root/a').annotation('volcano.sh/hierarchy-weights', '1/1'),
    makeQueue('b').annotation('volcano.sh/hierarchy', 'root/b').annotation('volcano.sh/hierarchy-weights', '1/1'),
  ];
  t.same(bindsOf(cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), queues: even, jobs }), { config })), ['default/a-new/worker-0->n0'], 'equal weights: the smaller share wins');
});

t.test('proportion: weights 1:3 over 40 cpus give deserved 10 and 30, and allocation stops there', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(10),
    queues: [makeQueue('one').weight(1), makeQueue('three').weight(3)],
    jobs: [
      makeJob('a').queue('one').phase('Inqueue').minMember(1).tasks(40, { cpu: '1', memory: '1Mi' }),
      makeJob('b').queue('three').phase('Inqueue').minMember(1).tasks(40, { cpu: '1', memory: '1Mi' }),
    ],
  }));
  const q = Object.fromEntries(r.queueStatus.map((s) => [s.queue, s]));
  t.equal(q.one?.deserved?.cpu, 10000);
  t.equal(q.three?.deserved?.cpu, 30000);
  t.equal(q.one?.allocated.cpu, 10000);
  t.equal(q.three?.allocated.cpu, 30000);
  t.equal(q.one?.share, 1);
});

t.test('proportion: capability caps deserved and the surplus goes to the other queue; guarantee raises it', async (t) => {
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(10),
    queues: [makeQueue('capped').weight(3).capability({ cpu: '8' }), makeQueue('free').weight(1), makeQueue('idle').guarantee({ cpu: '2' })],
    jobs: [
      makeJob('a').queue('capped').phase('Inqueue').minMember(1).tasks(40, { cpu: '1' }),
      makeJob('b').queue('free').phase('Inqueue').minMember(1).tasks(40, { cpu: '1' }),
      makeJob('c').queue('idle').phase('Inqueue').minMember(1).tasks(1, { cpu: '1' }),
    ],
  }));
  const q = Object.fromEntries(r.queueStatus.map((s) => [s.queue, s.deserved?.cpu]));
  t.same(q, { capped: 8000, free: 30000, idle: 2000 });
});

t.test('proportion: a closed queue admits nothing and the reason says so', async (t) => {
  const r = cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), queues: [makeQueue('shut').state('Closed')], jobs: [makeJob('j').queue('shut').tasks(1, { cpu: '1' })] }));
  t.equal(phaseOf(r, 'default/j'), 'Pending');
  t.match(r.diagnostics[0]?.message, /queue "shut" is Closed/);
});

t.test('capacity: a queue borrows idle resources up to its capability, not beyond', async (t) => {
  const config = configYaml('enqueue, allocate', [['priority', 'gang'], ['predicates', 'capacity']]);
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(4),
    queues: [makeQueue('elastic').deserved({ cpu: '4' }).capability({ cpu: '10' }), makeQueue('other').deserved({ cpu: '12' })],
    jobs: [makeJob('j').queue('elastic').phase('Inqueue').minMember(1).tasks(16, { cpu: '1' })],
  }), { config });
  t.equal(bindsOf(r).length, 10);
  const q = r.queueStatus.find((s) => s.queue === 'elastic');
  t.equal(q?.deserved?.cpu, 4000);
  t.equal(q?.share, 2.5);
});

t.test('capacity with hierarchy: a child is limited by its parent and jobs run only in leaf queues', async (t) => {
  const config = `actions: "enqueue, allocate"
tiers:
- plugins:
  - name: priority
  - name: gang
- plugins:
  - name: predicates
  - name: capacity
    enableHierarchy: true
`;
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(4),
    queues: [makeQueue('root'), makeQueue('eng').parent('root').capability({ cpu: '6' }), makeQueue('team').parent('eng')],
    jobs: [
      makeJob('leaf').queue('team').phase('Inqueue').minMember(1).tasks(10, { cpu: '1' }),
      makeJob('inner').queue('eng').minMember(1).tasks(1, { cpu: '1' }),
    ],
  }), { config });
  t.equal(bindsOf(r).filter((b) => b.startsWith('default/leaf/')).length, 6, 'team inherits eng\'s 6 cpu capability');
  t.equal(phaseOf(r, 'default/inner'), 'Pending');
  t.match(r.diagnostics.find((d) => d.job === 'default/inner')?.message, /not a leaf queue/);
  t.equal(r.queueStatus.find((q) => q.queue === 'root')?.allocated.cpu, 6000, 'allocation rolls up to ancestors');
});

t.test('sla: after its waiting time a job is admitted even though overcommit rejects it (sla in an earlier tier)', async (t) => {
  const snapshot = (created: number) => snapshotOf({
    nodes: [makeNode('n0').cpu('1').memory('1Gi').build()],
    jobs: [makeJob('late').created(created).annotation('volcano.sh/sla-waiting-time', '10m').tasks(1, { cpu: '4' })],
  });
  const earlier = configYaml('enqueue', [['sla'], ['overcommit']]);
  t.equal(phaseOf(cycle(snapshot(T0 - 20 * 60_000), { config: earlier }), 'default/late'), 'Inqueue');
  t.equal(phaseOf(cycle(snapshot(T0 - 5 * 60_000), { config: earlier }), 'default/late'), 'Pending', 'not waited long enough');
  const sameTier = configYaml('enqueue', [['sla', 'overcommit']]);
  t.equal(phaseOf(cycle(snapshot(T0 - 20 * 60_000), { config: sameTier }), 'default/late'), 'Pending', 'a Reject in the same tier wins');
});

t.test('sla: the waiting time can come from the plugin argument, and such jobs sort first', async (t) => {
  const config = `actions: "allocate"
tiers:
- plugins:
  - name: sla
    arguments: { sla-waiting-time: 1h }
  - name: gang
- plugins:
  - name: predicates
`;
  const r = cycle(snapshotOf({
    nodes: nodes4Cpu8Gi(1),
    jobs: [
      makeJob('plain').phase('Inqueue').created(1).annotation('volcano.sh/sla-waiting-time', '5h').tasks(1, { cpu: '4' }),
      makeJob('default-wait').phase('Inqueue').created(2).tasks(1, { cpu: '4' }),
    ],
  }), { config });
  t.same(bindsOf(r), ['default/default-wait/worker-0->n0'], 'created+1h comes before created+5h');
});

t.test('a plugin option flag turns one extension point off: priority without job order', async (t) => {
  const jobs = [
    makeJob('old').phase('Inqueue').created(1).priority(1).tasks(1, { cpu: '4' }),
    makeJob('vip').phase('Inqueue').created(2).priority(9).tasks(1, { cpu: '4' }),
  ];
  const on = configYaml('allocate', [['priority', 'gang'], ['predicates']]);
  const off = `actions: "allocate"\ntiers:\n- plugins:\n  - name: priority\n    enableJobOrder: false\n  - name: gang\n- plugins:\n  - name: predicates\n`;
  t.same(bindsOf(cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), jobs }), { config: on })), ['default/vip/worker-0->n0']);
  t.same(bindsOf(cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), jobs }), { config: off })), ['default/old/worker-0->n0']);
});
