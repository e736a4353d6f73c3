// predicates, nodeorder and binpack: which node a task lands on, and why nodes are refused.
import t from 'tap';
import { GPU, bindsOf, configYaml, cycle, diagnosisOf, makeJob, makeNode, snapshotOf, type TaskOptions } from '../../support/scheduling-builders.js';

const one = (opts: TaskOptions = {}, request: Record<string, string | number> = { cpu: '1' }) => makeJob('j').phase('Inqueue').tasks(1, request, opts);

const nodes = () => [
  makeNode('plain').cpu('4').memory('8Gi').build(),
  makeNode('ssd').cpu('4').memory('8Gi').label('disk', 'ssd').label('zone', 'a').build(),
  makeNode('tainted').cpu('4').memory('8Gi').label('disk', 'ssd').taint('dedicated', 'ml').build(),
  makeNode('cordoned').cpu('4').memory('8Gi').label('disk', 'ssd').unschedulable().build(),
];

const cases: { name: string; task: TaskOptions; want: string[] }[] = [
  { name: 'nodeSelector keeps the task off nodes without the label', task: { nodeSelector: { zone: 'a' } }, want: ['default/j/worker-0->ssd'] },
  {
    name: 'required node affinity In',
    task: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } } } },
    want: ['default/j/worker-0->ssd'],
  },
  {
    name: 'required node affinity DoesNotExist',
    task: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }] } } } },
    want: ['default/j/worker-0->plain'],
  },
  {
    name: 'a toleration opens the tainted node',
    task: { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['tainted', 'cordoned'] }] }] } } } },
    want: ['default/j/worker-0->tainted'],
  },
  {
    name: 'an unschedulable node is never used',
    task: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['cordoned'] }] }] } } } },
    want: [],
  },
];

for (const c of cases) {
  t.test(`predicates: ${c.name}`, async (t) => {
    t.same(bindsOf(cycle(snapshotOf({ nodes: nodes(), jobs: [one(c.task)] }))), c.want);
  });
}

t.test('predicates: the pending reason counts each refusal per node', async (t) => {
  const r = cycle(snapshotOf({ nodes: nodes(), jobs: [one({ nodeSelector: { disk: 'ssd' } }, { cpu: '8' })] }));
  t.equal(
    diagnosisOf(r, 'default/j')?.message,
    "1/1 tasks in gang unschedulable: 0/4 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: ml}, 1 node(s) were unschedulable",
  );
  t.same(diagnosisOf(r, 'default/j')?.domains[0]?.reasons.map((x) => x.nodes), [1, 1, 1, 1]);
});

t.test('predicates: the pod count limit is a node capacity', async (t) => {
  const r = cycle(snapshotOf({
    nodes: [makeNode('small').cpu('8').memory('8Gi').maxPods(2).build()],
    jobs: [makeJob('j').phase('Inqueue').tasks(3, { cpu: '1' })],
  }));
  t.same(bindsOf(r), []);
  t.equal(diagnosisOf(r, 'default/j')?.message, '3/3 tasks in gang unschedulable: 0/1 nodes are available: 1 Too many pods');
  const fits = cycle(snapshotOf({ nodes: [makeNode('small').cpu('8').memory('8Gi').maxPods(3).build()], jobs: [makeJob('j').phase('Inqueue').tasks(3, { cpu: '1' })] }));
  t.equal(bindsOf(fits).length, 3);
});

t.test('predicates: allocatable pods sets the limit when maxPods is not given', async (t) => {
  const r = cycle(snapshotOf({ nodes: [makeNode('n').cpu('8').memory('8Gi').resource('pods', 1).build()], jobs: [makeJob('j').phase('Inqueue').tasks(2, { cpu: '1' })] }));
  t.same(bindsOf(r), []);
});

