/**
 * The local gang scheduler against the simulated cluster: gangs bind all-or-nothing, plain pods get
 * a PodGroup, PodGroup and Queue status are written, pods of other schedulers are left alone, and a
 * Volcano configuration replaces the default actions.
 */
import t from 'tap';
import type { Job } from '../../../shared/api/job.js';
import type { Pod } from '../../../shared/api/core.js';
import { parseSchedulerConfig, defaultRegistry } from '../../../shared/scheduling/index.js';
import { POD, QUEUE } from '../../../member-agent/kube/kube-kinds.js';
import { parseNodeShapes } from '../../../member-agent/sim/node-shapes.js';
import { createJob, eventually, podsOf, useSimAgent, waitPhase } from '../support/agent-harness.js';

function gang(name: string, replicas: number, cpu: string, duration = '30s'): Job {
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      schedulerName: 'caldera',
      queue: 'default',
      minAvailable: replicas,
      tasks: [
        {
          name: 'w',
          replicas,
          minAvailable: replicas,
          template: {
            metadata: { annotations: { 'sim.caldera.dev/duration': duration } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu, memory: '1Gi' } } }] },
          },
        },
      ],
    },
  };
}

t.test('a gang of 4 on room for 3 binds nothing; when room appears all 4 bind in one cycle', async (t) => {
  const bindsPerCycle: number[] = [];
  const { sim, agent } = await useSimAgent(t, {
    nodes: '3x{cpu: 1500m, memory: 8Gi}',
    agent: { onSchedulerCycle: (_r, bound) => bindsPerCycle.push(bound) },
  });
  await createJob(agent, gang('g4', 4, '1'));
  await eventually(() => podsOf(agent, 'default', 'g4').length === 4, 'the 4 pods to be created (the PodGroup was admitted)');
  const cyclesBefore = bindsPerCycle.length;
  await eventually(() => bindsPerCycle.length >= cyclesBefore + 3, 'three more cycles');
  t.same(podsOf(agent, 'default', 'g4').filter((p) => p.spec.nodeName), [], 'nothing is bound while only 3 fit');
  t.equal(bindsPerCycle.reduce((a, b) => a + b, 0), 0);
  const pg = agent.caches.podGroups.list().find((g) => g.metadata.name?.startsWith('g4-'))!;
  const unsched = pg.status?.conditions?.find((c) => c.type === 'Unschedulable');
  t.equal(unsched?.status, 'True');
  t.match(unsched?.message, /\/4 tasks in gang unschedulable/);

  sim.kubelet.addNodes(parseNodeShapes('1x{cpu: 2, memory: 8Gi, prefix: extra-}'));
  await eventually(() => podsOf(agent, 'default', 'g4').every((p) => p.spec.nodeName), 'all 4 pods to be bound');
  await eventually(() => bindsPerCycle.some((b) => b > 0), 'the binding cycle to finish');
  t.ok(bindsPerCycle.includes(4), `one cycle bound the whole gang (binds per cycle: ${bindsPerCycle.filter((b) => b > 0).join(',')})`);
  t.same(bindsPerCycle.filter((b) => b > 0), [4]);
  await waitPhase(agent, 'default', 'g4', 'Running');
  await eventually(() => agent.caches.podGroups.list().find((g) => g.metadata.name?.startsWith('g4-'))?.status?.phase === 'Running', 'PodGroup Running');
  await eventually(() => agent.caches.queues.get(undefined, 'default')?.status?.allocated?.cpu === '4', 'queue default to show 4 cpu allocated');
  t.pass('PodGroup Running and queue status.allocated written');
});

