import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { Job } from '../../../shared/api/job.js';
import type { Queue } from '../../../shared/api/queue.js';
import { StatusError } from '../../../shared/errors/status.js';
import type { NodeInventory } from '../../../shared/messages/node-inventory.js';
import { RedisGatewayStore } from '../../../gateway/store/redis-gateway-store.js';
import { storeKeys } from '../../../gateway/store/keys.js';
import type { Change, MemberCluster, Placement } from '../../../gateway/store/records.js';
import { useRedis } from '../../support/redis.js';

async function newStore(t: Parameters<typeof useRedis>[0], opts: { feedMaxLen?: number } = {}) {
  const r = await useRedis(t);
  const store = new RedisGatewayStore({ client: r.connect(), prefix: r.prefix, feedMaxLen: opts.feedMaxLen, ownsClient: false });
  t.teardown(() => store.close());
  return { store, r };
}

function makeJob(name: string, opts: { namespace?: string; queue?: string; labels?: Record<string, string> } = {}): Job {
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: opts.namespace ?? 'default', uid: randomUUID(), creationTimestamp: new Date().toISOString(), labels: opts.labels },
    spec: { queue: opts.queue ?? 'default', minAvailable: 1, tasks: [{ name: 'w', replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } }] },
    status: { state: { phase: 'Pending' } },
  };
}

function makeQueue(name: string): Queue {
  return { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name, uid: randomUUID() }, spec: { weight: 1, reclaimable: true }, status: { state: 'Open' } };
}

function makeMember(name: string): MemberCluster {
  return { apiVersion: 'caldera.dev/v1alpha1', kind: 'MemberCluster', metadata: { name, uid: randomUUID() }, spec: { cordoned: false } };
}

function placementOf(job: Job, cluster: string, epoch: number): Placement {
  return {
    uid: job.metadata.uid ?? '', namespace: job.metadata.namespace ?? '', name: job.metadata.name ?? '', queue: job.spec.queue ?? 'default',
    cluster, epoch, attempt: epoch, state: 'Placed', placedAt: new Date().toISOString(),
  };
}

function node(name: string, cpu = '4'): NodeInventory {
  return { name, allocatable: { cpu }, capacity: { cpu }, labels: {}, taints: [], unschedulable: false, requested: {}, ready: true };
}

async function statusOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof StatusError) return `${err.status.code} ${err.status.reason}`;
    throw err;
  }
}

t.test('keys of one deployment share one hash tag and reject unsafe prefixes', async (t) => {
  const k = storeKeys('prod');
  for (const key of [k.rv, k.feed, k.job('ns', 'a'), k.jobsInQueue('q'), k.nodes('east'), k.placements]) {
    t.match(key, /^\{prod\}:/);
  }
  t.equal(storeKeys('test-1a2b:').tag, '{test-1a2b}', 'a trailing colon is dropped');
  t.throws(() => storeKeys('a{b}'));
  t.throws(() => storeKeys('a:b'));
});

t.test('resourceVersions grow with every write and a stale one is a Conflict', async (t) => {
  const { store } = await newStore(t);
  const created = await store.createJob(makeJob('a'));
  const rv1 = Number(created.metadata.resourceVersion);
  t.ok(rv1 > 0);
  const got = await store.getJob('default', 'a');
  t.equal(got?.metadata.resourceVersion, created.metadata.resourceVersion, 'the stored copy carries the same rv');
  const updated = await store.updateJob({ ...created, metadata: { ...created.metadata, labels: { x: '1' } } }, { resourceVersion: String(rv1) });
  t.ok(Number(updated.metadata.resourceVersion) > rv1);
  t.equal(await statusOf(store.updateJob(created, { resourceVersion: String(rv1) })), '409 Conflict', 'stale rv');
  t.equal(await statusOf(store.updateJob(created, { uid: 'another' })), '409 Conflict', 'uid precondition');
  t.equal(await statusOf(store.updateJob(makeJob('missing'))), '404 NotFound');
  t.equal(await statusOf(store.createJob(makeJob('a'))), '409 AlreadyExists');
  t.equal((await store.getJob('default', 'a'))?.metadata.labels?.x, '1', 'the failed writes changed nothing');
});

t.test('create-if-absent is atomic: of 20 concurrent creates of one name exactly one wins', async (t) => {
  const { store } = await newStore(t);
  const results = await Promise.all(Array.from({ length: 20 }, () => statusOf(store.createJob(makeJob('race')))));
  t.equal(results.filter((r) => r === 'ok').length, 1);
  t.equal(results.filter((r) => r === '409 AlreadyExists').length, 19);
  t.equal((await store.listJobs({ namespace: 'default' })).items.length, 1);
  t.equal((await store.pendingJobs()).length, 1, 'one pending entry');
});

