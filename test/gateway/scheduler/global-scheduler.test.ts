import t from 'tap';
import { CALDERA_CLUSTER_ANNOTATION, CALDERA_CLUSTERS_ANNOTATION, CALDERA_EPOCH_ANNOTATION } from '../../../shared/api/well-known.js';
import { buildApp } from '../../../gateway/app.js';
import { insecureAuthenticator } from '../../../gateway/auth/authenticator.js';
import type { JobExplanation } from '../../../gateway/scheduler/job-explanation.js';
import { useRedis } from '../../support/redis.js';
import { gang, harness, nodes, sleep, waitFor } from '../federation/federation-harness.js';

t.test('a gang that fits in no single cluster is never dispatched, says why per cluster, and is placed once one cluster frees room', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  // three clusters of three 4-cpu nodes; a 3-cpu pod takes a whole node
  for (const c of ['a', 'b', 'c']) await h.addMember(c, { nodes: nodes(3) });

  const gw = await h.startGateway();
  await waitFor('leadership', () => gw.isLeader());
  await waitFor('three members with nodes', () => gw.leader!.state.snap.snapshot().nodes.length === 9);

  // one blocker pod per cluster, pinned there
  for (const c of ['a', 'b', 'c']) {
    await h.submit(gang({ name: `blocker-${c}`, pods: 1, cpu: '3', annotations: { [CALDERA_CLUSTERS_ANNOTATION]: c } }));
  }
  await waitFor('blockers running', () => ['a', 'b', 'c'].every((c) => h.members.get(c)!.runningUids().length === 1));

  // 3 pods of 3 cpu: each cluster has 2 free nodes, the federation 6
  const big = await h.submit(gang({ name: 'big', pods: 3, cpu: '3' }));
  const explained = await waitFor('an explanation for big', async () => {
    const x = await h.store.getExplanation('default', 'big');
    return x && (x as JobExplanation).clusters?.length === 3 ? (x as JobExplanation) : undefined;
  });
  t.same(explained.clusters.map((c) => c.cluster), ['a', 'b', 'c'], 'every cluster is explained');
  for (const c of explained.clusters) {
    t.equal(c.fits, false, `${c.cluster} does not fit`);
    // two free nodes hold two of the three pods; then no node has cpu for the third
    t.match(c.reasons, [{ reason: 'InsufficientCpu', nodes: 3 }], `${c.cluster}: cpu is short for the gang`);
    t.match(c.message, /^2\/3 pods fit; then 0\/3 nodes are available/, `${c.cluster}: says how many of the gang's pods fit`);
    t.same(c.pods, { fitting: 2, needed: 3 });
  }
  t.equal(explained.kind, 'JobExplanation');
  t.match(explained.job, { namespace: 'default', name: 'big', uid: big.metadata.uid });
  // the API serves it
  const app = buildApp({ store: h.store, auth: insecureAuthenticator() });
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/apis/batch.volcano.sh/v1alpha1/namespaces/default/jobs/big/explain' });
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    kind: 'JobExplanation', phase: 'Pending', job: { name: 'big' }, message: /3\/3 tasks in gang unschedulable/,
    clusters: [{ cluster: 'a', fits: false }, { cluster: 'b', fits: false }, { cluster: 'c', fits: false }],
  }, 'GET …/jobs/big/explain returns the structured form');
  const job = await waitFor('the Unschedulable condition', async () => {
    const j = await h.store.getJob('default', 'big');
    return j?.status?.conditions?.some((c) => c.type === 'Unschedulable') ? j : undefined;
  });
  const cond = job.status!.conditions!.find((c) => c.type === 'Unschedulable');
  t.match(cond?.message, /a, b, c: /, 'the condition message names the clusters');
  t.match(cond?.message, /Insufficient cpu/);
  await sleep(300);
  for (const m of h.members.values()) t.notOk(m.received.some((p) => p.name === 'big'), `never dispatched to ${m.cluster}`);
  t.equal(await h.store.getPlacement(big.metadata.uid!), undefined, 'no placement recorded');

  // cluster b frees its blocker: the gang goes there
  const blockerB = h.members.get('b')!.runningUids()[0]!;
  await h.members.get('b')!.complete(blockerB);
  await waitFor('big running on b', () => h.members.get('b')!.jobs.get(big.metadata.uid!)?.phase === 'Running');
  t.notOk(h.members.get('a')!.jobs.has(big.metadata.uid!));
  t.notOk(h.members.get('c')!.jobs.has(big.metadata.uid!));
  const placed = await waitFor('placement facts on the job', async () => {
    const j = await h.store.getJob('default', 'big');
    return j?.metadata.annotations?.[CALDERA_CLUSTER_ANNOTATION] === 'b' ? j : undefined;
  });
  t.equal(placed.metadata.annotations?.[CALDERA_EPOCH_ANNOTATION], '1');
  await waitFor('status mirrored', async () => (await h.store.getJob('default', 'big'))?.status?.state?.phase === 'Running');
  const p = await h.store.getPlacement(big.metadata.uid!);
  t.match(p, { cluster: 'b', epoch: 1, attempt: 1, state: 'Accepted' });
  t.same(Object.values(p!.nodePlan!).flat().sort(), ['node-0', 'node-1', 'node-2'], 'node-accurate plan: one pod per node');
});