t.test('plain pods with our scheduler name get a PodGroup and are bound; other schedulers\u2019 pods are left alone', async (t) => {
  const { agent } = await useSimAgent(t);
  const pod = (name: string, schedulerName: string): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', annotations: { 'sim.caldera.dev/duration': '30s' } },
    spec: { schedulerName, containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m' } } }] },
  });
  await agent.client.create(POD, pod('mine', 'caldera'));
  await agent.client.create(POD, pod('theirs', 'default-scheduler'));
  const mine = await eventually(() => {
    const p = agent.caches.pods.get('default', 'mine');
    return p?.spec.nodeName ? p : undefined;
  }, 'the caldera pod to be bound');
  const group = mine.metadata.annotations?.['scheduling.k8s.io/group-name'];
  t.equal(group, `podgroup-${mine.metadata.uid}`);
  const pg = agent.caches.podGroups.get('default', group!);
  t.equal(pg?.spec.minMember, 1);
  t.same(pg?.spec.minResources, { cpu: '100m' });
  await new Promise((r) => setTimeout(r, 500));
  const theirs = agent.caches.pods.get('default', 'theirs');
  t.notOk(theirs?.spec.nodeName, 'kube-scheduler\u2019s pod is not bound by the agent');
  t.notOk(theirs?.metadata.annotations?.['scheduling.k8s.io/group-name']);
});

t.test('a Volcano scheduler configuration replaces the default actions', async (t) => {
  const config = parseSchedulerConfig('actions: "enqueue"\ntiers:\n- plugins:\n  - name: gang\n  - name: proportion\n', { registry: defaultRegistry });
  const { agent } = await useSimAgent(t, { agent: { schedulerConfig: config } });
  await createJob(agent, gang('only-enqueue', 2, '1'));
  await eventually(() => podsOf(agent, 'default', 'only-enqueue').length === 2, 'pods to be created after enqueue');
  await new Promise((r) => setTimeout(r, 600));
  t.same(podsOf(agent, 'default', 'only-enqueue').filter((p) => p.spec.nodeName), [], 'without allocate nothing is bound');
});

t.test('reclaim evicts through the eviction API: a starving queue takes back its share', async (t) => {
  const config = parseSchedulerConfig(
    'actions: "enqueue, allocate, reclaim, backfill"\ntiers:\n- plugins:\n  - name: priority\n  - name: gang\n  - name: conformance\n- plugins:\n  - name: overcommit\n  - name: drf\n  - name: predicates\n  - name: proportion\n  - name: nodeorder\n',
    { registry: defaultRegistry },
  );
  const { agent } = await useSimAgent(t, { nodes: '4x{cpu: 2, memory: 8Gi}', agent: { schedulerConfig: config } });
  for (const q of ['qa', 'qb']) {
    await agent.client.create(QUEUE, { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: q }, spec: { weight: 1, reclaimable: true } });
  }
  const greedy = gang('greedy', 8, '1', 'forever');
  greedy.spec.queue = 'qa';
  greedy.spec.minAvailable = 4;
  greedy.spec.tasks![0]!.minAvailable = 4;
  await createJob(agent, greedy);
  await eventually(() => podsOf(agent, 'default', 'greedy').filter((p) => p.spec.nodeName).length === 8, 'qa to fill the cluster');
  const evicted: string[] = [];
  agent.caches.pods.on((ev) => {
    if (ev.type === 'deleted' && ev.obj.metadata.labels?.['volcano.sh/job-name'] === 'greedy') evicted.push(ev.obj.metadata.name ?? '');
  });
  // 1 cpu fits the overcommit admission (8 × 1.2 − 8 used); qb deserves it, qa holds 8 > its 7.
  const late = gang('late', 1, '1', 'forever');
  late.spec.queue = 'qb';
  await createJob(agent, late);
  await eventually(() => podsOf(agent, 'default', 'late').filter((p) => p.spec.nodeName).length === 1, 'qb\u2019s pod to be bound after reclaim', 20_000);
  t.ok(evicted.length >= 1, `qa gave back a pod (evicted: ${evicted.join(', ')})`);
  await eventually(() => agent.caches.queues.get(undefined, 'qb')?.status?.allocated?.cpu === '1', 'qb allocated 1 cpu');
  t.ok(podsOf(agent, 'default', 'greedy').filter((p) => p.spec.nodeName && !p.metadata.deletionTimestamp).length >= 4, 'qa\u2019s gang kept at least its minAvailable');
});