t.test('lists page with limit/continue in name order, per namespace and across namespaces', async (t) => {
  const { store } = await newStore(t);
  for (const n of ['e', 'b', 'd', 'a', 'c']) await store.createJob(makeJob(n, { namespace: 'ns1' }));
  await store.createJob(makeJob('z', { namespace: 'ns2' }));
  const p1 = await store.listJobs({ namespace: 'ns1', limit: 2 });
  t.same(p1.items.map((j) => j.metadata.name), ['a', 'b']);
  t.equal(p1.remainingItemCount, 3);
  t.ok(p1.continue);
  const p2 = await store.listJobs({ namespace: 'ns1', limit: 2, continue: p1.continue });
  t.same(p2.items.map((j) => j.metadata.name), ['c', 'd']);
  const p3 = await store.listJobs({ namespace: 'ns1', limit: 2, continue: p2.continue });
  t.same(p3.items.map((j) => j.metadata.name), ['e']);
  t.equal(p3.continue, undefined, 'last page has no continue');
  t.equal((await store.listJobs()).items.length, 6, 'all namespaces');
  const filtered = await store.listJobs({ limit: 2, filter: (j) => j.metadata.name !== 'a' && j.metadata.name !== 'b' });
  t.same(filtered.items.map((j) => j.metadata.name), ['c', 'd'], 'a filter still fills the page');
  t.equal(await statusOf(store.listJobs({ namespace: 'ns2', continue: p1.continue })), '400 BadRequest', 'a continue token from another list');
});

t.test('a never-placed job is removed at once; a placed one is marked, then removed with its placement', async (t) => {
  const { store, r } = await newStore(t);
  const k = storeKeys(r.prefix);
  const a = await store.createJob(makeJob('a', { queue: 'q1' }));
  const del = await store.requestJobDeletion('default', 'a', { marked: { ...a, metadata: { ...a.metadata, deletionTimestamp: 'now' } } });
  t.equal(del.outcome, 'deleted');
  t.equal(await store.getJob('default', 'a'), undefined);
  t.equal(await r.client.exists(k.jobsInQueue('q1'), k.jobsInNamespace('default'), k.pendingJobs, k.jobs), 0, 'every index entry is gone');
  t.equal(await r.client.hlen(k.jobUids), 0);

  const b = await store.createJob(makeJob('b'));
  const [placed] = await store.setPlacements([{ placement: placementOf(b, 'east', 1), reservation: { uid: b.metadata.uid ?? '', cluster: 'east', epoch: 1, nodes: { n1: { cpu: '1' } }, createdAt: 'now' } }]);
  t.ok(placed?.ok);
  const marked = { ...b, metadata: { ...b.metadata, deletionTimestamp: '2030-01-01T00:00:00Z' } };
  const first = await store.requestJobDeletion('default', 'b', { marked });
  t.equal(first.outcome, 'marked');
  t.equal((await store.getJob('default', 'b'))?.metadata.deletionTimestamp, '2030-01-01T00:00:00Z');
  t.equal((await store.requestJobDeletion('default', 'b', { marked })).outcome, 'already-marked');
  const [again] = await store.setPlacements([{ placement: placementOf(b, 'west', 2) }]);
  t.same(again, { ok: false, reason: 'Deleting' }, 'a job marked for deletion is never placed again');
  await store.removeJob('default', 'b', { uid: b.metadata.uid });
  t.equal(await store.getJob('default', 'b'), undefined);
  t.equal(await store.getPlacement(b.metadata.uid ?? ''), undefined, 'placement removed with the job');
  t.same(await store.listReservations(), [], 'reservation removed with the job');
});

