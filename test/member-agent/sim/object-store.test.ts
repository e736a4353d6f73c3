// Kubernetes semantics of the simulated cluster's store, in process: versions, concurrency,
// deletion with finalizers and owners, namespaces, selectors, paging, patches, dry runs, watches.
import t from 'tap';
import { ManualClock } from '../../../shared/clock.js';
import { isStatusError, type Status } from '../../../shared/errors/status.js';
import { GarbageCollector } from '../../../member-agent/sim/garbage-collector.js';
import { ObjectStore } from '../../../member-agent/sim/object-store.js';
import type { SimObject } from '../../../member-agent/sim/sim-object.js';

const START = Date.parse('2026-03-01T10:00:00Z');

function world(opts: { historySize?: number; gc?: boolean } = {}) {
  const clock = new ManualClock(START);
  const store = new ObjectStore({ clock, ...(opts.historySize ? { historySize: opts.historySize } : {}) });
  if (opts.gc !== false) new GarbageCollector(store);
  return {
    clock,
    store,
    pods: store.resource('v1', 'Pod'),
    cms: store.resource('v1', 'ConfigMap'),
    nss: store.resource('v1', 'Namespace'),
    jobs: store.resource('batch.volcano.sh/v1alpha1', 'Job'),
    pgs: store.resource('scheduling.volcano.sh/v1beta1', 'PodGroup'),
    queues: store.resource('scheduling.volcano.sh/v1beta1', 'Queue'),
  };
}

function pod(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { name, ...((extra.metadata as object) ?? {}) }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...((extra.spec as object) ?? {}) } };
}

function statusOf(fn: () => unknown): Status {
  try {
    fn();
  } catch (err) {
    if (isStatusError(err)) return err.status;
    throw err;
  }
  throw new Error('expected a StatusError');
}

function ref(name: string, namespace = 'default') {
  return { namespace, name };
}

interface Frame { type: string; object: SimObject & { code?: number; message?: string } }

function collector() {
  const frames: Frame[] = [];
  let ended = false;
  return {
    frames,
    ended: () => ended,
    sink: {
      write(f: Buffer | string) {
        for (const line of String(f).split('\n')) if (line) frames.push(JSON.parse(line) as Frame);
      },
      end() {
        ended = true;
      },
    },
  };
}

