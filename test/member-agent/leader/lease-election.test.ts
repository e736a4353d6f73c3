/**
 * Leader election over a coordination.k8s.io Lease on the simulated API server: one replica leads,
 * a write with a stale resourceVersion gets 409 Conflict and leaves the writer a follower, a leader
 * that stops hands over, and only the leading agent runs the controllers and the scheduler.
 */
import t from 'tap';
import { LeaderElector, type Lease, type LeaseApi } from '../../../member-agent/leader/lease-election.js';
import { KubeAgentWriter } from '../../../member-agent/kube/kube-agent-writer.js';
import { KubeClient } from '../../../member-agent/kube/kube-client.js';
import { statusCodeOf } from '../../../member-agent/kube/kube-errors.js';
import { startSimCluster } from '../../../member-agent/sim/sim-cluster.js';
import { createJob, eventually, useSimAgent, waitPhase } from '../support/agent-harness.js';

const FAST = { leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 100 };

t.test('two replicas: one leads; a stale write gets 409 and stays follower; stopping hands over', async (t) => {
  const sim = await startSimCluster({ name: 'le', nodes: '1x{cpu: 1}' });
  t.teardown(() => sim.stop());
  const api = new KubeAgentWriter(new KubeClient(sim.kubeconfig.config));
  const conflicts: number[] = [];
  // B reads the lease, then (before B writes) someone else renews it: B's write carries a stale version.
  let meddle = true;
  const racing: LeaseApi = {
    getLease: (ns, name) => api.getLease(ns, name),
    createLease: (l) => api.createLease(l),
    async replaceLease(l: Lease) {
      if (meddle) {
        meddle = false;
        const live = await api.getLease(l.metadata.namespace!, l.metadata.name!);
        await api.replaceLease({ ...live!, spec: { ...live!.spec, renewTime: new Date().toISOString() } });
      }
      try {
        return await api.replaceLease(l);
      } catch (err) {
        conflicts.push(statusCodeOf(err) ?? 0);
        throw err;
      }
    },
  };
  const events: string[] = [];
  const a = new LeaderElector({ api, namespace: 'default', name: 'agents', identity: 'a', ...FAST, onStartedLeading: () => void events.push('a+'), onStoppedLeading: () => void events.push('a-') });
  a.start();
  await eventually(() => a.isLeader, 'a to lead');
  const b = new LeaderElector({ api: racing, namespace: 'default', name: 'agents', identity: 'b', ...FAST, onStartedLeading: () => void events.push('b+'), onStoppedLeading: () => void events.push('b-') });
  b.start();
  await new Promise((r) => setTimeout(r, 1500));
  t.ok(a.isLeader, 'a keeps leading while it renews');
  t.notOk(b.isLeader);

  // Make b race: free the lease behind a's back and let b try with a version that is about to change.
  await a.stop();
  t.same(events.slice(0, 2), ['a+', 'a-']);
  await eventually(() => b.isLeader, 'b to take over after a stepped down');
  t.ok(conflicts.includes(409), 'the stale write was refused with 409 Conflict and b retried');
  const lease = await api.getLease('default', 'agents');
  t.equal(lease?.spec?.holderIdentity, 'b');
  t.ok((lease?.spec?.leaseTransitions ?? 0) >= 0);
  await b.stop();
});

t.test('only the leading agent runs duties; when it stops, the other leads and finishes the work', async (t) => {
  const h = await useSimAgent(t, { agent: { leaderElection: { ...FAST, name: 'agent-m1' } } });
  await h.agent.leading();
  const other = await h.startAgent();
  await new Promise((r) => setTimeout(r, 500));
  t.ok(h.agent.isLeader());
  t.notOk(other.isLeader(), 'the second replica only watches');
  await createJob(h.agent, {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name: 'handover', namespace: 'default' },
    spec: {
      schedulerName: 'volcano',
      queue: 'default',
      minAvailable: 1,
      tasks: [{ name: 'w', replicas: 1, minAvailable: 1, template: { metadata: { annotations: { 'sim.caldera.dev/duration': '3s' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } }],
    },
  });
  await waitPhase(h.agent, 'default', 'handover', 'Running');
  await h.agent.stop();
  await other.leading();
  await waitPhase(other, 'default', 'handover', 'Completed');
  t.pass('the new leader completed the job');
});