t.test('a placement is recorded only when its epoch is newer, and a re-queue keeps the FIFO position', async (t) => {
  const { store } = await newStore(t);
  const a = await store.createJob(makeJob('a'));
  const b = await store.createJob(makeJob('b'));
  t.same((await store.pendingJobs()).map((p) => p.name), ['a', 'b']);
  const [r1, rMissing] = await store.setPlacements([
    { placement: placementOf(a, 'east', 1) },
    { placement: { ...placementOf(a, 'east', 1), name: 'nope' } },
  ]);
  t.ok(r1?.ok);
  t.same(rMissing, { ok: false, reason: 'NotFound' });
  t.same((await store.pendingJobs()).map((p) => p.name), ['b'], 'placed job left the pending set');
  const [stale] = await store.setPlacements([{ placement: placementOf(a, 'west', 1) }]);
  t.same(stale, { ok: false, reason: 'StaleEpoch', currentEpoch: 1 });
  const [wrongEpoch] = await store.updatePlacements([{ uid: a.metadata.uid ?? '', namespace: 'default', name: 'a', epoch: 7, requeue: true }]);
  t.same(wrongEpoch, { ok: false, reason: 'StaleEpoch', currentEpoch: 1 });
  const [requeued] = await store.updatePlacements([{
    uid: a.metadata.uid ?? '', namespace: 'default', name: 'a', epoch: 1, requeue: true, reservation: 'release',
    placement: { ...placementOf(a, '', 1), state: 'Requeued', superseded: [{ cluster: 'east', epoch: 1 }] },
  }]);
  t.ok(requeued?.ok);
  t.same((await store.pendingJobs()).map((p) => p.name), ['a', 'b'], 'a is ahead of b again');
  const [newer] = await store.setPlacements([{ placement: placementOf(a, 'west', 2) }]);
  t.ok(newer?.ok);
  t.equal((await store.getPlacement(a.metadata.uid ?? ''))?.cluster, 'west');
  t.ok(b);
});

t.test('the change feed delivers ordered events with objects and resumes from a resourceVersion', async (t) => {
  const { store } = await newStore(t);
  const start = await store.currentRv();
  const a = await store.createJob(makeJob('a'));
  await store.updateJob({ ...a, metadata: { ...a.metadata, labels: { v: '2' } } });
  await store.requestJobDeletion('default', 'a', { marked: a });
  await store.createQueue(makeQueue('q'));
  const batch = await store.readChanges({ afterRv: start });
  t.same(batch.changes.map((c) => `${c.kind} ${c.type} ${c.key}`), ['job ADDED default/a', 'job MODIFIED default/a', 'job DELETED default/a', 'queue ADDED q']);
  const rvs = batch.changes.map((c) => c.rv);
  t.same(rvs, rvs.map((_, i) => start + 1 + i), 'one entry per resourceVersion, no gaps');
  const second = batch.changes[1] as Change & { kind: 'job' };
  t.equal(second.object.metadata.labels?.v, '2');
  t.equal(second.object.metadata.resourceVersion, String(second.rv), 'the object carries its rv');
  const resumed = await store.readChanges({ afterRv: rvs[1] ?? 0 });
  t.same(resumed.changes.map((c) => c.rv), rvs.slice(2));
});

t.test('a subscriber gets the catch-up then live changes, each exactly once, in order', async (t) => {
  const { store } = await newStore(t);
  await store.createJob(makeJob('before-1'));
  const from = await store.currentRv();
  await store.createJob(makeJob('before-2'));
  const seen: number[] = [];
  const names: string[] = [];
  const done = new Promise<void>((resolve) => {
    void store.subscribe({
      afterRv: from,
      onChange: (c) => {
        seen.push(c.rv);
        names.push(c.key);
        if (names.length === 6) resolve();
      },
    }).then((s) => t.teardown(() => s.close()));
  });
  await Promise.all(['l1', 'l2', 'l3', 'l4', 'l5'].map((n) => store.createJob(makeJob(n))));
  await done;
  t.equal(names[0], 'default/before-2');
  t.same(seen, [...seen].sort((x, y) => x - y));
  t.equal(new Set(seen).size, seen.length, 'no duplicates');
  t.equal(seen[0], from + 1);
});

t.test('a resourceVersion older than the trimmed feed is Gone', async (t) => {
  const { store } = await newStore(t, { feedMaxLen: 10 });
  const q = await store.createQueue(makeQueue('q'));
  for (let i = 0; i < 400; i++) await store.updateQueue({ ...q, spec: { ...q.spec, weight: (i % 9) + 1 } });
  const oldest = await store.oldestResumableRv();
  t.ok(oldest > 2, `the stream was trimmed (oldest ${oldest})`);
  t.equal(await statusOf(store.readChanges({ afterRv: 1 })), '410 Gone');
  t.equal(await statusOf(store.subscribe({ afterRv: 1, onChange: () => {} })), '410 Gone');
  const ok = await store.readChanges({ afterRv: oldest - 1, count: 5 });
  t.equal(ok.changes[0]?.rv, oldest);
});

