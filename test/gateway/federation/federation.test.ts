import t from 'tap';
import { buildApp } from '../../../gateway/app.js';
import { insecureAuthenticator } from '../../../gateway/auth/authenticator.js';
import { GATEWAY_SCHEDULER_CONF } from '../../../gateway/scheduler/gateway-profile.js';
import { FencedPlacementStore } from '../../../gateway/store/placement-store.js';
import type { Job } from '../../../shared/api/job.js';
import type { PlacementMessage } from '../../../shared/messages/index.js';
import { useRedis } from '../../support/redis.js';
import { gang, harness, nodes, queue, sleep, waitFor } from './federation-harness.js';

/** cpu (milli-cores) each queue holds on the leader, from its placed gangs. */
function cpuByQueue(h: { leader(): { leader?: { state: { queueUsage(): Map<string, { allocated: { get(n: string): number } }> } } } | undefined }): Record<string, number> {
  const usage = h.leader()?.leader?.state.queueUsage();
  const out: Record<string, number> = {};
  for (const [q, u] of usage ?? []) out[q] = u.allocated.get('cpu');
  return out;
}

t.test('two queues of weight 1 and 3 flooding three clusters get 25% and 75% of the federation', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  // 3 clusters × 4 nodes × 8 cpu = 96 cpu; gangs of 4 × 1 cpu
  for (const c of ['a', 'b', 'c']) await h.addMember(c, { nodes: nodes(4, { cpu: '8', memory: '64Gi' }) });
  await h.store.ensureQueue(queue('light', 1));
  await h.store.ensureQueue(queue('heavy', 3));
  await h.startGateway();
  let n = 0;
  const flood = async (q: string, count: number) => {
    for (let i = 0; i < count; i++) await h.submit(gang({ name: `${q}-${n++}`, queue: q, pods: 4, cpu: '1' }));
  };
  await Promise.all([flood('light', 40), flood('heavy', 40)]);
  await waitFor('the federation filled', () => {
    const u = cpuByQueue(h);
    return (u.light ?? 0) + (u.heavy ?? 0) >= 92_000;
  });
  // keep it flowing: each round one member finishes its oldest job and new ones arrive; the shares
  // are read once the scheduler has refilled what was freed
  const samples: Array<{ light: number; heavy: number }> = [];
  const members = [...h.members.values()];
  for (let i = 0; i < 12; i++) {
    const m = members[i % members.length]!;
    const uid = m.runningUids()[0];
    if (uid) await m.complete(uid);
    await flood('light', 1);
    await flood('heavy', 3);
    await waitFor('the freed room refilled', () => {
      const u = cpuByQueue(h);
      return (u.light ?? 0) + (u.heavy ?? 0) >= 92_000;
    });
    await sleep(50);
    const u = cpuByQueue(h);
    const total = (u.light ?? 0) + (u.heavy ?? 0);
    samples.push({ light: (u.light ?? 0) / total, heavy: (u.heavy ?? 0) / total });
  }
  const completed = [...h.members.values()].reduce((k, m) => k + [...m.jobs.values()].filter((j) => j.phase === 'Completed').length, 0);
  t.ok(completed >= 10, `jobs kept finishing and new ones started (${completed} completed)`);
  const avg = (k: 'light' | 'heavy') => samples.reduce((s, x) => s + x[k], 0) / samples.length;
  t.ok(Math.abs(avg('light') - 0.25) <= 0.05, `light holds ${(avg('light') * 100).toFixed(1)}% (25 ± 5)`);
  t.ok(Math.abs(avg('heavy') - 0.75) <= 0.05, `heavy holds ${(avg('heavy') * 100).toFixed(1)}% (75 ± 5)`);
  for (const s of samples) t.ok(Math.abs(s.light - 0.25) <= 0.07, `every sample close to 25%: ${(s.light * 100).toFixed(1)}%`);
});

