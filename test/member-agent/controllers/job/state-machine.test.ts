/**
 * The job state machine, one test per row of Volcano's phase table: for each phase and action, the
 * next phase, the retry count, which pods are deleted, and whether the PodGroup goes too.
 */
import t from 'tap';
import type { JobAction } from '../../../../shared/api/job.js';
import type { JobEffect } from '../../../../member-agent/controllers/job/job-effects.js';
import { executeAction } from '../../../../member-agent/controllers/job/phase-registry.js';
import { allPods, job, podGroupOf, podOf, viewOf } from '../../support/job-builders.js';

const deleted = (effects: JobEffect[]) =>
  effects.flatMap((e) => (e.kind === 'deletePod' ? [e.name] : [])).sort();
const created = (effects: JobEffect[]) =>
  effects.flatMap((e) => (e.kind === 'createPod' ? [e.pod.metadata.name!] : [])).sort();
const dropsPodGroup = (effects: JobEffect[]) => effects.some((e) => e.kind === 'deletePodGroup');

/** Three workers: w-0 Succeeded, w-1 Running, w-2 Pending. */
function mixed(phase: Parameters<ReturnType<typeof job>['phase']>[0], extra: { retryCount?: number; version?: number } = {}) {
  const j = job('mix').task('w', 3).maxRetry(3).phase(phase, extra).build();
  const pods = [podOf(j, 'w', 0, { phase: 'Succeeded' }), podOf(j, 'w', 1, { phase: 'Running' }), podOf(j, 'w', 2, { phase: 'Pending' })];
  return { j, pods };
}

t.test('Pending + RestartJob: every pod killed, PodGroup dropped, new version, Restarting with retryCount+1', async (t) => {
  const { j, pods } = mixed('Pending', { version: 2 });
  const out = executeAction(viewOf(j, pods), 'RestartJob');
  t.equal(out.nextPhase, 'Restarting');
  t.equal(out.status.retryCount, 1);
  t.same(deleted(out.effects), ['mix-w-0', 'mix-w-1', 'mix-w-2'], 'finished pods go too (retain None)');
  t.ok(dropsPodGroup(out.effects));
  t.equal(out.status.version, 3);
  t.equal(out.status.terminating, 3);
});

t.test('Pending + RestartTask / RestartPod / RestartPartition: only the target dies, PodGroup kept, Restarting', async (t) => {
  const j = job('tp').task('a', 2).task('b', 2, { partitionPolicy: { totalPartitions: 2, partitionSize: 1 } }).phase('Pending').build();
  const pods = [podOf(j, 'a', 0), podOf(j, 'a', 1), podOf(j, 'b', 0), podOf(j, 'b', 1)];
  const task = executeAction(viewOf(j, pods, { request: { taskName: 'a', podName: 'tp-a-1' } }), 'RestartTask');
  t.equal(task.nextPhase, 'Restarting');
  t.equal(task.status.retryCount, 1);
  t.same(deleted(task.effects), ['tp-a-0', 'tp-a-1']);
  t.notOk(dropsPodGroup(task.effects));
  t.equal(task.status.version, 0, 'a targeted kill keeps the pod generation');

  const pod = executeAction(viewOf(j, pods, { request: { taskName: 'a', podName: 'tp-a-1' } }), 'RestartPod');
  t.same(deleted(pod.effects), ['tp-a-1']);
  t.equal(pod.nextPhase, 'Restarting');

  const part = executeAction(viewOf(j, pods, { request: { taskName: 'b', podName: 'tp-b-1', partitionId: '1' } }), 'RestartPartition');
  t.same(deleted(part.effects), ['tp-b-1']);
  t.equal(part.status.retryCount, 1);
});