t.test('node reports: a full inventory replaces, deltas need the same agent and a newer seq', async (t) => {
  const { store } = await newStore(t);
  t.same(await store.putNodes({ cluster: 'east', agentId: 'a1', seq: 1, mode: 'full', nodes: [node('n1')] }), { applied: false, reason: 'UnknownMember' });
  await store.ensureMember(makeMember('east'));
  t.equal((await store.putNodes({ cluster: 'east', agentId: 'a1', seq: 1, mode: 'delta', upserts: [node('n2')], removed: [] })).applied, false, 'delta before full');
  t.ok((await store.putNodes({ cluster: 'east', agentId: 'a1', seq: 1, mode: 'full', nodes: [node('n1'), node('n2')] })).applied);
  t.ok((await store.putNodes({ cluster: 'east', agentId: 'a1', seq: 2, mode: 'delta', upserts: [node('n3', '8')], removed: ['n1'] })).applied);
  t.same(await store.putNodes({ cluster: 'east', agentId: 'a1', seq: 2, mode: 'delta', upserts: [node('n9')], removed: [] }), { applied: false, reason: 'StaleSeq' });
  t.same((await store.getNodes('east')).map((n) => n.name), ['n2', 'n3']);
  t.ok((await store.putNodes({ cluster: 'east', agentId: 'a2', seq: 0, mode: 'full', nodes: [node('m1')] })).applied, 'a restarted agent starts again with a full inventory');
  t.same((await store.getNodes('east')).map((n) => n.name), ['m1']);
  t.ok(await store.recordHeartbeat({ cluster: 'east', agentId: 'a2', seq: 5, at: Date.UTC(2030, 0, 1) }));
  t.notOk(await store.recordHeartbeat({ cluster: 'west', agentId: 'x', seq: 1, at: 1 }));
  t.equal((await store.getMember('east'))?.status?.lastHeartbeatTime, '2030-01-01T00:00:00.000Z');
  t.same((await store.heartbeats()).east, { at: Date.UTC(2030, 0, 1), agentId: 'a2', seq: 5 });
});

t.test('queues: a queue holding jobs cannot be deleted; ensureQueue keeps an existing one', async (t) => {
  const { store } = await newStore(t);
  const q = await store.ensureQueue(makeQueue('q'));
  const again = await store.ensureQueue({ ...makeQueue('q'), spec: { weight: 9 } });
  t.equal(again.metadata.resourceVersion, q.metadata.resourceVersion);
  await store.createJob(makeJob('a', { queue: 'q' }));
  t.equal(await statusOf(store.deleteQueue('q')), '409 Conflict');
  await store.requestJobDeletion('default', 'a', { marked: makeJob('a') });
  t.equal(await statusOf(store.deleteQueue('q')), 'ok');
  t.equal(await store.getQueue('q'), undefined);
});

t.test('nothing is lost across a restart: a new store on the same Redis sees every write', async (t) => {
  const r = await useRedis(t);
  const s1 = new RedisGatewayStore({ client: r.connect(), prefix: r.prefix });
  const job = await s1.createJob(makeJob('kept'));
  await s1.createQueue(makeQueue('kept-q'));
  await s1.ensureMember(makeMember('east'));
  await s1.setPlacements([{ placement: placementOf(job, 'east', 1) }]);
  await s1.setQueueUsage([{ queue: 'kept-q', allocated: { cpu: '2' } }]);
  await s1.putExplanations([{ namespace: 'default', name: 'kept', explanation: { uid: job.metadata.uid ?? '', evaluatedAt: 'now', reasons: [{ reason: 'X', message: 'y' }] } }]);
  await s1.close();
  const s2 = new RedisGatewayStore({ client: r.connect(), prefix: r.prefix });
  t.teardown(() => s2.close());
  const snap = await s2.loadSnapshot();
  t.same(snap.jobs.map((j) => j.metadata.name), ['kept']);
  t.same(snap.queues.map((q) => q.metadata.name), ['kept-q']);
  t.same(snap.members.map((m) => m.metadata.name), ['east']);
  t.equal(snap.placements[0]?.cluster, 'east');
  t.same(snap.usage, [{ queue: 'kept-q', allocated: { cpu: '2' } }]);
  t.equal(snap.resourceVersion, await s2.currentRv());
  t.equal((await s2.getExplanation('default', 'kept'))?.reasons[0]?.reason, 'X');
  t.equal((await s2.getJobByUid(job.metadata.uid ?? ''))?.metadata.name, 'kept');
});
