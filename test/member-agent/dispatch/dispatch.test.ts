/**
 * The gateway ↔ agent protocol over real Redis (BullMQ dispatch queues, the report stream) with the simulated cluster:
 * idempotent placements keyed by uid and epoch, rejects with reasons, commands, deletion of
 * superseded epochs, the reports the gateway reads, and an agent restarted in the middle of a run.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { Job } from '../../../shared/api/job.js';
import { parseReportMessage, REPORT_FIELD, reportStreamKey, type ReportMessage } from '../../../shared/messages/index.js';
import { VC_JOB } from '../../../member-agent/kube/kube-kinds.js';
import type { KubeObject } from '../../../member-agent/kube/kube-client.js';
import {
  createJob,
  dispatcher,
  eventually,
  placementOf,
  podsOf,
  useSimAgent,
  waitPhase,
  type SimAgent,
} from '../support/agent-harness.js';

function job(name: string, opts: { replicas?: number; duration?: string; queue?: string } = {}): Job {
  const replicas = opts.replicas ?? 2;
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: 'team-a', uid: randomUUID() },
    spec: {
      schedulerName: 'volcano',
      queue: opts.queue ?? 'default',
      minAvailable: replicas,
      maxRetry: 3,
      tasks: [
        {
          name: 'w',
          replicas,
          minAvailable: replicas,
          template: {
            metadata: { annotations: { 'sim.caldera.dev/duration': opts.duration ?? '3s' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1' } } }] },
          },
        },
      ],
    },
  };
}

/** Collects what arrives on the real report stream, in order, validating each message. */
function reportReader(t: Parameters<typeof useSimAgent>[0], h: SimAgent): { messages: ReportMessage[]; invalid: string[] } {
  const out = { messages: [] as ReportMessage[], invalid: [] as string[] };
  const reader = h.redis.connect();
  let stopped = false;
  const loop = (async () => {
    let last = '0-0';
    while (!stopped) {
      const res = (await reader.xread('COUNT', 100, 'BLOCK', 100, 'STREAMS', reportStreamKey(h.bullPrefix), last).catch(() => null)) as
        | Array<[string, Array<[string, string[]]>]>
        | null;
      for (const [id, fields] of res?.[0]?.[1] ?? []) {
        last = id;
        const r = parseReportMessage(JSON.parse(fields[fields.indexOf(REPORT_FIELD) + 1] ?? 'null'));
        if (r.ok) out.messages.push(r.message);
        else out.invalid.push(r.error);
      }
    }
  })();
  t.teardown(async () => { stopped = true; await loop; reader.disconnect(); });
  return out;
}

const results = (h: SimAgent, uid: string) =>
  h.reports.flatMap((r) => (r.type === 'placement-result' && r.uid === uid ? [`${r.epoch}:${r.result}${r.reason ? `:${r.reason}` : ''}`] : []));

t.test('the same placement delivered twice creates one job and is accepted both times', async (t) => {
  const h = await useSimAgent(t);
  const send = dispatcher(t, h);
  const j = job('twice');
  await send(placementOf(j));
  await send(placementOf(j));
  await eventually(() => results(h, j.metadata.uid!).length === 2, 'two placement results');
  t.same(results(h, j.metadata.uid!), ['1:accepted', '1:accepted']);
  const member = await waitPhase(h.agent, 'team-a', 'twice', 'Completed');
  t.equal(member.metadata.annotations?.['caldera.dev/uid'], j.metadata.uid);
  t.equal(member.metadata.annotations?.['caldera.dev/epoch'], '1');
  t.equal(podsOf(h.agent, 'team-a', 'twice').length, 2, 'one set of pods');
  t.equal(h.agent.caches.jobs.list().filter((x) => x.metadata.name === 'twice').length, 1);
});