for (const [action, next] of [
  ['AbortJob', 'Aborting'],
  ['CompleteJob', 'Completing'],
  ['TerminateJob', 'Terminating'],
] as const) {
  t.test(`Pending + ${action}: unfinished pods killed, finished kept, ${next}`, async (t) => {
    const { j, pods } = mixed('Pending');
    const out = executeAction(viewOf(j, pods), action);
    t.equal(out.nextPhase, next);
    t.same(deleted(out.effects), ['mix-w-1', 'mix-w-2'], 'Succeeded pod retained (Soft)');
    t.equal(out.status.succeeded, 1);
    t.equal(out.status.retryCount, 0);
    t.ok(dropsPodGroup(out.effects));
  });
}

t.test('Pending + SyncJob: PodGroup first, pods only once it is Inqueue, Running at minAvailable', async (t) => {
  const j = job('sync').task('w', 2).build();
  const fresh = executeAction(viewOf(j, [], { podGroup: null }), 'SyncJob');
  t.equal(fresh.nextPhase, 'Pending', 'a new job is initialised to Pending');
  t.ok(fresh.effects.some((e) => e.kind === 'createPodGroup'));
  t.same(created(fresh.effects), [], 'no pods before the PodGroup exists');
  t.equal(fresh.status.conditions?.[0]?.status, 'Pending');

  const pending = executeAction(viewOf({ ...j, status: fresh.status }, [], { podGroup: podGroupOf(j, 'Pending') }), 'SyncJob');
  t.same(created(pending.effects), [], 'no pods while the PodGroup is Pending');

  const inqueue = executeAction(viewOf({ ...j, status: fresh.status }, [], { podGroup: podGroupOf(j, 'Inqueue') }), 'SyncJob');
  t.same(created(inqueue.effects), ['sync-w-0', 'sync-w-1']);
  t.equal(inqueue.status.pending, 2);
  t.equal(inqueue.nextPhase, 'Pending');

  const pj = job('sync').task('w', 2).phase('Pending').build();
  const running = executeAction(viewOf(pj, [podOf(pj, 'w', 0), podOf(pj, 'w', 1, { phase: 'Succeeded' })]), 'SyncJob');
  t.equal(running.nextPhase, 'Running', 'running + succeeded >= minAvailable');
  t.equal(running.status.conditions?.at(-1)?.status, 'Running');
  t.equal(running.status.state?.lastTransitionTime, '2026-01-01T00:01:00Z');
});

t.test('Running + RestartJob: every pod killed, PodGroup dropped, Restarting with retryCount+1', async (t) => {
  const j = job('r').task('w', 2).phase('Running', { retryCount: 0 }).build();
  const out = executeAction(viewOf(j, allPods(j)), 'RestartJob');
  t.equal(out.nextPhase, 'Restarting');
  t.equal(out.status.retryCount, 1);
  t.same(deleted(out.effects), ['r-w-0', 'r-w-1']);
  t.ok(dropsPodGroup(out.effects));
});

t.test('Running + RestartTask/Pod/Partition: target killed, PodGroup kept, Restarting', async (t) => {
  const j = job('rt').task('a', 1).task('b', 1).phase('Running').build();
  for (const action of ['RestartTask', 'RestartPod'] as JobAction[]) {
    const out = executeAction(viewOf(j, allPods(j), { request: { taskName: 'b', podName: 'rt-b-0' } }), action);
    t.equal(out.nextPhase, 'Restarting', action);
    t.same(deleted(out.effects), ['rt-b-0'], action);
    t.notOk(dropsPodGroup(out.effects), action);
    t.equal(out.status.retryCount, 1, action);
  }
});

for (const [action, next] of [
  ['AbortJob', 'Aborting'],
  ['TerminateJob', 'Terminating'],
  ['CompleteJob', 'Completing'],
] as const) {
  t.test(`Running + ${action}: unfinished pods killed, ${next}`, async (t) => {
    const { j, pods } = mixed('Running');
    const out = executeAction(viewOf(j, pods), action);
    t.equal(out.nextPhase, next);
    t.same(deleted(out.effects), ['mix-w-1', 'mix-w-2']);
  });
}