t.test('a rejected placement goes back to its queue with the reason and a backoff; retries are bounded by maxRetry', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  // refuses the first placement of every job, and every placement of "hopeless"
  await h.addMember('a', { nodes: nodes(2), reject: (p) => (p.attempt === 1 || p.name === 'hopeless' ? 'QueueClosed' : undefined) });
  await h.startGateway();
  const job = await h.submit(gang({ name: 'retry-me', pods: 2 }));
  const uid = job.metadata.uid!;
  const requeued = await waitFor('the Requeued condition', async () => {
    const j = await h.store.getJob('default', 'retry-me');
    const c = j?.status?.conditions?.find((x) => x.type === 'Requeued');
    return c ? { c, j: j! } : undefined;
  });
  t.match(requeued.c, { reason: 'Rejected', message: /cluster a rejected the placement \(QueueClosed\)/ });
  t.equal(requeued.c.status, 'Pending', 'the job went back to Pending when it was re-queued');
  await waitFor('placed again and running', () => h.members.get('a')!.jobs.get(uid)?.epoch === 2);
  const sent = h.members.get('a')!.received.filter((p) => p.uid === uid);
  t.same(sent.map((p) => [p.epoch, p.attempt]), [[1, 1], [2, 2]], 'the second placement has a new epoch');
  t.ok(Number(sent[1]!.sentAt) - Number(sent[0]!.sentAt) >= 50, 'after the reject backoff');
  await waitFor('the second placement accepted', async () => (await h.store.getPlacement(uid))?.state === 'Accepted');
  t.match(await h.store.getPlacement(uid), { epoch: 2, cluster: 'a', attempt: 2 });

  const hopeless = await h.submit(gang({ name: 'hopeless', pods: 1, maxRetry: 1 }));
  const failed = await waitFor('hopeless fails', async () => {
    const j = await h.store.getJob('default', 'hopeless');
    return j?.status?.state?.phase === 'Failed' ? j : undefined;
  });
  t.match(failed.status?.state, { reason: 'RetriesExhausted' });
  await sleep(200);
  t.equal(h.members.get('a')!.received.filter((p) => p.uid === hopeless.metadata.uid).length, 2, 'placed twice (maxRetry 1), then given up');
});

t.test('deleting a placed job deletes it on its member, then from the store', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  const a = await h.addMember('a', { nodes: nodes(2) });
  await h.startGateway();
  const job = await h.submit(gang({ name: 'doomed', pods: 2 }));
  await waitFor('running', () => a.runningUids().includes(job.metadata.uid!));
  const stored = (await h.store.getJob('default', 'doomed'))!;
  const marked = structuredClone(stored);
  marked.metadata.deletionTimestamp = new Date().toISOString();
  marked.metadata.annotations = { ...marked.metadata.annotations, 'caldera.dev/terminate': 'true' };
  const res = await h.store.requestJobDeletion('default', 'doomed', { marked });
  t.equal(res.outcome, 'marked', 'a placed job is only marked by the API');
  await waitFor('deleted on the member', () => !a.jobs.has(job.metadata.uid!));
  t.match(a.messages.find((m) => m.type === 'command'), { action: 'delete', epoch: 1, uid: job.metadata.uid });
  await waitFor('removed from the store', async () => (await h.store.getJob('default', 'doomed')) === undefined);
  t.equal(await h.store.getPlacement(job.metadata.uid!), undefined, 'its placement went with it');
});