t.test('create assigns uid, creationTimestamp, generation 1 and a resourceVersion that grows with every write', async (t) => {
  const { store, cms } = world();
  const a = store.create(cms, { metadata: { name: 'a' }, data: { k: 'v' } }, { namespace: 'default' });
  const b = store.create(cms, { metadata: { name: 'b' } }, { namespace: 'default' });
  t.match(a.metadata.uid, /^[0-9a-f-]{36}$/);
  t.not(a.metadata.uid, b.metadata.uid);
  t.equal(a.metadata.creationTimestamp, '2026-03-01T10:00:00Z');
  t.equal(a.metadata.generation, 1);
  t.equal(a.apiVersion, 'v1');
  t.equal(a.kind, 'ConfigMap');
  t.ok(Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
  const a2 = store.update(cms, ref('a'), { ...a, data: { k: 'w' } });
  t.ok(Number(a2.metadata.resourceVersion) > Number(b.metadata.resourceVersion));
  t.equal(store.resourceVersion, Number(a2.metadata.resourceVersion), 'the store version is the last write');
  const same = store.update(cms, ref('a'), { ...a2 });
  t.equal(same.metadata.resourceVersion, a2.metadata.resourceVersion, 'a no-op update writes nothing');
});

t.test('an update with a stale resourceVersion is refused with 409 Conflict; one without a version is unconditional', async (t) => {
  const { store, cms } = world();
  const v1 = store.create(cms, { metadata: { name: 'c' }, data: { n: '1' } }, { namespace: 'default' });
  store.update(cms, ref('c'), { ...v1, data: { n: '2' } });
  const stale = statusOf(() => store.update(cms, ref('c'), { ...v1, data: { n: '3' } }));
  t.equal(stale.code, 409);
  t.equal(stale.reason, 'Conflict');
  t.match(stale.message, /configmaps "c".*the object has been modified/);
  const { resourceVersion: _rv, ...meta } = v1.metadata;
  const forced = store.update(cms, ref('c'), { ...v1, metadata: meta, data: { n: '4' } });
  t.same(forced.data, { n: '4' });
  t.equal(statusOf(() => store.update(cms, ref('missing'), { metadata: { name: 'missing' } })).code, 404);
});

t.test('spec changes bump generation; the main resource ignores status and the status subresource ignores the rest', async (t) => {
  const { store, jobs } = world();
  const job = store.create(jobs, { metadata: { name: 'j' }, spec: { queue: 'q', minAvailable: 1 }, status: { state: { phase: 'Running' } } }, { namespace: 'default' });
  t.equal(job.status, undefined, 'status sent with create is dropped for a kind with a status subresource');
  const withStatus = store.update(jobs, ref('j'), { ...job, status: { state: { phase: 'Pending' } } }, { subresource: 'status' });
  t.same(withStatus.status, { state: { phase: 'Pending' } });
  t.equal(withStatus.metadata.generation, 1, 'a status write keeps the generation');
  const spec2 = store.update(jobs, ref('j'), { ...withStatus, spec: { queue: 'q', minAvailable: 2 }, status: { state: { phase: 'Failed' } } });
  t.equal(spec2.metadata.generation, 2);
  t.same(spec2.status, { state: { phase: 'Pending' } }, 'status in a main-resource update is ignored');
  const labelled = store.update(jobs, ref('j'), { ...spec2, metadata: { ...spec2.metadata, labels: { a: 'b' } } });
  t.equal(labelled.metadata.generation, 2, 'a metadata change keeps the generation');
  const statusOnly = store.update(jobs, ref('j'), { ...labelled, spec: { queue: 'other' }, status: { state: { phase: 'Running' } } }, { subresource: 'status' });
  t.same(statusOnly.spec, { queue: 'q', minAvailable: 2 }, 'spec in a status write is ignored');
});

t.test('an object with finalizers is only marked for deletion until the last finalizer goes', async (t) => {
  const { store, cms } = world();
  store.create(cms, { metadata: { name: 'f', finalizers: ['example.com/a', 'example.com/b'] } }, { namespace: 'default' });
  const marked = store.delete(cms, ref('f'));
  t.ok(marked.metadata.deletionTimestamp, 'deletionTimestamp is set');
  t.ok(store.get(cms, ref('f')), 'still stored');
  const again = store.get(cms, ref('f')) as SimObject;
  const noNew = statusOf(() => store.update(cms, ref('f'), { ...again, metadata: { ...again.metadata, finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] } }));
  t.equal(noNew.code, 422, 'no finalizer may be added to an object being deleted');
  store.update(cms, ref('f'), { ...again, metadata: { ...again.metadata, finalizers: ['example.com/b'] } });
  t.ok(store.get(cms, ref('f')), 'one finalizer left: still stored');
  store.patch(cms, ref('f'), { type: 'merge', body: { metadata: { finalizers: null } } });
  t.equal(store.get(cms, ref('f')), undefined, 'gone with the last finalizer');
});

t.test('deleting an owner deletes its dependents afterwards; a dependent with a second live owner only loses the reference', async (t) => {
  const { store, jobs, pgs, cms } = world();
  const job = store.create(jobs, { metadata: { name: 'owner' }, spec: {} }, { namespace: 'default' });
  const other = store.create(cms, { metadata: { name: 'other-owner' } }, { namespace: 'default' });
  const owned = (uid: string, kind: string, apiVersion: string, name: string) => ({ apiVersion, kind, name, uid, controller: false });
  store.create(pgs, { metadata: { name: 'pg', ownerReferences: [owned(job.metadata.uid as string, 'Job', 'batch.volcano.sh/v1alpha1', 'owner')] }, spec: {} }, { namespace: 'default' });
  store.create(cms, { metadata: { name: 'shared', ownerReferences: [
    owned(job.metadata.uid as string, 'Job', 'batch.volcano.sh/v1alpha1', 'owner'),
    owned(other.metadata.uid as string, 'ConfigMap', 'v1', 'other-owner'),
  ] } }, { namespace: 'default' });
  store.delete(jobs, ref('owner'));
  t.equal(store.get(jobs, ref('owner')), undefined);
  t.equal(store.get(pgs, ref('pg')), undefined, 'the only-owned dependent is collected');
  const shared = store.get(cms, ref('shared'));
  t.ok(shared, 'the dependent with another owner stays');
  t.same(shared?.metadata.ownerReferences?.map((r) => r.name), ['other-owner'], 'and loses the deleted owner');
});

