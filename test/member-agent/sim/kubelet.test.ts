// The kubelet simulator on a manual clock: node shapes, admission, the pod lifecycle from binding to
// Succeeded / Failed / CrashLoopBackOff, graceful deletion, and injected node failures.
import t from 'tap';
import { GarbageCollector } from '../../../member-agent/sim/garbage-collector.js';
import { Kubelet, type KubeletOptions } from '../../../member-agent/sim/kubelet.js';
import { NodeShapeError, parseNodeShapes } from '../../../member-agent/sim/node-shapes.js';
import { ObjectStore } from '../../../member-agent/sim/object-store.js';
import { exitCodeFor, parseSimDuration } from '../../../member-agent/sim/pod-script.js';
import { SimClock } from '../../../member-agent/sim/sim-clock.js';
import type { SimObject } from '../../../member-agent/sim/sim-object.js';

interface PodView {
  phase?: string;
  reason?: string;
  podIP?: string;
  hostIP?: string;
  conditions?: { type: string; status: string }[];
  containerStatuses?: {
    name: string; ready: boolean; restartCount: number;
    state: { running?: object; waiting?: { reason: string }; terminated?: { exitCode: number; reason: string } };
    lastState?: { terminated?: { exitCode: number } };
  }[];
}

function cluster(shapes: string, kubelet: KubeletOptions = {}, clockMode: 'manual' | 'realtime' = 'manual', speed = 1) {
  const clock = new SimClock({ mode: clockMode, speed, start: Date.parse('2026-03-01T10:00:00Z') });
  const store = new ObjectStore({ clock });
  new GarbageCollector(store);
  const k = new Kubelet({ store, clock, clusterName: 'c1', ...kubelet });
  k.addNodes(parseNodeShapes(shapes));
  const pods = store.resource('v1', 'Pod');
  const nodes = store.resource('v1', 'Node');
  const ref = (name: string) => ({ namespace: 'default', name });
  return {
    clock, store, kubelet: k, pods, nodes,
    run(name: string, opts: { node?: string; annotations?: Record<string, string>; requests?: Record<string, string | number>;
      restartPolicy?: string; nodeSelector?: Record<string, string>; tolerations?: object[] } = {}) {
      store.create(pods, {
        metadata: { name, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
        spec: {
          containers: [{ name: 'main', image: 'busybox', ...(opts.requests ? { resources: { requests: opts.requests } } : {}) }],
          restartPolicy: opts.restartPolicy ?? 'Never',
          ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
          ...(opts.tolerations ? { tolerations: opts.tolerations } : {}),
        },
      }, { namespace: 'default' });
      if (opts.node) store.bind(ref(name), { target: { kind: 'Node', name: opts.node } });
    },
    pod(name: string): SimObject | undefined {
      return store.get(pods, ref(name));
    },
    status(name: string): PodView {
      return (store.get(pods, ref(name))?.status ?? {}) as PodView;
    },
    node(name: string): SimObject {
      return store.get(nodes, { namespace: '', name }) as SimObject;
    },
  };
}

t.test('node shapes give counts, quantities, labels and taints; malformed shapes are refused', async (t) => {
  const groups = parseNodeShapes("2x{cpu: 32, memory: 128Gi, nvidia.com/gpu: 8, labels: {zone: a}, taints: ['gpu=yes:NoSchedule']}; {cpu: 4, prefix: small-}");
  t.equal(groups.length, 2);
  t.equal(groups[0]?.count, 2);
  t.same(groups[0]?.capacity, { pods: 110, 'ephemeral-storage': '100Gi', cpu: 32, memory: '128Gi', 'nvidia.com/gpu': 8 });
  t.same(groups[0]?.labels, { zone: 'a' });
  t.same(groups[0]?.taints, [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }]);
  t.equal(groups[1]?.count, 1, 'a group without a count is one node');
  t.throws(() => parseNodeShapes('2x{cpu: lots}'), NodeShapeError);
  t.throws(() => parseNodeShapes('2x{cpu: 4'), NodeShapeError);
  t.throws(() => parseNodeShapes("1x{cpu: 1, taints: ['nonsense']}"), NodeShapeError);

  const c = cluster("2x{cpu: 8, memory: 32Gi, nvidia.com/gpu: 2, labels: {zone: a}, taints: ['gpu=yes:NoSchedule']}");
  t.same(c.kubelet.nodeNames(), ['c1-node-0', 'c1-node-1']);
  const node = c.node('c1-node-1');
  const status = node.status as { capacity: Record<string, string>; allocatable: Record<string, string>; conditions: { type: string; status: string }[] };
  t.equal(status.allocatable['nvidia.com/gpu'], '2');
  t.equal(status.capacity.memory, '32Gi');
  t.ok(status.conditions.some((x) => x.type === 'Ready' && x.status === 'True'));
  t.equal(node.metadata.labels?.zone, 'a');
  t.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'c1-node-1');
  t.same((node.spec as { taints: unknown[] }).taints, [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }]);
});