t.test('why pending names clusters that are not ready, cordoned or do not match the selector, and a closed queue', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  for (const c of ['eu1', 'us1', 'us2']) await h.addMember(c, { nodes: nodes(2) });
  const gw = await h.startGateway();
  await waitFor('members registered', () => ['eu1', 'us1', 'us2'].every((c) => gw.leader?.state.members.get(c)?.registered));
  await h.store.mutateMember('eu1', (m) => ({ ...m, metadata: { ...m.metadata, labels: { region: 'eu' } } }));
  await h.store.mutateMember('us1', (m) => ({ ...m, metadata: { ...m.metadata, labels: { region: 'us' } }, spec: { ...m.spec, cordoned: true } }));
  await h.store.mutateMember('us2', (m) => ({ ...m, metadata: { ...m.metadata, labels: { region: 'us' } } }));
  await h.members.get('us2')!.stop();
  await waitFor('us2 NotReady', () => gw.leader?.state.members.get('us2')?.readiness === 'NotReady');
  await h.submit(gang({ name: 'us-only', pods: 1, annotations: { 'caldera.dev/cluster-selector': 'region=us' } }));
  const x = await waitFor('explanation', async () => (await h.store.getExplanation('default', 'us-only')) as JobExplanation | undefined);
  const byCluster = Object.fromEntries(x.clusters.map((c) => [c.cluster, c]));
  t.match(byCluster.eu1, { fits: false, reasons: [{ reason: 'ClusterSelectorMismatch' }] });
  t.match(byCluster.us1, { fits: false, reasons: [{ reason: 'ClusterCordoned' }] });
  t.match(byCluster.us2, { fits: false, reasons: [{ reason: 'ClusterNotReady' }] });
  t.match(x.message, /cordoned/);
  t.notOk(h.members.get('eu1')!.received.some((p) => p.name === 'us-only'), 'not placed on the mismatching cluster');

  await h.store.ensureQueue({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: 'shut' }, spec: { weight: 1 }, status: { state: 'Closed' } });
  await h.submit(gang({ name: 'in-shut', pods: 1, queue: 'shut' }));
  const y = await waitFor('explanation of the closed queue', async () => (await h.store.getExplanation('default', 'in-shut')) as JobExplanation | undefined);
  t.match(y.message, /queue "shut" is closed/);
  t.match(y.reasons, [{ reason: 'QueueClosed' }]);
});

t.test('a flood of jobs that fit nowhere: why-pending writes stay bounded in memory, and every job is explained in the end', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  await h.addMember('a', { nodes: nodes(2) });
  const limit = 5;
  const gw = await h.startGateway({ explainBacklogLimit: limit });
  await waitFor('leadership', () => gw.isLeader());
  await waitFor('the member with nodes', () => gw.leader!.state.snap.snapshot().nodes.length === 2);

  let most = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      most = Math.max(most, gw.leader?.ctx.statusWriter.backlog ?? 0);
      await sleep(2);
    }
  })();
  const names = Array.from({ length: 40 }, (_, i) => `huge-${i}`);
  for (const name of names) await h.submit(gang({ name, pods: 2, cpu: '64' }));
  const unexplained = async () => {
    let n = 0;
    for (const name of names) {
      const j = await h.store.getJob('default', name);
      if (!j?.status?.conditions?.some((c) => c.type === 'Unschedulable')) n++;
    }
    return n;
  };
  await waitFor('every job explained', async () => ((await unexplained()) === 0 ? true : undefined), 20_000);
  watching = false;
  await watcher;
  t.ok(most <= limit, `status writes waiting never exceeded the limit (most ${most})`);
  t.ok(most > 0, 'the writer had work queued');
});

t.test('a cycle that waited for earlier placements to be written does not hold the next cycle back for half that wait', async (t) => {
  // Dispatch takes 600 ms per batch. Cycle 1 places A; cycle 2 places B and, with A's batch still
  // being sent, waits for both batches (about 1.2 s). The pause before the next cycle is half of a
  // cycle's own work: were the wait counted as work, C (submitted meanwhile) would follow about
  // 600 ms after B's batch is sent; it follows within a cycle interval or two.
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  await h.addMember('a', { nodes: nodes(4) });
  const sends: Array<{ names: string[]; start: number; end: number }> = [];
  const gw = await h.startGateway({
    periodMs: 5000,
    dispatcher: {
      async send(messages) {
        const start = performance.now();
        await sleep(600);
        sends.push({ names: messages.map((m) => m.name), start, end: performance.now() });
      },
      async close() {},
    },
  });
  await waitFor('leadership', () => gw.isLeader());
  await waitFor('the member with nodes', () => gw.leader!.state.snap.snapshot().nodes.length === 4);
  await h.submit(gang({ name: 'a-job' }));
  await waitFor('A placed', () => gw.leader!.state.jobs.get('default/a-job')?.stage === 'placed');
  await h.submit(gang({ name: 'b-job' }));
  await waitFor('B placed', () => gw.leader!.state.jobs.get('default/b-job')?.stage === 'placed');
  await sleep(100);
  await h.submit(gang({ name: 'c-job' }));
  const sentC = await waitFor('C sent', () => sends.find((s) => s.names.includes('c-job')), 10_000);
  const sentB = sends.find((s) => s.names.includes('b-job'));
  t.ok(sentB, 'B was sent');
  t.same(sends.map((s) => s.names), [['a-job'], ['b-job'], ['c-job']], 'one batch per cycle, in order');
  const gap = sentC.start - (sentB?.end ?? 0);
  t.ok(gap < 300, `C's batch starts ${gap.toFixed(0)} ms after B's was sent (under 300 ms; the wait counted as work would make it about 600)`);
});