t.test('foreground deletion keeps the owner until its dependents are gone; orphan deletion keeps the dependents', async (t) => {
  const { store, jobs, pgs } = world();
  const mk = (name: string) => {
    const job = store.create(jobs, { metadata: { name }, spec: {} }, { namespace: 'default' });
    store.create(pgs, { metadata: { name: `${name}-pg`, finalizers: ['example.com/hold'],
      ownerReferences: [{ apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', name, uid: job.metadata.uid as string, blockOwnerDeletion: true }] }, spec: {} }, { namespace: 'default' });
  };
  mk('fg');
  store.delete(jobs, ref('fg'), { propagationPolicy: 'Foreground' });
  t.ok(store.get(jobs, ref('fg'))?.metadata.finalizers?.includes('foregroundDeletion'), 'owner waits with the foregroundDeletion finalizer');
  t.ok(store.get(pgs, ref('fg-pg'))?.metadata.deletionTimestamp, 'the dependent is being deleted');
  store.patch(pgs, ref('fg-pg'), { type: 'merge', body: { metadata: { finalizers: null } } });
  t.equal(store.get(pgs, ref('fg-pg')), undefined);
  t.equal(store.get(jobs, ref('fg')), undefined, 'the owner goes once its dependents are gone');

  mk('or');
  store.delete(jobs, ref('or'), { propagationPolicy: 'Orphan' });
  t.equal(store.get(jobs, ref('or')), undefined, 'the owner is deleted');
  const orphan = store.get(pgs, ref('or-pg'));
  t.ok(orphan, 'the dependent stays');
  t.equal(orphan?.metadata.ownerReferences, undefined, 'without the owner reference');
  t.equal(orphan?.metadata.deletionTimestamp, undefined);
});

t.test('a dependent whose owner does not exist, or was replaced under the same name, is collected', async (t) => {
  const { store, jobs, pgs } = world();
  store.create(pgs, { metadata: { name: 'dangling', ownerReferences: [{ apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', name: 'nope', uid: 'no-such-uid' }] }, spec: {} }, { namespace: 'default' });
  t.equal(store.get(pgs, ref('dangling')), undefined);
  store.create(jobs, { metadata: { name: 'j' }, spec: {} }, { namespace: 'default' });
  store.create(pgs, { metadata: { name: 'stale', ownerReferences: [{ apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', name: 'j', uid: 'uid-of-an-older-j' }] }, spec: {} }, { namespace: 'default' });
  t.equal(store.get(pgs, ref('stale')), undefined, 'a uid mismatch counts as absent');
});

t.test('deleting a namespace deletes its content, then the namespace; a terminating namespace takes nothing new', async (t) => {
  const { store, nss, cms, pods } = world();
  store.create(nss, { metadata: { name: 'team' } });
  store.create(cms, { metadata: { name: 'a', finalizers: ['example.com/hold'] } }, { namespace: 'team' });
  store.create(pods, pod('p'), { namespace: 'team' });
  store.delete(nss, ref('team', ''));
  const ns = store.get(nss, ref('team', ''));
  t.equal((ns?.status as { phase?: string }).phase, 'Terminating');
  t.equal(store.get(pods, ref('p', 'team')), undefined, 'content without finalizers is gone');
  const refused = statusOf(() => store.create(cms, { metadata: { name: 'late' } }, { namespace: 'team' }));
  t.equal(refused.code, 403);
  t.match(refused.message, /being terminated/);
  store.patch(cms, ref('a', 'team'), { type: 'merge', body: { metadata: { finalizers: null } } });
  t.equal(store.get(nss, ref('team', '')), undefined, 'the namespace goes when it is empty');
  t.equal(statusOf(() => store.delete(nss, ref('default', ''))).code, 403, 'default cannot be deleted');
  t.equal(statusOf(() => store.create(cms, { metadata: { name: 'x' } }, { namespace: 'nowhere' })).code, 404);
});

t.test('label and field selectors filter lists; spec.nodeName is indexed; unknown fields are a 400', async (t) => {
  const { store, pods } = world();
  store.create(pods, pod('a', { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { nodeName: 'n1' } }), { namespace: 'default' });
  store.create(pods, pod('b', { metadata: { labels: { app: 'web', tier: 'back' } }, spec: { nodeName: 'n2' } }), { namespace: 'default' });
  store.create(pods, pod('c', { metadata: { labels: { app: 'db' } } }), { namespace: 'default' });
  const names = (opts: Parameters<ObjectStore['list']>[1]) => store.list(pods, opts).items.map((s) => s.object.metadata.name);
  t.same(names({ labelSelector: 'app=web' }), ['a', 'b']);
  t.same(names({ labelSelector: 'app=web,tier!=front' }), ['b']);
  t.same(names({ labelSelector: 'tier in (front,back)' }), ['a', 'b']);
  t.same(names({ labelSelector: '!tier' }), ['c']);
  t.same(names({ fieldSelector: 'spec.nodeName=n1' }), ['a']);
  t.same(names({ fieldSelector: 'spec.nodeName=' }), ['c'], 'an empty value selects unbound pods');
  t.same(names({ fieldSelector: 'spec.nodeName!=n1,metadata.name!=c' }), ['b']);
  t.same(names({ fieldSelector: 'status.phase=Pending', labelSelector: 'app=db' }), ['c']);
  t.same(store.byIndex(pods, 'spec.nodeName', 'n2').map((p) => p.metadata.name), ['b']);
  store.delete(pods, ref('b'), { gracePeriodSeconds: 0 });
  t.same(store.byIndex(pods, 'spec.nodeName', 'n2'), [], 'the index forgets deleted pods');
  const bad = statusOf(() => store.list(pods, { fieldSelector: 'spec.image=x' }));
  t.equal(bad.code, 400);
  t.match(bad.message, /field label not supported: spec.image/);
  t.equal(statusOf(() => store.list(pods, { labelSelector: 'a in (' })).code, 400);
});

t.test('lists page with limit and continue, in name order, with the remaining count', async (t) => {
  const { store, cms } = world();
  for (const n of ['e', 'a', 'd', 'b', 'c']) store.create(cms, { metadata: { name: n } }, { namespace: 'default' });
  const p1 = store.list(cms, { namespace: 'default', limit: 2 });
  t.same(p1.items.map((s) => s.object.metadata.name), ['a', 'b']);
  t.equal(p1.remainingItemCount, 3);
  const p2 = store.list(cms, { namespace: 'default', limit: 2, continue: p1.continue as string });
  t.same(p2.items.map((s) => s.object.metadata.name), ['c', 'd']);
  const p3 = store.list(cms, { namespace: 'default', limit: 2, continue: p2.continue as string });
  t.same(p3.items.map((s) => s.object.metadata.name), ['e']);
  t.equal(p3.continue, undefined, 'the last page has no continue token');
  t.equal(p2.resourceVersion, p1.resourceVersion, 'pages report the version of the first page');
  t.equal(statusOf(() => store.list(cms, { continue: 'garbage' })).code, 400);
});

t.test('merge, JSON and strategic merge patches; a failed JSON patch test is 422; strategic merge on a custom resource is 415', async (t) => {
  const { store, pods, jobs } = world();
  store.create(pods, pod('p', { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'X', value: '1' }] }, { name: 'd', image: 'nginx' }] } }), { namespace: 'default' });
  const merged = store.patch(pods, ref('p'), { type: 'merge', body: { metadata: { labels: { a: null, c: '3' } } } });
  t.same(merged.metadata.labels, { b: '2', c: '3' });
  const jp = store.patch(pods, ref('p'), { type: 'json', body: [{ op: 'add', path: '/metadata/annotations', value: { k: 'v' } }, { op: 'replace', path: '/metadata/labels/b', value: 'x' }] });
  t.same(jp.metadata.annotations, { k: 'v' });
  t.equal(jp.metadata.labels?.b, 'x');
  t.equal(statusOf(() => store.patch(pods, ref('p'), { type: 'json', body: [{ op: 'test', path: '/metadata/name', value: 'q' }] })).code, 422);
  t.equal(statusOf(() => store.patch(pods, ref('p'), { type: 'json', body: { op: 'add' } })).code, 400);
  const smp = store.patch(pods, ref('p'), { type: 'strategic', body: {
    spec: { containers: [{ name: 'c', image: 'busybox:2' }] },
    metadata: { finalizers: ['example.com/x'] },
  } });
  const containers = (smp.spec as { containers: { name: string; image: string; env?: unknown[] }[] }).containers;
  t.same(containers.map((c) => `${c.name}=${c.image}`), ['c=busybox:2', 'd=nginx'], 'containers merge by name');
  t.same(containers[0]?.env, [{ name: 'X', value: '1' }], 'fields the patch does not name are kept');
  const nodes = store.resource('v1', 'Node');
  store.create(nodes, { metadata: { name: 'n1' }, spec: { taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'NoSchedule' }] } });
  const tainted = store.patch(nodes, ref('n1', ''), { type: 'strategic', body: { spec: { taints: [{ key: 'b', $patch: 'delete' }, { key: 'c', effect: 'NoExecute' }] } } });
  t.same((tainted.spec as { taints: { key: string }[] }).taints.map((x) => x.key), ['a', 'c'], 'taints merge by key, $patch: delete removes one');
  const del = store.patch(pods, ref('p'), { type: 'strategic', body: { metadata: { $deleteFromPrimitiveList: undefined, '$deleteFromPrimitiveList/finalizers': ['example.com/x'] } } });
  t.equal(del.metadata.finalizers, undefined);
  const status = store.patch(pods, ref('p'), { type: 'strategic', body: { status: { conditions: [{ type: 'Custom', status: 'True' }] } } }, { subresource: 'status' });
  t.same((status.status as { conditions: { type: string }[] }).conditions.map((c) => c.type), ['Custom']);
  store.create(jobs, { metadata: { name: 'j' }, spec: { tasks: [] } }, { namespace: 'default' });
  t.equal(statusOf(() => store.patch(jobs, ref('j'), { type: 'strategic', body: { spec: {} } })).code, 415);
  const applied = store.patch(jobs, ref('new-job'), { type: 'apply', body: { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', spec: { queue: 'q' } } });
  t.equal(applied.metadata.name, 'new-job', 'apply creates a missing object');
});

t.test('dryRun validates and answers without storing or moving the resourceVersion', async (t) => {
  const { store, cms } = world();
  const before = store.resourceVersion;
  const dry = store.create(cms, { metadata: { name: 'dry' } }, { namespace: 'default', dryRun: true });
  t.equal(dry.metadata.name, 'dry');
  t.equal(store.get(cms, ref('dry')), undefined);
  t.equal(store.resourceVersion, before);
  t.equal(statusOf(() => store.create(cms, { metadata: { name: 'Bad_Name' } }, { namespace: 'default', dryRun: true })).code, 422);
  store.create(cms, { metadata: { name: 'real' } }, { namespace: 'default' });
  store.delete(cms, ref('real'), { dryRun: true });
  t.ok(store.get(cms, ref('real')));
  store.patch(cms, ref('real'), { type: 'merge', body: { data: { a: 'b' } } }, { dryRun: true });
  t.equal(store.get(cms, ref('real'))?.data, undefined);
});

t.test('validation: names, pods without containers, pod spec immutability, duplicates, generateName', async (t) => {
  const { store, pods, cms } = world();
  const badName = statusOf(() => store.create(cms, { metadata: { name: 'UPPER' } }, { namespace: 'default' }));
  t.equal(badName.code, 422);
  t.equal(badName.reason, 'Invalid');
  t.equal(badName.details?.causes?.[0]?.field, 'metadata.name');
  const noContainers = statusOf(() => store.create(pods, { metadata: { name: 'p' }, spec: { containers: [] } }, { namespace: 'default' }));
  t.equal(noContainers.details?.causes?.[0]?.field, 'spec.containers');
  t.match(noContainers.message, /^Pod "p" is invalid/);
  const p = store.create(pods, pod('p'), { namespace: 'default' });
  t.equal((p.spec as { schedulerName?: string }).schedulerName, 'default-scheduler', 'pods get API defaults');
  t.equal((p.status as { phase?: string; qosClass?: string }).phase, 'Pending');
  const moved = statusOf(() => store.update(pods, ref('p'), { ...p, spec: { ...(p.spec as object), nodeName: 'n1' } }));
  t.equal(moved.code, 422, 'nodeName cannot be set by an update');
  const image = store.update(pods, ref('p'), { ...p, spec: { ...(p.spec as object), containers: [{ ...((p.spec as { containers: object[] }).containers[0]), image: 'busybox:2' }] } });
  t.equal((image.spec as { containers: { image: string }[] }).containers[0]?.image, 'busybox:2', 'the image may change');
  t.equal(statusOf(() => store.create(pods, pod('p'), { namespace: 'default' })).code, 409);
  const g1 = store.create(cms, { metadata: { generateName: 'gen-' } }, { namespace: 'default' });
  const g2 = store.create(cms, { metadata: { generateName: 'gen-' } }, { namespace: 'default' });
  t.match(g1.metadata.name, /^gen-[a-z0-9]{5}$/);
  t.not(g1.metadata.name, g2.metadata.name);
});

t.test('a watch resumes after a resourceVersion, and answers 410 Gone once that version left the history', async (t) => {
  const { store, cms } = world({ historySize: 3 });
  const a = store.create(cms, { metadata: { name: 'a' } }, { namespace: 'default' });
  store.create(cms, { metadata: { name: 'b' } }, { namespace: 'default' });
  const w = collector();
  store.watch(cms, { namespace: 'default', resourceVersion: a.metadata.resourceVersion as string }, w.sink);
  t.same(w.frames.map((f) => `${f.type} ${f.object.metadata.name}`), ['ADDED b'], 'only what happened after the version');
  store.patch(cms, ref('a'), { type: 'merge', body: { data: { x: '1' } } });
  store.delete(cms, ref('b'));
  t.same(w.frames.map((f) => `${f.type} ${f.object.metadata.name}`), ['ADDED b', 'MODIFIED a', 'DELETED b']);
  const versions = w.frames.map((f) => Number(f.object.metadata.resourceVersion));
  t.same(versions, [...versions].sort((x, y) => x - y), 'events arrive in resourceVersion order');
  for (let i = 0; i < 5; i++) store.create(cms, { metadata: { name: `n${i}` } }, { namespace: 'default' });
  const old = collector();
  store.watch(cms, { resourceVersion: a.metadata.resourceVersion as string }, old.sink);
  t.equal(old.frames.length, 1);
  t.equal(old.frames[0]?.type, 'ERROR');
  t.equal(old.frames[0]?.object.code, 410);
  t.ok(old.ended(), 'the expired watch is closed');
  const fresh = collector();
  store.watch(cms, { namespace: 'default' }, fresh.sink);
  t.equal(fresh.frames.filter((f) => f.type === 'ADDED').length, 6, 'without a version the watch starts with the current state');
  store.closeWatches();
  t.ok(w.ended() && fresh.ended());
  t.equal(store.openWatchCount(), 0);
});

t.test('a watch with a selector sees objects entering as ADDED and leaving as DELETED', async (t) => {
  const { store, pods } = world();
  const w = collector();
  store.watch(pods, { namespace: 'default', fieldSelector: 'spec.nodeName=n1' }, w.sink);
  store.create(pods, pod('p'), { namespace: 'default' });
  t.equal(w.frames.length, 0, 'an unbound pod does not match');
  store.bind(ref('p'), { target: { kind: 'Node', name: 'n1' } });
  t.equal(w.frames[0]?.type, 'ADDED', 'binding to n1 makes it match');
  store.patch(pods, ref('p'), { type: 'merge', body: { metadata: { labels: { a: 'b' } } } });
  t.equal(w.frames[1]?.type, 'MODIFIED');
  const l = collector();
  store.watch(pods, { labelSelector: 'a=b' }, l.sink);
  t.equal(l.frames[0]?.type, 'ADDED');
  const removed = store.patch(pods, ref('p'), { type: 'merge', body: { metadata: { labels: { a: 'c' } } } });
  t.equal(l.frames[1]?.type, 'DELETED', 'a label change out of the selector is a DELETED');
  t.equal(l.frames[1]?.object.metadata.labels?.a, 'b', 'with the last matching content');
  t.equal(l.frames[1]?.object.metadata.resourceVersion, removed.metadata.resourceVersion, 'and the new version');
});

t.test('bookmarks carry the current resourceVersion; sendInitialEvents ends the initial state with an annotated bookmark', async (t) => {
  const { store, cms } = world();
  store.create(cms, { metadata: { name: 'a' } }, { namespace: 'default' });
  const w = collector();
  store.watch(cms, { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersion: '' }, w.sink);
  t.same(w.frames.map((f) => f.type), ['ADDED', 'BOOKMARK']);
  t.equal(w.frames[1]?.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
  const plain = collector();
  store.watch(cms, { resourceVersion: String(store.resourceVersion) }, plain.sink);
  store.create(cms, { metadata: { name: 'b' } }, { namespace: 'default' });
  store.sendBookmarks();
  const last = w.frames[w.frames.length - 1];
  t.equal(last?.type, 'BOOKMARK');
  t.equal(last?.object.metadata.resourceVersion, String(store.resourceVersion));
  t.equal(last?.object.kind, 'ConfigMap');
  t.notOk(plain.frames.some((f) => f.type === 'BOOKMARK'), 'only watchers that asked get bookmarks');
});

t.test('binding is refused for a bound or deleting pod; eviction marks the pod and deletes it', async (t) => {
  const { store, pods } = world();
  store.create(pods, pod('p'), { namespace: 'default' });
  const ok = store.bind(ref('p'), { target: { name: 'n1' } });
  t.equal(ok.status, 'Success');
  const bound = store.get(pods, ref('p')) as SimObject;
  t.equal((bound.spec as { nodeName?: string }).nodeName, 'n1');
  t.ok((bound.status as { conditions: { type: string; status: string }[] }).conditions.some((c) => c.type === 'PodScheduled' && c.status === 'True'));
  const again = statusOf(() => store.bind(ref('p'), { target: { name: 'n2' } }));
  t.equal(again.code, 409);
  t.match(again.message, /already assigned to node "n1"/);
  t.equal(statusOf(() => store.bind(ref('missing'), { target: { name: 'n1' } })).code, 404);
  store.evict(ref('p'), { deleteOptions: { gracePeriodSeconds: 5 } });
  const evicted = store.get(pods, ref('p')) as SimObject;
  t.ok(evicted.metadata.deletionTimestamp, 'a bound pod is deleted gracefully');
  t.equal(evicted.metadata.deletionGracePeriodSeconds, 5);
  t.ok((evicted.status as { conditions: { type: string }[] }).conditions.some((c) => c.type === 'DisruptionTarget'));
  store.delete(pods, ref('p'), { gracePeriodSeconds: 0 });
  t.equal(store.get(pods, ref('p')), undefined, 'a zero grace period removes it at once');
});