t.test('two gateways on one Redis: only the leader schedules, the other takes over within the lease time, no job is placed twice', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  for (const c of ['a', 'b']) await h.addMember(c, { nodes: nodes(4, { cpu: '8' }) });
  const g0 = await h.startGateway();
  const g1 = await h.startGateway();
  await waitFor('a leader', () => h.leader());
  t.ok(g0.isLeader(), 'the first replica leads');
  t.notOk(g1.isLeader());
  t.equal(g1.leader, undefined, 'the other replica holds no scheduler state');
  for (let i = 0; i < 10; i++) await h.submit(gang({ name: `before-${i}`, pods: 2, cpu: '1' }));
  await waitFor('the first jobs placed', () => [...h.members.values()].reduce((k, m) => k + m.jobs.size, 0) === 10);
  // jobs submitted right before the crash, some possibly placed but not yet acknowledged
  for (let i = 0; i < 10; i++) await h.submit(gang({ name: `during-${i}`, pods: 2, cpu: '1' }));
  const oldToken = g0.lease.leadership()!.token;
  const crashAt = Date.now();
  await g0.stop({ release: false });
  await waitFor('g1 leads', () => g1.isLeader(), 3000);
  const took = Date.now() - crashAt;
  t.ok(took <= 600 + 250, `g1 took over ${took} ms after the crash (lease 600 ms)`);
  for (let i = 0; i < 10; i++) await h.submit(gang({ name: `after-${i}`, pods: 2, cpu: '1' }));
  await waitFor('all 30 jobs running', () => [...h.members.values()].reduce((k, m) => k + m.runningUids().length, 0) === 30);
  const all: PlacementMessage[] = [...h.members.values()].flatMap((m) => m.received);
  const placements = new Map<string, Set<string>>();
  for (const p of all) {
    let s = placements.get(p.uid);
    if (!s) placements.set(p.uid, (s = new Set()));
    s.add(`${p.cluster}@${p.epoch}`);
  }
  t.equal(placements.size, 30);
  t.ok([...placements.values()].every((s) => s.size === 1), 'every job has exactly one placement (cluster, epoch) across both reigns');
  // a deposed leader that wakes up late writes nothing
  const fenced = new FencedPlacementStore(h.store);
  const job = (await h.store.getJob('default', 'after-0'))!;
  const [res] = await fenced.setPlacements([{ placement: {
    uid: job.metadata.uid!, namespace: 'default', name: 'after-0', queue: 'default', cluster: 'a', epoch: 99, attempt: 99,
    state: 'Placed', placedAt: new Date().toISOString(),
  } }], oldToken);
  t.same(res, { ok: false, reason: 'Fenced' }, 'the old leader\'s token is fenced off');
  t.equal((await h.store.getPlacement(job.metadata.uid!))?.epoch, 1);
});

