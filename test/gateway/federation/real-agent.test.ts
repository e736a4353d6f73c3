import t from 'tap';
import { Queue } from 'bullmq';
import { dispatchQueueName } from '../../../shared/messages/index.js';
import { CALDERA_CLUSTER_ANNOTATION, CALDERA_EPOCH_ANNOTATION } from '../../../shared/api/well-known.js';
import { startAgent, type AgentHandle } from '../../../member-agent/agent.js';
import { startSimCluster, type SimCluster } from '../../../member-agent/sim/sim-cluster.js';
import { useRedis } from '../../support/redis.js';
import { gang, harness, waitFor } from './federation-harness.js';

t.test('end to end with the real agent on simulated clusters: the gateway places a gang on the one cluster it fits, the agent runs it, its status comes back', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  const sims: SimCluster[] = [];
  const agents: AgentHandle[] = [];
  t.teardown(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    for (const s of sims) await s.stop().catch(() => undefined);
    await h.stop();
  });
  // small: two 4-cpu nodes; big: two 16-cpu nodes
  for (const [name, nodes] of [['small', '2x{cpu: 4, memory: 16Gi}'], ['big', '2x{cpu: 16, memory: 64Gi}']] as const) {
    const sim = await startSimCluster({ name, nodes, clock: { speed: 20 } });
    sims.push(sim);
    agents.push(await startAgent({
      cluster: name, kubeConfig: sim.kubeconfig.config, redisUrl: r.url, bullPrefix: h.queuePrefix,
      leaderElection: false, schedulePeriodMs: 100, reporter: { heartbeatEveryMs: 100, deltaEveryMs: 50 },
    }));
  }
  const gw = await h.startGateway();
  await waitFor('both members and their nodes', () => gw.leader?.state.members.get('big')?.nodes.size === 2 && gw.leader?.state.members.get('small')?.nodes.size === 2, 15_000);

  // 4 pods × 3 cpu: only "big" (2 × 16 cpu) holds the gang; "small" has one 3-cpu slot per node
  const job = await h.submit(gang({ name: 'e2e', pods: 4, cpu: '3' }));
  const running = await waitFor('the job Running, as the agent reports it', async () => {
    const j = await h.store.getJob('default', 'e2e');
    return j?.status?.state?.phase === 'Running' ? j : undefined;
  }, 30_000);
  t.equal(running.metadata.annotations?.[CALDERA_CLUSTER_ANNOTATION], 'big', 'placed on the cluster where the whole gang fits');
  t.equal(running.metadata.annotations?.[CALDERA_EPOCH_ANNOTATION], '1');
  t.equal(running.status?.running, 4, 'pod counts mirrored from the member');
  const p = await waitFor('the placement accepted and its reservation released', async () => {
    const pl = await h.store.getPlacement(job.metadata.uid!);
    const res = await h.store.listReservations();
    return pl?.state === 'Accepted' && !res.some((x) => x.uid === job.metadata.uid) ? pl : undefined;
  }, 15_000);
  t.match(p, { cluster: 'big', epoch: 1 });
  t.equal(gw.leader?.state.jobs.get('default/e2e')?.reserved, false, 'the leader counts the bound pods through the node reports now');
});

t.test('with the real agent: gangs placed in one cycle reach the member as one batch and all run', async (t) => {
  const r = await useRedis(t);
  const h = await harness(r);
  const sim = await startSimCluster({ name: 'big', nodes: '2x{cpu: 16, memory: 64Gi}', clock: { speed: 20 } });
  const agent = await startAgent({
    cluster: 'big', kubeConfig: sim.kubeconfig.config, redisUrl: r.url, bullPrefix: h.queuePrefix,
    leaderElection: false, schedulePeriodMs: 100, reporter: { heartbeatEveryMs: 100, deltaEveryMs: 50 },
  });
  const queue = new Queue(dispatchQueueName('big'), { connection: r.connect(), prefix: h.queuePrefix });
  t.teardown(async () => {
    await queue.close();
    await agent.stop().catch(() => undefined);
    await sim.stop().catch(() => undefined);
    await h.stop();
  });
  // submitted before any gateway leads: the first cycle finds all five waiting
  const names = ['b1', 'b2', 'b3', 'b4', 'b5'];
  for (const name of names) await h.submit(gang({ name, pods: 2, cpu: '1' }));
  const gw = await h.startGateway();
  await waitFor('the member and its nodes', () => gw.leader?.state.members.get('big')?.nodes.size === 2, 15_000);
  for (const name of names) {
    await waitFor(`${name} Running, as the agent reports it`, async () => (await h.store.getJob('default', name))?.status?.state?.phase === 'Running', 30_000);
  }
  t.pass('every gang of the batch runs on the member');
  const entries = await queue.getJobs(['completed', 'waiting', 'active', 'failed']);
  const batch = entries.find((e) => e.name === 'batch');
  t.ok(batch, 'the placements travelled as a batch');
  t.same((batch?.data as { messages: Array<{ name: string }> }).messages.map((m) => m.name).sort(), names, 'one batch carried all five');
  t.equal(entries.filter((e) => e.name === 'placement').length, 0, 'no placement went alone');
});