t.test('pod annotations read as durations and exit codes', async (t) => {
  t.equal(parseSimDuration('1m30s'), 90_000);
  t.equal(parseSimDuration('250ms'), 250);
  t.equal(parseSimDuration('2'), 2000);
  t.equal(parseSimDuration('forever'), Infinity);
  t.equal(parseSimDuration('soon'), undefined);
  t.equal(exitCodeFor('1,1,0', 0), 1);
  t.equal(exitCodeFor('1,1,0', 7), 0, 'the last code repeats');
  t.equal(exitCodeFor('x', 0), undefined);
});

t.test('a bound pod runs after the start delay and succeeds after its duration', async (t) => {
  const c = cluster('1x{cpu: 4, memory: 8Gi}', { startDelayMs: 1000 });
  c.run('p', { node: 'c1-node-0', annotations: { 'sim.caldera.dev/duration': '30s' } });
  c.clock.advance(999);
  t.equal(c.status('p').phase, 'Pending', 'not before the start delay');
  c.clock.advance(1);
  const running = c.status('p');
  t.equal(running.phase, 'Running');
  t.match(running.podIP, /^10\.64\.0\.\d+$/);
  t.equal(running.hostIP, '172.20.0.0');
  t.ok(running.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
  t.same(running.containerStatuses?.map((s) => [s.name, s.ready, Object.keys(s.state)[0]]), [['main', true, 'running']]);
  c.clock.advance(29_999);
  t.equal(c.status('p').phase, 'Running');
  c.clock.advance(1);
  const done = c.status('p');
  t.equal(done.phase, 'Succeeded');
  t.same(done.containerStatuses?.[0]?.state.terminated, { ...done.containerStatuses?.[0]?.state.terminated, exitCode: 0, reason: 'Completed' });
  t.ok(done.conditions?.some((x) => x.type === 'Ready' && x.status === 'False'));
  t.equal(c.kubelet.activePods(), 0);
});

t.test('an unbound pod, or one bound to an unknown node, stays Pending', async (t) => {
  const c = cluster('1x{cpu: 4}');
  c.run('unbound');
  c.run('nowhere', { node: 'no-such-node' });
  c.clock.advance(60_000);
  t.equal(c.status('unbound').phase, 'Pending');
  t.equal(c.status('nowhere').phase, 'Pending');
});

t.test('exit codes decide the ending: Never fails, OnFailure restarts with back-off and counts restarts', async (t) => {
  const c = cluster('1x{cpu: 4}', { startDelayMs: 0, restartBackoffMs: 10_000 });
  c.run('never', { node: 'c1-node-0', annotations: { 'sim.caldera.dev/duration': '5s', 'sim.caldera.dev/exit-code': '3' } });
  c.run('flaky', { node: 'c1-node-0', restartPolicy: 'OnFailure', annotations: { 'sim.caldera.dev/duration': '5s', 'sim.caldera.dev/exit-code': '1,1,0' } });
  c.clock.advance(5000);
  t.equal(c.status('never').phase, 'Failed');
  t.equal(c.status('never').containerStatuses?.[0]?.state.terminated?.exitCode, 3);
  t.equal(c.status('never').containerStatuses?.[0]?.state.terminated?.reason, 'Error');
  const crashing = c.status('flaky');
  t.equal(crashing.phase, 'Running', 'a restarting pod keeps its phase');
  t.equal(crashing.containerStatuses?.[0]?.state.waiting?.reason, 'CrashLoopBackOff');
  t.equal(crashing.containerStatuses?.[0]?.restartCount, 1);
  t.equal(crashing.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
  c.clock.advance(10_000);
  t.ok(c.status('flaky').containerStatuses?.[0]?.state.running, 'restarted after the first back-off');
  c.clock.advance(5000);
  t.equal(c.status('flaky').containerStatuses?.[0]?.restartCount, 2);
  c.clock.advance(19_999);
  t.ok(c.status('flaky').containerStatuses?.[0]?.state.waiting, 'the second back-off is twice as long');
  c.clock.advance(1 + 5000);
  t.equal(c.status('flaky').phase, 'Succeeded', 'the third run exits 0');
  t.equal(c.status('flaky').containerStatuses?.[0]?.restartCount, 2);
});

t.test('admission refuses what does not fit: extended resources, pod count, nodeSelector, NoExecute taints', async (t) => {
  const c = cluster("1x{cpu: 4, nvidia.com/gpu: 1, pods: 3, labels: {zone: a}}; 1x{cpu: 4, prefix: tainted-, taints: ['maint=yes:NoExecute']}",
    { startDelayMs: 0, defaultDurationMs: 10_000 });
  c.run('gpu1', { node: 'c1-node-0', requests: { 'nvidia.com/gpu': 1 } });
  c.run('gpu2', { node: 'c1-node-0', requests: { 'nvidia.com/gpu': 1 } });
  t.equal(c.status('gpu2').phase, 'Failed');
  t.equal(c.status('gpu2').reason, 'OutOfnvidia.com/gpu');
  c.run('big', { node: 'c1-node-0', requests: { cpu: '5' } });
  t.equal(c.status('big').reason, 'OutOfcpu');
  c.run('elsewhere', { node: 'c1-node-0', nodeSelector: { zone: 'b' } });
  t.equal(c.status('elsewhere').reason, 'NodeAffinity');
  c.run('small1', { node: 'c1-node-0' });
  c.run('small2', { node: 'c1-node-0' });
  c.run('small3', { node: 'c1-node-0' });
  t.equal(c.status('small3').reason, 'OutOfpods', 'the third running pod beyond pods: 3 is refused');
  c.run('t1', { node: 'tainted-1' });
  t.equal(c.status('t1').reason, 'Taint');
  c.run('t2', { node: 'tainted-1', tolerations: [{ key: 'maint', operator: 'Exists', effect: 'NoExecute' }] });
  c.clock.advance(0);
  t.equal(c.status('t2').phase, 'Running', 'a tolerating pod is admitted');
  t.same(c.kubelet.usage('c1-node-0')?.used, { 'nvidia.com/gpu': 1 });
  c.clock.advance(10_000);
  t.equal(c.status('gpu1').phase, 'Succeeded');
  t.equal(c.kubelet.usage('c1-node-0')?.pods, 0, 'finished pods leave the node');
  t.equal(c.kubelet.usage('c1-node-0')?.used['nvidia.com/gpu'], 0, 'and give their resources back');
  c.run('gpu3', { node: 'c1-node-0', requests: { 'nvidia.com/gpu': 1 } });
  c.clock.advance(0);
  t.equal(c.status('gpu3').phase, 'Running');
});

t.test('graceful deletion: the kubelet stops the pod, then removes it; a deleted node takes its pods along', async (t) => {
  const c = cluster('2x{cpu: 4}', { startDelayMs: 0, stopDelayMs: 2000, defaultDurationMs: Infinity });
  c.run('p', { node: 'c1-node-0' });
  c.store.delete(c.pods, { namespace: 'default', name: 'p' });
  t.ok(c.pod('p')?.metadata.deletionTimestamp, 'marked for deletion with a grace period');
  c.clock.advance(1999);
  t.ok(c.pod('p'), 'still there while stopping');
  c.clock.advance(1);
  t.equal(c.pod('p'), undefined, 'removed once stopped');
  c.run('q', { node: 'c1-node-1' });
  c.store.delete(c.nodes, { namespace: '', name: 'c1-node-1' });
  t.equal(c.pod('q'), undefined, 'pods of a deleted node are removed');
  t.same(c.kubelet.nodeNames(), ['c1-node-0']);
});

t.test('failNode: NotReady, unreachable taints, pods lost; recoverNode: Ready again and new pods run', async (t) => {
  const c = cluster('2x{cpu: 4}', { startDelayMs: 0, defaultDurationMs: Infinity });
  c.run('a', { node: 'c1-node-0' });
  c.run('b', { node: 'c1-node-1' });
  c.kubelet.failNode('c1-node-0');
  const node = c.node('c1-node-0');
  const ready = (node.status as { conditions: { type: string; status: string }[] }).conditions.find((x) => x.type === 'Ready');
  t.equal(ready?.status, 'Unknown');
  t.same((node.spec as { taints: { key: string; effect: string }[] }).taints.map((x) => `${x.key}:${x.effect}`),
    ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  t.equal(c.pod('a'), undefined, 'its pods are lost');
  c.kubelet.failNode('c1-node-1', { pods: 'fail' });
  t.equal(c.status('b').phase, 'Failed');
  t.equal(c.status('b').reason, 'NodeLost');
  c.run('c', { node: 'c1-node-0' });
  t.equal(c.status('c').phase, 'Pending', 'a NotReady node starts nothing');
  c.kubelet.recoverNode('c1-node-0');
  const back = c.node('c1-node-0');
  t.ok((back.status as { conditions: { type: string; status: string }[] }).conditions.some((x) => x.type === 'Ready' && x.status === 'True'));
  t.equal((back.spec as { taints?: unknown[] }).taints?.length ?? 0, 0);
  c.clock.advance(0);
  t.equal(c.status('c').phase, 'Running', 'the pod waiting on the node starts when it recovers');
  t.throws(() => c.kubelet.failNode('ghost'), /no node "ghost"/);
});

t.test('evictPod fails the pod with reason Evicted and frees its resources', async (t) => {
  const c = cluster('1x{cpu: 2}', { startDelayMs: 0, defaultDurationMs: Infinity });
  c.run('p', { node: 'c1-node-0', requests: { cpu: 2 } });
  c.clock.advance(0);
  t.equal(c.status('p').phase, 'Running');
  t.equal(c.kubelet.usage('c1-node-0')?.used.cpu, 2000);
  c.kubelet.evictPod({ namespace: 'default', name: 'p' }, { message: 'The node was low on resource: memory.' });
  t.equal(c.status('p').phase, 'Failed');
  t.equal(c.status('p').reason, 'Evicted');
  t.equal(c.status('p').containerStatuses?.[0]?.state.terminated?.exitCode, 137);
  t.equal(c.kubelet.usage('c1-node-0')?.used.cpu, 0);
});

t.test('pods without annotations use the configured defaults, and a realtime clock runs them at its speed', async (t) => {
  const c = cluster('1x{cpu: 4}', { startDelayMs: 1000, defaultDurationMs: 60_000, defaultExitCode: 2 }, 'realtime', 1000);
  t.teardown(() => c.clock.stop());
  c.run('p', { node: 'c1-node-0' });
  const began = Date.now();
  while (c.status('p').phase !== 'Failed' && Date.now() - began < 5000) await new Promise((r) => setTimeout(r, 10));
  t.equal(c.status('p').phase, 'Failed', 'a simulated minute passes in a fraction of a real second');
  t.equal(c.status('p').containerStatuses?.[0]?.state.terminated?.exitCode, 2);
  t.ok(Date.now() - began < 5000);
});
