/**
 * The job controller and the local scheduler end to end, against the simulated cluster over HTTP:
 * lifecycle policies, abort and resume, minSuccess, dependsOn and TTL garbage collection.
 */
import t from 'tap';
import type { Job } from '../../../../shared/api/job.js';
import { createJob, eventually, podsOf, useSimAgent, waitPhase } from '../../support/agent-harness.js';

function vcjob(name: string, tasks: { name: string; replicas: number; duration?: string; exitCode?: string; extra?: Record<string, unknown> }[], spec: Record<string, unknown> = {}): Job {
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      schedulerName: 'volcano',
      queue: 'default',
      maxRetry: 3,
      minAvailable: tasks.reduce((n, x) => n + x.replicas, 0),
      tasks: tasks.map((x) => ({
        name: x.name,
        replicas: x.replicas,
        minAvailable: x.replicas,
        template: {
          metadata: { annotations: { 'sim.caldera.dev/duration': x.duration ?? '2s', ...(x.exitCode ? { 'sim.caldera.dev/exit-code': x.exitCode } : {}) } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
        },
        ...(x.extra ?? {}),
      })),
      ...spec,
    },
  };
}

t.test('a plain job runs to Completed', async (t) => {
  const { agent } = await useSimAgent(t);
  await createJob(agent, vcjob('plain', [{ name: 'w', replicas: 3 }]));
  const done = await waitPhase(agent, 'default', 'plain', 'Completed');
  t.equal(done.status?.succeeded, 3);
  t.same(done.status?.conditions?.map((c) => c.status), ['Pending', 'Running', 'Completed']);
  t.equal(podsOf(agent, 'default', 'plain').length, 3);
});

t.test('PodFailed → RestartJob raises retryCount on each restart and ends Failed at maxRetry', async (t) => {
  const { agent } = await useSimAgent(t);
  await createJob(agent, vcjob('flaky', [{ name: 'w', replicas: 2, duration: '1s', exitCode: '1' }], {
    maxRetry: 2,
    policies: [{ event: 'PodFailed', action: 'RestartJob' }],
  }));
  const failed = await waitPhase(agent, 'default', 'flaky', 'Failed', 30_000);
  t.equal(failed.status?.retryCount, 2);
  t.ok((failed.status?.version ?? 0) >= 2, 'each full restart started a new pod generation');
  const phases = failed.status?.conditions?.map((c) => c.status);
  t.ok(phases?.includes('Restarting'));
  t.equal(phases?.at(-1), 'Failed');
});

t.test('an exit-code policy matches the first container\u2019s exit code', async (t) => {
  const { agent } = await useSimAgent(t);
  await createJob(agent, vcjob('code', [{ name: 'w', replicas: 2, duration: '1s', exitCode: '3' }], {
    policies: [{ exitCode: 3, action: 'TerminateJob' }],
  }));
  const done = await waitPhase(agent, 'default', 'code', 'Terminated', 20_000);
  t.equal(done.status?.retryCount, 0);
  t.same(done.status?.conditions?.map((c) => c.status).slice(-2), ['Terminating', 'Terminated']);
});

t.test('PodPending with a timeout fires once pods stay pending that long', async (t) => {
  const { agent } = await useSimAgent(t);
  const job = vcjob('stuck', [{ name: 'w', replicas: 2 }], { policies: [{ event: 'PodPending', action: 'AbortJob', timeout: '1s' }] });
  job.spec.tasks![0]!.template!.spec!.nodeSelector = { 'no-such-label': 'x' };
  await createJob(agent, job);
  const started = Date.now();
  await waitPhase(agent, 'default', 'stuck', 'Aborted', 20_000);
  t.ok(Date.now() - started >= 1000, 'not before the timeout');
});

t.test('a pod that starts running cancels its pending PodPending action', async (t) => {
  const { agent } = await useSimAgent(t);
  await createJob(agent, vcjob('starts', [{ name: 'w', replicas: 1, duration: '60s' }], { policies: [{ event: 'PodPending', action: 'AbortJob', timeout: '2s' }] }));
  await waitPhase(agent, 'default', 'starts', 'Running');
  await new Promise((r) => setTimeout(r, 2500));
  t.equal(agent.caches.jobs.get('default', 'starts')?.status?.state?.phase, 'Running', 'no abort after the timeout');
  t.same(agent.duties()!.jobs.delayedActions('default', 'starts'), []);
});