t.test('epochs: a newer placement replaces the older job, a late older one is rejected as superseded', async (t) => {
  const h = await useSimAgent(t);
  const send = dispatcher(t, h);
  const j = job('moved', { duration: 'forever' });
  await send(placementOf(j, { epoch: 1 }));
  const first = await waitPhase(h.agent, 'team-a', 'moved', 'Running');
  await send(placementOf(j, { epoch: 2, attempt: 2 }));
  const second = await eventually(() => {
    const x = h.agent.caches.jobs.get('team-a', 'moved');
    return x?.metadata.annotations?.['caldera.dev/epoch'] === '2' ? x : undefined;
  }, 'the epoch-2 job');
  t.not(second.metadata.uid, first.metadata.uid, 'a new member job');
  await send(placementOf(j, { epoch: 1 }));
  await eventually(() => results(h, j.metadata.uid!).length === 3, 'three results');
  t.same(results(h, j.metadata.uid!), ['1:accepted', '2:accepted', '1:rejected:Superseded']);
  await waitPhase(h.agent, 'team-a', 'moved', 'Running');
  t.ok(podsOf(h.agent, 'team-a', 'moved').every((p) => p.metadata.ownerReferences?.[0]?.uid === second.metadata.uid), 'only the new job\u2019s pods remain');
});

t.test('delete-superseded removes the older epoch; a foreign job of the same name is a NameConflict', async (t) => {
  const h = await useSimAgent(t);
  const send = dispatcher(t, h);
  const j = job('old');
  await send(placementOf(j, { epoch: 3 }));
  await waitPhase(h.agent, 'team-a', 'old', 'Running');
  await send({ type: 'delete-superseded', v: 1, cluster: 'm1', uid: j.metadata.uid!, namespace: 'team-a', name: 'old', olderThanEpoch: 3 });
  await new Promise((r) => setTimeout(r, 300));
  t.ok(h.agent.caches.jobs.get('team-a', 'old'), 'the current epoch is kept');
  await send({ type: 'delete-superseded', v: 1, cluster: 'm1', uid: j.metadata.uid!, namespace: 'team-a', name: 'old', olderThanEpoch: 4 });
  await eventually(() => !h.agent.caches.jobs.get('team-a', 'old'), 'the superseded job to go');

  const mine: Job = { ...job('taken'), metadata: { name: 'taken', namespace: 'team-a' } };
  await createJob(h.agent, mine);
  const theirs = job('taken');
  await send(placementOf(theirs));
  await eventually(() => results(h, theirs.metadata.uid!).length === 1, 'a result');
  t.same(results(h, theirs.metadata.uid!), ['1:rejected:NameConflict']);
});

t.test('a placement into a closed queue is rejected with QueueClosed; a missing queue is mirrored', async (t) => {
  const h = await useSimAgent(t);
  const send = dispatcher(t, h);
  const open = job('mirrored', { queue: 'research' });
  await send(placementOf(open));
  await waitPhase(h.agent, 'team-a', 'mirrored', 'Completed');
  t.ok(h.agent.caches.queues.get(undefined, 'research'), 'queue research was created in the member');
  h.agent.duties()!.queues.command('research', 'CloseQueue');
  await eventually(() => h.agent.caches.queues.get(undefined, 'research')?.status?.state === 'Closed', 'research to close');
  const late = job('late', { queue: 'research' });
  await send(placementOf(late));
  await eventually(() => results(h, late.metadata.uid!).length === 1, 'a result');
  t.same(results(h, late.metadata.uid!), ['1:rejected:QueueClosed']);
});

t.test('commands: abort and resume act on the placed epoch, other epochs are ignored, delete removes the job', async (t) => {
  const h = await useSimAgent(t);
  const send = dispatcher(t, h);
  const j = job('cmd', { duration: 'forever' });
  const ref = { v: 1 as const, cluster: 'm1', uid: j.metadata.uid!, namespace: 'team-a', name: 'cmd' };
  await send(placementOf(j, { epoch: 5 }));
  await waitPhase(h.agent, 'team-a', 'cmd', 'Running');
  await send({ type: 'command', ...ref, epoch: 4, action: 'abort' });
  await new Promise((r) => setTimeout(r, 300));
  t.equal(h.agent.caches.jobs.get('team-a', 'cmd')?.status?.state?.phase, 'Running', 'a command for another epoch changes nothing');
  await send({ type: 'command', ...ref, epoch: 5, action: 'abort', reason: 'user asked' });
  await waitPhase(h.agent, 'team-a', 'cmd', 'Aborted');
  await send({ type: 'command', ...ref, epoch: 5, action: 'resume' });
  await waitPhase(h.agent, 'team-a', 'cmd', 'Running');
  await send({ type: 'command', ...ref, epoch: 5, action: 'delete' });
  await eventually(() => !h.agent.caches.jobs.get('team-a', 'cmd'), 'the job to be deleted');
  await eventually(() => podsOf(h.agent, 'team-a', 'cmd').length === 0, 'its pods to be collected');
  t.pass();
});