t.test('Running + SyncJob (a): a job with zero replicas does not change phase', async (t) => {
  const j = job('zero').task('w', 0).minAvailable(0).phase('Running').build();
  t.equal(executeAction(viewOf(j, []), 'SyncJob').nextPhase, 'Running');
});

t.test('Running + SyncJob (b): Completed as soon as minSuccess pods succeeded', async (t) => {
  const j = job('ms').task('w', 4).minAvailable(2).minSuccess(2).phase('Running').build();
  const pods = [podOf(j, 'w', 0, { phase: 'Succeeded' }), podOf(j, 'w', 1, { phase: 'Succeeded' }), podOf(j, 'w', 2), podOf(j, 'w', 3)];
  t.equal(executeAction(viewOf(j, pods), 'SyncJob').nextPhase, 'Completed');
  const one = [podOf(j, 'w', 0, { phase: 'Succeeded' }), podOf(j, 'w', 1), podOf(j, 'w', 2), podOf(j, 'w', 3)];
  t.equal(executeAction(viewOf(j, one), 'SyncJob').nextPhase, 'Running');
});

t.test('Running + SyncJob (c): when every replica finished, Completed or Failed by task minimums, minSuccess, minAvailable', async (t) => {
  const base = job('c').task('a', 2, { minAvailable: 1 }).task('b', 2, { minAvailable: 1 }).minAvailable(2).phase('Running').build();
  const ok = [
    podOf(base, 'a', 0, { phase: 'Succeeded' }),
    podOf(base, 'a', 1, { phase: 'Failed' }),
    podOf(base, 'b', 0, { phase: 'Succeeded' }),
    podOf(base, 'b', 1, { phase: 'Failed' }),
  ];
  t.equal(executeAction(viewOf(base, ok), 'SyncJob').nextPhase, 'Completed', 'each task met its minimum, 2 >= minAvailable');

  const taskShort = [
    podOf(base, 'a', 0, { phase: 'Succeeded' }),
    podOf(base, 'a', 1, { phase: 'Succeeded' }),
    podOf(base, 'b', 0, { phase: 'Failed' }),
    podOf(base, 'b', 1, { phase: 'Failed' }),
  ];
  t.equal(executeAction(viewOf(base, taskShort), 'SyncJob').nextPhase, 'Failed', 'task b has no success');

  const withMinSuccess = { ...base, spec: { ...base.spec, minSuccess: 3 } };
  t.equal(executeAction(viewOf(withMinSuccess, ok), 'SyncJob').nextPhase, 'Failed', '2 succeeded < minSuccess 3');

  const plain = job('p').task('w', 3).minAvailable(2).phase('Running').build();
  const one = [podOf(plain, 'w', 0, { phase: 'Succeeded' }), podOf(plain, 'w', 1, { phase: 'Failed' }), podOf(plain, 'w', 2, { phase: 'Failed' })];
  t.equal(executeAction(viewOf(plain, one), 'SyncJob').nextPhase, 'Failed', '1 succeeded < minAvailable 2');
});

t.test('Running + SyncJob (d): back to Pending when more pods are pending than the gang can spare', async (t) => {
  const j = job('d').task('w', 3).minAvailable(3).phase('Running').build();
  const pods = [podOf(j, 'w', 0), podOf(j, 'w', 1), podOf(j, 'w', 2, { phase: 'Pending' })];
  t.equal(executeAction(viewOf(j, pods), 'SyncJob').nextPhase, 'Pending');
  const spare = job('d2').task('w', 3).minAvailable(2).phase('Running').build();
  const pods2 = [podOf(spare, 'w', 0), podOf(spare, 'w', 1), podOf(spare, 'w', 2, { phase: 'Pending' })];
  t.equal(executeAction(viewOf(spare, pods2), 'SyncJob').nextPhase, 'Running', '1 pending <= 3 - 2');
});