t.test('TaskCompleted → CompleteJob ends the job when its master finishes, workers killed', async (t) => {
  const { agent } = await useSimAgent(t);
  await createJob(agent, vcjob('mw', [
    { name: 'master', replicas: 1, duration: '2s', extra: { policies: [{ event: 'TaskCompleted', action: 'CompleteJob' }] } },
    { name: 'worker', replicas: 2, duration: 'forever' },
  ]));
  const done = await waitPhase(agent, 'default', 'mw', 'Completed', 20_000);
  t.same(done.status?.conditions?.map((c) => c.status), ['Pending', 'Running', 'Completing', 'Completed']);
  const left = podsOf(agent, 'default', 'mw');
  t.same(left.map((p) => p.metadata.name), ['mw-master-0'], 'the running workers were deleted, the finished master kept');
});

t.test('abort, then resume: Aborted keeps nothing running, resume restarts the job with a retry', async (t) => {
  const { agent } = await useSimAgent(t);
  await createJob(agent, vcjob('ar', [{ name: 'w', replicas: 2, duration: '3s' }]));
  await waitPhase(agent, 'default', 'ar', 'Running');
  await agent.duties()!.jobs.command('default', 'ar', 'AbortJob', 'operator');
  const aborted = await waitPhase(agent, 'default', 'ar', 'Aborted');
  t.equal(aborted.status?.running, 0);
  t.equal(podsOf(agent, 'default', 'ar').length, 0);
  t.notOk(agent.caches.podGroups.get('default', `ar-${aborted.metadata.uid}`), 'the PodGroup went with the full kill');
  await agent.duties()!.jobs.command('default', 'ar', 'ResumeJob');
  const done = await waitPhase(agent, 'default', 'ar', 'Completed', 20_000);
  t.equal(done.status?.retryCount, 1);
  t.same(done.status?.conditions?.map((c) => c.status), ['Aborting', 'Aborted', 'Restarting', 'Pending', 'Running', 'Completed'], 're-entered phases move to the end');
});

t.test('minSuccess completes the job as soon as enough pods succeeded; the rest are swept', async (t) => {
  const { agent } = await useSimAgent(t);
  const job = vcjob('ms', [{ name: 'quick', replicas: 2, duration: '1s' }, { name: 'slow', replicas: 2, duration: 'forever' }], { minAvailable: 4, minSuccess: 2 });
  await createJob(agent, job);
  await waitPhase(agent, 'default', 'ms', 'Completed', 20_000);
  await eventually(() => podsOf(agent, 'default', 'ms').every((p) => p.status?.phase === 'Succeeded'), 'running pods to be swept');
  t.pass();
});

t.test('dependsOn: a task\u2019s pods are created only once the task it depends on runs', async (t) => {
  const { agent } = await useSimAgent(t);
  await createJob(agent, vcjob('dep', [
    { name: 'first', replicas: 1, duration: '3s' },
    { name: 'second', replicas: 2, duration: '1s', extra: { dependsOn: { name: ['first'] } } },
  ], { minAvailable: 1 }));
  const done = await waitPhase(agent, 'default', 'dep', 'Completed', 20_000);
  t.equal(done.status?.succeeded, 3);
  const pods = podsOf(agent, 'default', 'dep');
  const first = pods.find((p) => p.metadata.name === 'dep-first-0')!;
  const started = Date.parse((first.status?.startTime as string | undefined) ?? '');
  for (const p of pods.filter((x) => x.metadata.name?.startsWith('dep-second'))) {
    t.ok(Date.parse(p.metadata.creationTimestamp!) >= started, `${p.metadata.name} created after dep-first-0 started`);
  }
});

t.test('ttlSecondsAfterFinished deletes the finished job, and with it its pods', async (t) => {
  const { agent } = await useSimAgent(t);
  const phases: string[] = [];
  agent.caches.jobs.on((ev) => {
    if (ev.obj.metadata.name === 'ttl') phases.push(ev.type === 'deleted' ? 'deleted' : (ev.obj.status?.state?.phase ?? ''));
  });
  await createJob(agent, vcjob('ttl', [{ name: 'w', replicas: 1, duration: '1s' }], { ttlSecondsAfterFinished: 1 }));
  await eventually(() => phases.includes('deleted'), 'the job to be deleted', 15_000);
  t.ok(phases.indexOf('Completed') >= 0 && phases.indexOf('Completed') < phases.indexOf('deleted'), `deleted after it completed (${[...new Set(phases)].join(' → ')})`);
  await eventually(() => podsOf(agent, 'default', 'ttl').length === 0, 'its pods to be collected', 10_000);
});
