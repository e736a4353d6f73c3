/**
 * The pure parts around the state machine: how pods and PodGroups are built, what each job plugin
 * injects, how policies pick an action, how cluster events become requests, dependsOn readiness,
 * and the cancellation rules of delayed actions.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import t from 'tap';
import type { Pod } from '../../../../shared/api/core.js';
import { DelayedActions } from '../../../../member-agent/controllers/job/delayed-actions.js';
import { dependenciesReady } from '../../../../member-agent/controllers/job/job-dependencies.js';
import { podDeletedRequest, podUpdatedRequest } from '../../../../member-agent/controllers/job/job-events.js';
import { buildJobPodGroup, minResources } from '../../../../member-agent/controllers/job/job-podgroup.js';
import type { JobRequest } from '../../../../member-agent/controllers/job/job-request.js';
import { applyPolicies } from '../../../../member-agent/controllers/job/lifecycle-policies.js';
import { executeAction } from '../../../../member-agent/controllers/job/phase-registry.js';
import { generateSshKeyPair } from '../../../../member-agent/controllers/job/plugins/ssh-key-pair.js';
import { parseGoDuration, formatGoDuration } from '../../../../member-agent/controllers/job/go-duration.js';
import { job, podOf, viewOf } from '../../support/job-builders.js';

const env = (pod: Pod, name: string, container = 0) => pod.spec.containers[container]?.env?.find((e) => e.name === name);

t.test('a job pod carries Volcano\u2019s name, labels, annotations, owner and scheduler', async (t) => {
  const j = job('train').task('worker', 2).build();
  j.spec.priorityClassName = 'high';
  j.metadata.annotations = { 'volcano.sh/preemptable': 'false', unrelated: 'x' };
  const pod = podOf(j, 'worker', 1);
  t.equal(pod.metadata.name, 'train-worker-1');
  t.match(pod.metadata.labels, {
    'volcano.sh/job-name': 'train',
    'volcano.sh/task-spec': 'worker',
    'volcano.sh/task-index': '1',
    'volcano.sh/job-namespace': 'ns',
    'volcano.sh/queue-name': 'default',
  });
  t.match(pod.metadata.annotations, {
    'scheduling.k8s.io/group-name': 'train-uid-train',
    'volcano.sh/job-version': '0',
    'volcano.sh/template-uid': 'train-worker',
    'volcano.sh/job-retry-count': '0',
    'volcano.sh/preemptable': 'false',
  });
  t.notOk(pod.metadata.annotations?.unrelated, 'only the listed job annotations are copied');
  t.same(pod.metadata.ownerReferences?.[0], {
    apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', name: 'train', uid: 'uid-train', controller: true, blockOwnerDeletion: true,
  });
  t.equal(pod.spec.schedulerName, 'volcano');
  t.equal(pod.spec.priorityClassName, 'high');
});

t.test('the PodGroup carries gang size, per-task minimums, queue and the gang\u2019s minimum resources', async (t) => {
  const j = job('pg').task('ps', 1).task('worker', 4, { minAvailable: 2 }).build();
  const pg = buildJobPodGroup(j);
  t.equal(pg.metadata.name, 'pg-uid-pg');
  t.equal(pg.spec.minMember, 3);
  t.same(pg.spec.minTaskMember, { ps: 1, worker: 2 });
  t.same(pg.spec.minResources, { cpu: '3', memory: '3Gi' }, '1 ps + 2 workers');
  const partial = job('pp').task('a', 3).task('b', 3).minAvailable(2).build();
  t.same(minResources(partial), { cpu: '2', memory: '2Gi' }, 'minAvailable below the task sum: the first two pods');
  const priorities = (name: string | undefined) => (name === 'high' ? 100 : 0);
  const prio = job('pr').task('low', 1).task('high', 1).minAvailable(1).build();
  prio.spec.tasks![0]!.template!.spec!.containers[0]!.resources = { requests: { cpu: '8' } };
  prio.spec.tasks![1]!.template!.spec!.priorityClassName = 'high';
  t.same(minResources(prio, priorities), { cpu: '1', memory: '1Gi' }, 'the higher-priority task counts first');
});

t.test('env plugin: VC_TASK_INDEX and VK_TASK_INDEX in every container', async (t) => {
  const j = job('e').task('w', 3).plugins({ env: [] }).build();
  const pod = podOf(j, 'w', 2);
  t.equal(env(pod, 'VC_TASK_INDEX')?.value, '2');
  t.equal(env(pod, 'VK_TASK_INDEX')?.value, '2');
});

t.test('svc plugin: headless Service, hosts ConfigMap, hostname/subdomain, hosts env and mount', async (t) => {
  const j = job('web').task('default-nginx', 2).task('db', 1).plugins({ svc: [] }).build();
  const out = executeAction(viewOf(j, [], { podGroup: null }), 'SyncJob');
  const objects = out.effects.flatMap((e) => (e.kind === 'ensureObject' ? [e.object] : []));
  const svc = objects.find((o) => o.kind === 'Service');
  t.match(svc, { metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { 'volcano.sh/job-name': 'web', 'volcano.sh/job-namespace': 'ns' } } });
  const cm = objects.find((o) => o.kind === 'ConfigMap');
  t.equal(cm?.metadata.name, 'web-svc');
  t.same(cm?.data, {
    'default_nginx.host': 'web-default-nginx-0.web\nweb-default-nginx-1.web',
    VC_DEFAULT_NGINX_HOSTS: 'web-default-nginx-0.web,web-default-nginx-1.web',
    VC_DEFAULT_NGINX_NUM: '2',
    'db.host': 'web-db-0.web',
    VC_DB_HOSTS: 'web-db-0.web',
    VC_DB_NUM: '1',
  });
  t.ok(objects.some((o) => o.kind === 'NetworkPolicy'));
  t.equal(out.status.controlledResources?.['plugin-svc'], 'svc');
  const pod = podOf(j, 'db', 0);
  t.equal(pod.spec.hostname, 'web-db-0');
  t.equal(pod.spec.subdomain, 'web');
  t.match(env(pod, 'VC_DEFAULT_NGINX_HOSTS'), { valueFrom: { configMapKeyRef: { name: 'web-svc', key: 'VC_DEFAULT_NGINX_HOSTS' } } });
  t.ok(pod.spec.containers[0]!.volumeMounts?.some((m) => m.mountPath === '/etc/volcano'));
  const again = executeAction(viewOf({ ...j, status: out.status }, [], { podGroup: null }), 'SyncJob');
  t.notOk(again.effects.some((e) => e.kind === 'ensureObject' && e.object.kind === 'Service'), 'OnJobAdd runs once per run of the job');
});

t.test('ssh plugin: a Secret with a working key pair, authorized_keys and a per-pod ssh config', async (t) => {
  const j = job('mpi').task('master', 1).task('worker', 2).plugins({ ssh: ['--ssh-key-file-path=/home/user/.ssh'] }).build();
  const realKeys = { generateSshKeyPair: () => generateSshKeyPair() };
  const out = executeAction({ ...viewOf(j, [], { podGroup: null }), deps: realKeys }, 'SyncJob');
  const secret = out.effects.flatMap((e) => (e.kind === 'ensureObject' && e.object.kind === 'Secret' ? [e.object] : []))[0];
  t.equal(secret?.metadata.name, 'mpi-ssh');
  const data = Object.fromEntries(Object.entries(secret!.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  t.equal(data.authorized_keys, data['id_rsa.pub']);
  t.match(data['id_rsa.pub'], /^ssh-rsa AAAAB3NzaC1yc2E/);
  const priv = createPrivateKey(data.id_rsa!);
  const n = Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).n!, 'base64url');
  const blob = Buffer.from(data['id_rsa.pub']!.split(' ')[1]!, 'base64');
  t.ok(blob.includes(n), 'the public key is the private key\u2019s');
  t.match(data.config, /StrictHostKeyChecking no/);
  t.match(data.config, /Host mpi-worker-1\n {2}HostName mpi-worker-1\.mpi\n {2}Port 22/);
  const pod = podOf(j, 'worker', 0);
  t.match(pod.spec.containers[0]!.volumeMounts, [{ name: 'mpi-ssh', mountPath: '/home/user/.ssh', subPath: '.ssh' }]);
});

t.test('pytorch plugin: MASTER_ADDR, MASTER_PORT, WORLD_SIZE and per-pod RANK', async (t) => {
  const j = job('pt').task('master', 1).task('worker', 2).plugins({ pytorch: ['--master=master', '--worker=worker', '--port=23456'] }).build();
  const master = podOf(j, 'master', 0);
  const w1 = podOf(j, 'worker', 1);
  t.equal(env(master, 'MASTER_ADDR')?.value, 'pt-master-0.pt');
  t.equal(env(master, 'MASTER_PORT')?.value, '23456');
  t.equal(env(master, 'WORLD_SIZE')?.value, '3');
  t.equal(env(master, 'RANK')?.value, '0');
  t.equal(env(w1, 'RANK')?.value, '2');
  t.ok(master.spec.containers[0]!.ports?.some((p) => p.name === 'pytorchjob-port' && p.containerPort === 23456));
  const waiting = job('pw').task('master', 1).task('worker', 1).plugins({ pytorch: ['--wait-master-enabled=true'] }).build();
  t.equal(podOf(waiting, 'worker', 0).spec.initContainers?.[0]?.name, 'wait-for-master');
  t.notOk(podOf(waiting, 'master', 0).spec.initContainers?.length, 'the master does not wait for itself');
});

t.test('tensorflow plugin: TF_CONFIG names the cluster and the pod\u2019s own role', async (t) => {
  const j = job('tf').task('ps', 1).task('worker', 2).plugins({ tensorflow: [] }).build();
  const cfg = JSON.parse(env(podOf(j, 'worker', 1), 'TF_CONFIG')!.value!);
  t.same(cfg, { cluster: { ps: ['tf-ps-0.tf:2222'], worker: ['tf-worker-0.tf:2222', 'tf-worker-1.tf:2222'] }, task: { type: 'worker', index: 1 } });
  const single = job('one').task('worker', 1).plugins({ tensorflow: [] }).build();
  t.notOk(env(podOf(single, 'worker', 0), 'TF_CONFIG'), 'a single replica gets no TF_CONFIG');
});

t.test('mpi plugin: the master gets MPI_HOST, every container the mpijob port', async (t) => {
  const j = job('m').task('launcher', 1).task('worker', 2).plugins({ mpi: ['--master=launcher', '--worker=worker'] }).build();
  t.equal(env(podOf(j, 'launcher', 0), 'MPI_HOST')?.value, 'm-worker-0.m,m-worker-1.m');
  t.notOk(env(podOf(j, 'worker', 0), 'MPI_HOST'));
  t.ok(podOf(j, 'worker', 0).spec.containers[0]!.ports?.some((p) => p.name === 'mpijob-port' && p.containerPort === 22));
});

t.test('policies: commands win, stale events sync, task policies shadow job policies, exit codes, PodPending needs a timeout', async (t) => {
  const j = job('p')
    .task('w', 2, { policies: [{ event: 'PodFailed', action: 'RestartTask' }] })
    .policy({ event: 'PodFailed', action: 'RestartJob' })
    .policy({ exitCode: 3, action: 'AbortJob' })
    .policy({ event: 'PodPending', action: 'TerminateJob' })
    .policy({ event: 'PodEvicted', action: 'RestartJob', timeout: '30s' })
    .phase('Running', { version: 2 })
    .build();
  const req = (r: Partial<JobRequest>): JobRequest => ({ namespace: 'ns', jobName: 'p', jobUid: 'uid-p', jobVersion: 2, event: 'OutOfSync', ...r });
  t.equal(applyPolicies(j, req({ event: 'PodFailed', action: 'ResumeJob' })).action, 'ResumeJob');
  t.equal(applyPolicies(j, req({ event: 'PodFailed', taskName: 'w' })).action, 'RestartTask');
  t.equal(applyPolicies(j, req({ event: 'PodFailed', taskName: 'other' })).action, 'RestartJob');
  t.equal(applyPolicies(j, req({ event: 'PodFailed', taskName: 'w', jobVersion: 1 })).action, 'SyncJob', 'older pod generation');
  t.equal(applyPolicies(j, req({ event: 'PodFailed', jobUid: 'someone-else' })).action, 'SyncJob', 'namesake job');
  t.equal(applyPolicies(j, req({ event: 'PodRunning' })).action, 'SyncJob', 'internal event');
  t.equal(applyPolicies(j, req({ event: 'TaskFailed', exitCode: 3 })).action, 'AbortJob', 'exit code policy');
  t.equal(applyPolicies(j, req({ event: 'PodPending' })).action, 'SyncJob', 'PodPending without timeout never matches');
  t.same(applyPolicies(j, req({ event: 'PodEvicted' })), { action: 'RestartJob', delayMs: 30_000, source: 'job-policy' });
});

t.test('pod events: PodFailed with exit code, TaskCompleted, TaskFailed from restarts, eviction vs controller delete', async (t) => {
  const j = job('ev').task('w', 2, { maxRetry: 2 }).phase('Running').build();
  const running = podOf(j, 'w', 0);
  const failed = structuredClone(running);
  failed.status = { phase: 'Failed', containerStatuses: [{ name: 'main', state: { terminated: { exitCode: 137 } } }] };
  t.match(podUpdatedRequest(running, failed, j, [failed]), { event: 'PodFailed', exitCode: 137, taskName: 'w', podName: 'ev-w-0', jobVersion: 0 });

  const done0 = podOf(j, 'w', 0, { phase: 'Succeeded' });
  const done1 = podOf(j, 'w', 1, { phase: 'Succeeded' });
  t.equal(podUpdatedRequest(podOf(j, 'w', 1), done1, j, [podOf(j, 'w', 0), done1])?.event, 'OutOfSync', 'one of two done');
  t.equal(podUpdatedRequest(podOf(j, 'w', 1), done1, j, [done0, done1])?.event, 'TaskCompleted');

  const crashing = structuredClone(running);
  crashing.status!.containerStatuses = [{ name: 'main', ready: false, restartCount: 2 }];
  t.equal(podUpdatedRequest(running, crashing, j, [crashing])?.event, 'TaskFailed', 'restarts reach task maxRetry');
  t.equal(podUpdatedRequest(podOf(j, 'w', 0, { phase: 'Pending' }), running, j, [running])?.event, 'PodRunning');

  t.equal(podDeletedRequest(running)?.event, 'PodEvicted');
  t.equal(podDeletedRequest(podOf(j, 'w', 0, { outOfSync: true }))?.event, 'OutOfSync', 'the controller\u2019s own kill');
  const stranger = structuredClone(running);
  stranger.metadata.ownerReferences = [];
  t.equal(podDeletedRequest(stranger), undefined, 'pods not controlled by a Job are ignored');
});

t.test('dependsOn: a task waits until its dependencies have minAvailable ready pods', async (t) => {
  const j = job('d').task('a', 2).task('b', 1, { dependsOn: { name: ['a'] } }).task('c', 1, { dependsOn: { name: ['a', 'b'], iteration: 'any' } }).build();
  const b = j.spec.tasks![1]!;
  const c = j.spec.tasks![2]!;
  t.notOk(dependenciesReady(j, b, [podOf(j, 'a', 0), podOf(j, 'a', 1, { phase: 'Pending' })]));
  t.notOk(dependenciesReady(j, b, [podOf(j, 'a', 0), podOf(j, 'a', 1, { ready: false })]), 'running but not ready');
  t.ok(dependenciesReady(j, b, [podOf(j, 'a', 0), podOf(j, 'a', 1, { phase: 'Succeeded' })]));
  t.ok(dependenciesReady(j, c, [podOf(j, 'b', 0)]), 'iteration any: b alone is enough');
  const pj = job('d').task('a', 1).task('b', 1, { dependsOn: { name: ['a'] } }).phase('Pending').build();
  const out = executeAction(viewOf(pj, [podOf(pj, 'a', 0, { phase: 'Pending' })]), 'SyncJob');
  t.same(out.effects.filter((e) => e.kind === 'createPod'), [], 'b is not created while a is pending');
});

t.test('delayed actions: PodRunning cancels a failure action, another event cancels PodPending, a run action cancels its scope', async (t) => {
  const fired: JobRequest[] = [];
  const d = new DelayedActions((r) => fired.push(r));
  const base: JobRequest = { namespace: 'ns', jobName: 'x', event: 'PodFailed', podName: 'x-w-0', podUid: 'u1', taskName: 'w' };
  d.schedule(base, 'RestartJob', 20);
  t.notOk(d.schedule(base, 'RestartJob', 20), 'the same action twice is ignored');
  d.onEvent({ ...base, event: 'PodRunning' });
  d.schedule({ ...base, event: 'PodPending', podName: 'x-w-1', podUid: 'u2' }, 'TerminateJob', 20);
  d.onEvent({ ...base, event: 'PodPending', podName: 'x-w-1', podUid: 'u2' });
  t.equal(d.pending('ns/x').length, 1, 'a PodPending event keeps the pending action');
  d.onEvent({ ...base, event: 'OutOfSync', podName: 'x-w-1', podUid: 'u2' });
  d.schedule({ ...base, event: 'PodEvicted', podName: 'x-w-2' }, 'AbortJob', 20);
  d.schedule({ ...base, event: 'PodEvicted', podName: 'x-w-3' }, 'RestartPod', 20);
  d.afterAction(base, 'CompleteJob');
  t.same(d.pending('ns/x').map((p) => p.action), ['RestartPod'], 'a job action drops the job-scoped ones');
  await new Promise((r) => setTimeout(r, 60));
  t.same(fired.map((r) => [r.action, r.podName]), [['RestartPod', 'x-w-3']]);
  d.stop();
});

t.test('Go durations parse and print as Volcano writes them', async (t) => {
  t.equal(parseGoDuration('1m30s'), 90_000);
  t.equal(parseGoDuration('250ms'), 250);
  t.equal(parseGoDuration('1.5h'), 5_400_000);
  t.equal(parseGoDuration('ten'), undefined);
  t.equal(formatGoDuration(3_723_500), '1h2m3.5s');
  t.equal(formatGoDuration(0), '0s');
});