t.test('Restarting + SyncJob: Failed once retryCount reaches maxRetry', async (t) => {
  const j = job('rf').task('w', 2).maxRetry(2).phase('Restarting', { retryCount: 2 }).build();
  t.equal(executeAction(viewOf(j, [], { podGroup: null }), 'SyncJob').nextPhase, 'Failed');
});

t.test('Restarting + SyncJob: Pending once enough replicas stopped terminating, else stays', async (t) => {
  const j = job('rp').task('w', 3).maxRetry(5).phase('Restarting', { retryCount: 1 }).build();
  t.equal(executeAction(viewOf(j, [], { podGroup: null }), 'SyncJob').nextPhase, 'Pending');
  const terminating = [podOf(j, 'w', 0, { deleting: true }), podOf(j, 'w', 1, { deleting: true })];
  const stay = executeAction(viewOf(j, terminating, { podGroup: null }), 'SyncJob');
  t.equal(stay.nextPhase, 'Restarting', '3 - 2 terminating < minAvailable 3');
  t.equal(stay.status.terminating, 2);
});

t.test('Restarting + RestartTask/Pod/Partition: only the target is killed, then check R', async (t) => {
  const j = job('rr').task('a', 1).task('b', 1).maxRetry(5).phase('Restarting', { retryCount: 1 }).build();
  const out = executeAction(viewOf(j, allPods(j), { request: { taskName: 'a', podName: 'rr-a-0' } }), 'RestartPod');
  t.same(deleted(out.effects), ['rr-a-0']);
  t.equal(out.status.retryCount, 1, 'no extra retry inside Restarting');
  t.equal(out.nextPhase, 'Restarting', '2 replicas - 1 terminating < 2');
  t.notOk(dropsPodGroup(out.effects));
});

t.test('Restarting + AbortJob / TerminateJob: swallowed, executed as KillJob(None) with check R', async (t) => {
  const j = job('rs').task('w', 2).maxRetry(5).phase('Restarting', { retryCount: 1 }).build();
  const pods = [podOf(j, 'w', 0, { phase: 'Succeeded' }), podOf(j, 'w', 1)];
  for (const action of ['AbortJob', 'TerminateJob'] as JobAction[]) {
    const out = executeAction(viewOf(j, pods), action);
    t.same(deleted(out.effects), ['rs-w-0', 'rs-w-1'], `${action}: finished pods go too`);
    t.equal(out.nextPhase, 'Restarting', `${action} does not leave Restarting`);
  }
});

t.test('Aborting + ResumeJob: Restarting with retryCount+1', async (t) => {
  const j = job('ar').task('w', 2).phase('Aborting').build();
  const out = executeAction(viewOf(j, [podOf(j, 'w', 0, { phase: 'Succeeded' })]), 'ResumeJob');
  t.equal(out.nextPhase, 'Restarting');
  t.equal(out.status.retryCount, 1);
  t.same(deleted(out.effects), []);
});

t.test('Aborting + other: Aborted once no pod is pending, running or terminating', async (t) => {
  const j = job('ab').task('w', 2).phase('Aborting').build();
  const busy = executeAction(viewOf(j, [podOf(j, 'w', 0, { deleting: true }), podOf(j, 'w', 1, { phase: 'Succeeded' })]), 'SyncJob');
  t.equal(busy.nextPhase, 'Aborting');
  const quiet = executeAction(viewOf(j, [podOf(j, 'w', 1, { phase: 'Succeeded' })]), 'SyncJob');
  t.equal(quiet.nextPhase, 'Aborted');
  t.equal(quiet.status.succeeded, 1);
});

t.test('Aborted + ResumeJob: Restarting with retryCount+1; other actions change nothing', async (t) => {
  const j = job('ad').task('w', 2).phase('Aborted', { retryCount: 1 }).build();
  const resume = executeAction(viewOf(j, []), 'ResumeJob');
  t.equal(resume.nextPhase, 'Restarting');
  t.equal(resume.status.retryCount, 2);
  const other = executeAction(viewOf(j, [podOf(j, 'w', 0)]), 'RestartJob');
  t.equal(other.nextPhase, 'Aborted');
  t.same(deleted(other.effects), ['ad-w-0'], 'Soft kill still sweeps unfinished pods');
});

