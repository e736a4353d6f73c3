/**
 * The KubeClient's JSON calls on the simulated API server: objects come back as the server's plain
 * JSON (timestamps as strings), a namespaced create without a namespace lands in `default`, lists
 * honour selectors and carry apiVersion and kind on every item, status writes reach the status
 * subresource, bindings set the node, and failures carry the HTTP code and the server's Status.
 */
import t from 'tap';
import type { Pod } from '../../../shared/api/core.js';
import type { PodGroup } from '../../../shared/api/podgroup.js';
import { KubeClient } from '../../../member-agent/kube/kube-client.js';
import { describeKubeError, isAlreadyExists, isNotFound, statusCodeOf } from '../../../member-agent/kube/kube-errors.js';
import { POD, POD_GROUP } from '../../../member-agent/kube/kube-kinds.js';
import { startSimCluster } from '../../../member-agent/sim/sim-cluster.js';

function pod(name: string, labels: Record<string, string>, namespace?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, ...(namespace ? { namespace } : {}) },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', resources: { requests: { cpu: '100m' } } }] },
  };
}

t.test('create, get, list, bind, status writes and errors go through plain JSON', async (t) => {
  const sim = await startSimCluster({ name: 'kc', nodes: '2x{cpu: 4, memory: 8Gi}' });
  t.teardown(() => sim.stop());
  const client = new KubeClient(sim.kubeconfig.config);

  const created = await client.create<Pod>(POD, pod('a', { app: 'x' }));
  t.equal(created.metadata.namespace, 'default', 'a namespaced object without a namespace lands in default');
  t.type(created.metadata.creationTimestamp, 'string', 'timestamps stay strings');
  t.match(created.metadata.uid, /\S/);
  await client.create<Pod>(POD, pod('b', { app: 'y' }, 'default'));

  const got = await client.get<Pod>(POD, 'default', 'a');
  t.equal(got.metadata.uid, created.metadata.uid);
  t.same(got.spec.containers[0]?.resources?.requests, { cpu: '100m' });

  const listed = await client.list<Pod>(POD, { namespace: 'default', labelSelector: 'app=x' });
  t.same(listed.items.map((p) => p.metadata.name), ['a'], 'the label selector is applied');
  t.equal(listed.items[0]?.apiVersion, 'v1');
  t.equal(listed.items[0]?.kind, 'Pod');
  t.match(listed.resourceVersion, /^\d+$/);
  const all = await client.list<Pod>(POD, {});
  t.same(all.items.map((p) => p.metadata.name).sort(), ['a', 'b'], 'no namespace: every namespace');

  const node = 'kc-node-0';
  await client.bindPod('default', 'a', node, created.metadata.uid);
  t.equal((await client.get<Pod>(POD, 'default', 'a')).spec.nodeName, node, 'the binding set the node');

  const err = await client.bindPod('default', 'a', node).then(() => undefined, (e: unknown) => e);
  t.equal(statusCodeOf(err), 409, 'a second binding is a conflict');
  t.match(describeKubeError(err), /^409 Conflict: .*already assigned/, 'the server\'s Status is readable');
  t.ok(isAlreadyExists(await client.create<Pod>(POD, pod('a', {})).then(() => undefined, (e: unknown) => e)));
  t.ok(isNotFound(await client.get<Pod>(POD, 'default', 'nope').then(() => undefined, (e: unknown) => e)));

  const pg: PodGroup = {
    apiVersion: 'scheduling.volcano.sh/v1beta1',
    kind: 'PodGroup',
    metadata: { name: 'g', namespace: 'default' },
    spec: { minMember: 1, queue: 'default' },
  };
  const made = await client.create<PodGroup>(POD_GROUP, pg);
  const patched = await client.patchStatus<PodGroup>(POD_GROUP, 'default', 'g', { status: { phase: 'Inqueue' } });
  t.equal(patched.status?.phase, 'Inqueue', 'merge patch of the status');
  const replaced = await client.replaceStatus<PodGroup>(POD_GROUP, { ...patched, status: { phase: 'Running', running: 1 } });
  t.same([replaced.status?.phase, replaced.status?.running], ['Running', 1], 'replace of the status');
  t.same(replaced.spec, made.spec, 'a status write leaves the spec alone');
  const stale = await client.replaceStatus<PodGroup>(POD_GROUP, { ...made, status: { phase: 'Pending' } }).then(() => undefined, (e: unknown) => e);
  t.equal(statusCodeOf(stale), 409, 'a stale resourceVersion is a conflict');
});