t.test('nodeorder: preferred node affinity wins over emptier nodes', async (t) => {
  const task: TaskOptions = { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }] } } };
  const r = cycle(snapshotOf({
    nodes: [makeNode('empty').cpu('4').memory('8Gi').build(), makeNode('zoned').cpu('4').memory('8Gi').label('zone', 'a').otherUsed({ cpu: '2', memory: '4Gi' }).build()],
    jobs: [one(task)],
  }));
  t.same(bindsOf(r), ['default/j/worker-0->zoned']);
});

t.test('nodeorder: mostrequested.weight packs instead of spreading', async (t) => {
  const snapshot = snapshotOf({
    nodes: [makeNode('empty').cpu('4').memory('8Gi').build(), makeNode('busy').cpu('4').memory('8Gi').otherUsed({ cpu: '2', memory: '4Gi' }).build()],
    jobs: [one({}, { cpu: '1', memory: '1Gi' })],
  });
  t.same(bindsOf(cycle(snapshot)), ['default/j/worker-0->empty']);
  const packing = `actions: "allocate"\ntiers:\n- plugins:\n  - name: gang\n  - name: predicates\n  - name: nodeorder\n    arguments: { leastrequested.weight: 0, mostrequested.weight: 1, balancedresource.weight: 0 }\n`;
  t.same(bindsOf(cycle(snapshot, { config: packing })), ['default/j/worker-0->busy']);
});

t.test('nodeorder: a node with an untolerated PreferNoSchedule taint scores lower', async (t) => {
  const r = cycle(snapshotOf({
    nodes: [makeNode('a-soft').cpu('4').memory('8Gi').taint('spot', 'true', 'PreferNoSchedule').build(), makeNode('b-plain').cpu('4').memory('8Gi').build()],
    jobs: [one()],
  }));
  t.same(bindsOf(r), ['default/j/worker-0->b-plain']);
});

t.test('binpack: tasks go to the fullest node that still fits', async (t) => {
  const config = configYaml('allocate', [['gang'], ['predicates', 'binpack']]);
  const r = cycle(snapshotOf({
    nodes: [
      makeNode('a-empty').cpu('8').memory('16Gi').build(),
      makeNode('b-half').cpu('8').memory('16Gi').otherUsed({ cpu: '4', memory: '8Gi' }).build(),
      makeNode('c-full').cpu('8').memory('16Gi').otherUsed({ cpu: '7', memory: '15Gi' }).build(),
    ],
    jobs: [makeJob('j').phase('Inqueue').tasks(2, { cpu: '2', memory: '4Gi' })],
  }), { config });
  t.same(bindsOf(r), ['default/j/worker-0->b-half', 'default/j/worker-1->b-half']);
});

t.test('binpack: extended resources take part with their own weight', async (t) => {
  // By cpu alone "cpu-busy" is fuller; weighting gpus 10× makes the gpu-busy node the fuller one.
  const nodesWithGpus = [
    makeNode('cpu-busy').cpu('8').memory('64Gi').gpu(8).otherUsed({ cpu: '6' }).build(),
    makeNode('gpu-busy').cpu('8').memory('64Gi').gpu(8).otherUsed({ [GPU]: 6 }).build(),
  ];
  const job = makeJob('j').phase('Inqueue').tasks(1, { cpu: '1', [GPU]: 1 });
  const cpuOnly = configYaml('allocate', [['gang'], ['predicates', 'binpack']]);
  const withGpu = `actions: "allocate"\ntiers:\n- plugins:\n  - name: gang\n  - name: predicates\n  - name: binpack\n    arguments:\n      binpack.resources: nvidia.com/gpu\n      binpack.resources.nvidia.com/gpu: 10\n`;
  t.same(bindsOf(cycle(snapshotOf({ nodes: nodesWithGpus, jobs: [job] }), { config: cpuOnly })), ['default/j/worker-0->cpu-busy']);
  t.same(bindsOf(cycle(snapshotOf({ nodes: nodesWithGpus, jobs: [job] }), { config: withGpu })), ['default/j/worker-0->gpu-busy']);
});