t.test('Completing: Completed once no pod is pending, running or terminating', async (t) => {
  const j = job('cg').task('w', 2).phase('Completing').build();
  t.equal(executeAction(viewOf(j, [podOf(j, 'w', 0)]), 'SyncJob').nextPhase, 'Completing');
  t.equal(executeAction(viewOf(j, [podOf(j, 'w', 0, { phase: 'Succeeded' })]), 'SyncJob').nextPhase, 'Completed');
});

t.test('Terminating: Terminated once no pod is pending, running or terminating', async (t) => {
  const j = job('tg').task('w', 2).phase('Terminating').build();
  t.equal(executeAction(viewOf(j, [podOf(j, 'w', 0, { deleting: true })]), 'ResumeJob').nextPhase, 'Terminating');
  t.equal(executeAction(viewOf(j, []), 'ResumeJob').nextPhase, 'Terminated');
});

t.test('Completed / Failed / Terminated: terminal, any action only sweeps unfinished pods', async (t) => {
  for (const phase of ['Completed', 'Failed', 'Terminated'] as const) {
    const j = job('fin').task('w', 2).phase(phase).build();
    const out = executeAction(viewOf(j, [podOf(j, 'w', 0, { phase: 'Succeeded' }), podOf(j, 'w', 1)]), 'RestartJob');
    t.equal(out.nextPhase, phase, `${phase} stays`);
    t.equal(out.status.retryCount, 0, `${phase}: no retry`);
    t.same(deleted(out.effects), ['fin-w-1'], `${phase}: running pod swept, finished kept`);
  }
});

t.test('the last retry keeps finished pods even for RestartJob', async (t) => {
  const j = job('lr').task('w', 2).maxRetry(3).phase('Running', { retryCount: 2 }).build();
  const out = executeAction(viewOf(j, [podOf(j, 'w', 0, { phase: 'Succeeded' }), podOf(j, 'w', 1, { phase: 'Failed' })]), 'RestartJob');
  t.same(deleted(out.effects), [], 'retryCount 2 >= maxRetry-1: Soft');
  t.equal(out.status.retryCount, 3);
});

t.test('kills mark pods out of sync and every kill removes the plugins\u2019 objects', async (t) => {
  const j = job('pl').task('w', 1).plugins({ svc: [], ssh: [] }).phase('Running').build();
  j.status!.controlledResources = { 'plugin-svc': 'svc', 'plugin-ssh': 'ssh' };
  const out = executeAction(viewOf(j, allPods(j), { request: { taskName: 'w', podName: 'pl-w-0' } }), 'RestartPod');
  const gone = out.effects.flatMap((e) => (e.kind === 'deleteObject' ? [`${e.objectKind}/${e.name}`] : [])).sort();
  t.same(gone, ['ConfigMap/pl-svc', 'NetworkPolicy/pl', 'Secret/pl-ssh', 'Service/pl']);
  t.same(out.status.controlledResources, {}, 'the plugins will re-create them when the job is initiated again');
});

t.test('SyncJob deletes pods marked out of sync and pods beyond the replica count', async (t) => {
  const j = job('sd').task('w', 2).phase('Running').build();
  const bigger = job('sd').task('w', 3).phase('Running').build();
  const pods = [podOf(bigger, 'w', 0, { outOfSync: true }), podOf(bigger, 'w', 1), podOf(bigger, 'w', 2)];
  const out = executeAction(viewOf(j, pods), 'SyncJob');
  t.same(deleted(out.effects), ['sd-w-0', 'sd-w-2']);
  t.same(created(out.effects), [], 'the out-of-sync pod is replaced only after it is gone');
  t.equal(out.status.terminating, 2);
});