t.test('a silent member goes NotReady, then Lost; its gangs run elsewhere; when it returns its superseded copies are deleted; no job runs in two clusters', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  const a = await h.addMember('a', { nodes: nodes(2, { cpu: '8' }) });
  const b = await h.addMember('b', { nodes: nodes(2, { cpu: '8' }) });
  const gw = await h.startGateway();
  await waitFor('members ready', () => gw.leader?.state.members.get('b')?.readiness === 'Ready' && gw.leader?.state.members.get('a')?.readiness === 'Ready');
  const jobs: Job[] = [];
  for (let i = 0; i < 4; i++) jobs.push(await h.submit(gang({ name: `j${i}`, pods: 2, cpu: '2', annotations: i < 2 ? { 'caldera.dev/clusters': 'a' } : {} })));
  await waitFor('all running', () => a.runningUids().length + b.runningUids().length === 4);
  const onA = a.runningUids();
  t.ok(onA.length >= 2, `${onA.length} gangs on a`);

  // watch the invariant all along: a job runs in at most one live cluster
  let violations = 0;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const seen = new Map<string, number>();
      for (const m of [a, b]) if (m.running) for (const uid of m.runningUids()) seen.set(uid, (seen.get(uid) ?? 0) + 1);
      if ([...seen.values()].some((k) => k > 1)) violations++;
      await sleep(2);
    }
  })();

  await a.stop();
  const stoppedAt = Date.now();
  await waitFor('a NotReady', () => gw.leader?.state.members.get('a')?.readiness === 'NotReady');
  const notReadyAfter = Date.now() - stoppedAt;
  t.ok(notReadyAfter >= 250, `NotReady after ${notReadyAfter} ms of silence (timeout 300 ms)`);
  t.equal(b.runningUids().filter((u) => onA.includes(u)).length, 0, 'NotReady alone moves nothing');
  await waitFor('a Lost', () => gw.leader?.state.members.get('a')?.readiness === 'Lost');
  t.ok(Date.now() - stoppedAt >= 850, 'Lost only after the grace period (900 ms)');
  // the unpinned ones of a run on b now; the ones pinned to a wait for it
  const unpinnedOnA = onA.filter((u) => !jobs.slice(0, 2).some((j) => j.metadata.uid === u));
  await waitFor('a\'s unpinned gangs run on b', () => unpinnedOnA.every((u) => b.runningUids().includes(u)));
  for (const u of unpinnedOnA) t.equal(b.jobs.get(u)!.epoch, 2, 'placed again with a new epoch');

  await a.start();
  await waitFor('a Ready again', () => gw.leader?.state.members.get('a')?.readiness === 'Ready');
  await waitFor('a deleted its superseded copies', () => unpinnedOnA.every((u) => !a.jobs.has(u)));
  // the pinned gangs come back to a with a new epoch
  await waitFor('pinned gangs run on a again', () => jobs.slice(0, 2).every((j) => a.jobs.get(j.metadata.uid!)?.epoch === 2 && a.jobs.get(j.metadata.uid!)?.phase === 'Running'));
  watching = false;
  await watch;
  t.equal(violations, 0, 'no job ever ran in two live clusters');
  const supersededMsgs = a.messages.filter((m) => m.type === 'delete-superseded');
  t.ok(supersededMsgs.length >= onA.length, 'a was told to delete every superseded copy');
  const job0 = await waitFor('the requeue on the job', async () => {
    const j = await h.store.getJob('default', 'j0');
    return j?.status?.conditions?.some((c) => c.type === 'Requeued') ? j : undefined;
  });
  t.match(job0.status?.conditions?.find((c) => c.type === 'Requeued'), { reason: 'MemberLost', message: /cluster a sent no report/ });
});

t.test('global reclaim evicts whole gangs of a queue above its share, lowest priority first, so a queue below it gets its due', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r, { priorityClasses: { low: 10, high: 100 }, reclaim: { maxGangs: 4, intervalMs: 1000, cooldownMs: 300 } });
  t.teardown(() => h.stop());
  for (const c of ['a', 'b']) await h.addMember(c, { nodes: nodes(2, { cpu: '4' }) });
  await h.store.ensureQueue(queue('first', 1));
  await h.store.ensureQueue(queue('second', 1));
  await h.startGateway();
  // first fills the federation (16 cpu) with 4 gangs of 2 × 2 cpu: two high, two low priority
  const firsts: Job[] = [];
  for (let i = 0; i < 4; i++) {
    firsts.push(await h.submit(gang({ name: `first-${i}`, queue: 'first', pods: 2, cpu: '2', priorityClassName: i % 2 === 0 ? 'high' : 'low' })));
  }
  await waitFor('first holds everything', () => (cpuByQueue(h).first ?? 0) === 16_000);
  const seconds: Job[] = [];
  for (let i = 0; i < 2; i++) seconds.push(await h.submit(gang({ name: `second-${i}`, queue: 'second', pods: 2, cpu: '2' })));
  await waitFor('second gets its deserved half', () => (cpuByQueue(h).second ?? 0) === 8_000, 15_000);
  const runningNow = () => new Set([...h.members.values()].flatMap((m) => m.runningUids()));
  await waitFor('both second gangs running', () => seconds.every((s) => runningNow().has(s.metadata.uid!)));
  const running = runningNow();
  for (const s of seconds) t.ok(running.has(s.metadata.uid!), `${s.metadata.name} runs`);
  const evicted = firsts.filter((f) => !running.has(f.metadata.uid!));
  t.same(evicted.map((f) => f.metadata.name).sort(), ['first-1', 'first-3'], 'the two low-priority gangs were evicted, whole');
  for (const f of evicted) {
    const j = await waitFor('requeued', async () => {
      const x = await h.store.getJob('default', f.metadata.name!);
      return x?.status?.conditions?.some((c) => c.type === 'Requeued') ? x : undefined;
    });
    t.match(j.status?.conditions?.find((c) => c.type === 'Requeued'), { reason: 'Reclaimed' });
  }
  await sleep(300);
  t.equal(cpuByQueue(h).first, 8_000, 'first keeps its deserved half and is not squeezed below it');
});