t.test('reports on the real stream: full inventory, heartbeats, epoch-tagged job status, node deltas', async (t) => {
  const h = await useSimAgent(t, { realReports: true });
  const reports = reportReader(t, h);
  const send = dispatcher(t, h);
  await eventually(() => reports.messages.some((m) => m.type === 'heartbeat'), 'a heartbeat');
  const full = reports.messages.find((m) => m.type === 'nodes-full');
  t.equal(full?.type === 'nodes-full' ? full.nodes.length : 0, 4);
  t.match(full?.type === 'nodes-full' ? full.nodes[0] : undefined, { allocatable: { cpu: '8' }, ready: true, unschedulable: false });
  const j = job('reported', { duration: '20s' });
  await send(placementOf(j, { epoch: 7 }));
  await waitPhase(h.agent, 'team-a', 'reported', 'Completed');
  const statuses = await eventually(() => {
    const s = reports.messages.flatMap((m) => (m.type === 'job-status' && m.uid === j.metadata.uid ? [m] : []));
    return s.some((m) => m.phase === 'Completed') ? s : undefined;
  }, 'a Completed job-status report');
  t.ok(statuses.every((s) => s.epoch === 7), 'every status carries the placement epoch');
  const last = statuses.at(-1)!;
  t.equal(last.phase, 'Completed');
  t.same(last.conditions.map((c) => c.status), ['Pending', 'Running', 'Completed'], 'the phase history travels in conditions');
  t.same(last.counts, { pending: 0, running: 0, succeeded: 2, failed: 0, terminating: 0, unknown: 0 });
  const boundAt = statuses.findIndex((s) => (s.bound ?? 0) === 2);
  t.ok(boundAt >= 0, 'a report shows the gang bound');
  const firstBound = reports.messages.indexOf(statuses[boundAt]!);
  const deltaBefore = reports.messages.slice(0, firstBound).some((m) => m.type === 'nodes-delta' && m.upserts.some((n) => n.podCount && n.podCount > 0));
  t.ok(deltaBefore, 'node deltas counting the pods went out before the status that reports them bound');
  t.same(reports.invalid, [], 'every report passes the message schema');
  const seqs = reports.messages.flatMap((m) => ('seq' in m ? [m.seq] : []));
  t.same(seqs, [...seqs].sort((a, b) => a - b), 'seq grows');
});

t.test('an agent restarted mid-run recovers from the cluster: no duplicate pods, the job completes', async (t) => {
  const h = await useSimAgent(t);
  const send = dispatcher(t, h);
  const j = job('survivor', { replicas: 3, duration: '6s' });
  await send(placementOf(j));
  await waitPhase(h.agent, 'team-a', 'survivor', 'Running');
  const before = podsOf(h.agent, 'team-a', 'survivor').map((p) => p.metadata.uid).sort();
  await h.agent.stop();
  const created: string[] = [];
  const second = await h.startAgent();
  second.caches.pods.on((ev) => {
    if (ev.type === 'added') created.push(ev.obj.metadata.name ?? '');
  });
  await send(placementOf(j));
  const done = await waitPhase(second, 'team-a', 'survivor', 'Completed', 20_000);
  t.same(podsOf(second, 'team-a', 'survivor').map((p) => p.metadata.uid).sort(), before, 'the same three pods, none re-created');
  t.same(created, [], 'the new agent created no pod');
  t.equal(done.status?.succeeded, 3);
  t.equal(done.status?.retryCount, 0);
  const members = await second.client.list<KubeObject>(VC_JOB, { namespace: 'team-a' });
  t.equal(members.items.length, 1, 'the re-sent placement did not create a second job');
});