t.test('hierarchical queues across the federation: a child queue is held to its parent\'s capability summed over all clusters, and jobs go only to leaf queues', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  t.teardown(() => h.stop());
  // 3 clusters × 4 nodes × 8 cpu = 96 cpu; gangs of 4 × 1 cpu
  for (const c of ['a', 'b', 'c']) await h.addMember(c, { nodes: nodes(4, { cpu: '8', memory: '64Gi' }) });
  // eng may hold 40 cpu of the federation, however the clusters are filled; team is its only child
  await h.store.ensureQueue(queue('eng', 1, { parent: 'root', capability: { cpu: '40' } }));
  await h.store.ensureQueue(queue('team', 1, { parent: 'eng' }));
  await h.store.ensureQueue(queue('other', 1));
  // the gateway profile with capacity (hierarchical) in place of proportion
  const schedulerConfig = GATEWAY_SCHEDULER_CONF.replace('  - name: proportion\n', '  - name: capacity\n    enableHierarchy: true\n');
  const gw = await h.startGateway({ schedulerConfig });
  await waitFor('leadership', () => gw.isLeader());
  await waitFor('three members with nodes', () => gw.leader!.state.snap.snapshot().nodes.length === 12);
  for (let i = 0; i < 20; i++) await h.submit(gang({ name: `team-${i}`, queue: 'team', pods: 4, cpu: '1' }));
  await waitFor('team stopped at its parent\'s capability', () => (cpuByQueue(h).team ?? 0) >= 40_000);
  for (let i = 0; i < 20; i++) await h.submit(gang({ name: `other-${i}`, queue: 'other', pods: 4, cpu: '1' }));
  await waitFor('the rest of the federation filled by other', () => (cpuByQueue(h).other ?? 0) >= 56_000);
  await sleep(300);
  const u = cpuByQueue(h);
  t.equal(u.team, 40_000, 'team holds exactly eng\'s 40 cpu');
  t.equal(u.other, 56_000, 'other took the rest');
  const clusters = new Set([...h.members.values()].filter((m) => [...m.jobs.values()].some((j) => j.name.startsWith('team-'))).map((m) => m.cluster));
  t.ok(clusters.size >= 2, `team's gangs run in ${clusters.size} clusters, and the cap holds over all of them`);
  const team = await h.store.getJob('default', 'team-19');
  t.notOk(team?.status?.conditions?.some((c) => c.type === 'Placed'), 'a gang over the parent\'s capability stays pending');

  // the API takes jobs only into leaf queues
  const app = buildApp({ store: h.store, auth: insecureAuthenticator() });
  t.teardown(() => app.close());
  const body = { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', metadata: { name: 'inner' }, spec: { queue: 'eng', minAvailable: 1, tasks: [{ name: 'w', replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } }] } };
  const res = await app.inject({ method: 'POST', url: '/apis/batch.volcano.sh/v1alpha1/namespaces/default/jobs', payload: body });
  t.equal(res.statusCode, 422, res.body);
  t.match(res.json().details.causes, [{ field: 'spec.queue' }]);
});
