import t, { type Test } from 'tap';
import { admitJob, type AdmitJobOptions } from '../../../shared/admission/admit-job.js';
import { defaultJob } from '../../../shared/admission/job-defaults.js';
import { validateJob } from '../../../shared/admission/job-validation.js';
import type { Job } from '../../../shared/api/job.js';
import { getPath, makeJob, makeTask, setPath } from './object-paths.js';

type Edit = [path: string, value: unknown];

interface Case {
  name: string;
  edits?: Edit[];
  opts?: Partial<AdmitJobOptions>;
  /** Expected [field, reason] pairs, exactly; absent means the job is accepted. */
  want?: [string, string][];
}

const C0 = 'spec.tasks[0].template.spec.containers[0]';

function run(c: Case): ReturnType<typeof admitJob> {
  const job = makeJob(c.name.startsWith('long-name') ? 'a'.repeat(52) : 'demo');
  for (const [path, value] of c.edits ?? []) setPath(job, path, value);
  return admitJob(job, { operation: 'CREATE', ...c.opts });
}

function checkAccepted(t: Test, c: Case): void {
  const r = run(c);
  t.ok(r.ok, `accepted${r.ok ? '' : `: ${r.status.message}`}`);
  if (r.ok) t.same(validateJob(r.job, { operation: 'CREATE' }), [], 'the admitted job validates again');
}

const accepted: Case[] = [
  { name: 'the base two-task job' },
  { name: 'generateName instead of a name', edits: [['metadata.name', undefined], ['metadata.generateName', 'demo-']] },
  { name: 'job minAvailable equal to the total replicas', edits: [['spec.minAvailable', 3]] },
  { name: 'task minAvailable 0 and replicas 0', edits: [['spec.tasks[1].replicas', 0], ['spec.tasks[1].minAvailable', 0]] },
  { name: 'task minAvailable equal to replicas', edits: [['spec.tasks[1].minAvailable', 2]] },
  { name: 'ttlSecondsAfterFinished 0', edits: [['spec.ttlSecondsAfterFinished', 0]] },
  {
    name: 'policies by event, event list, exit code and timeout',
    edits: [
      ['spec.policies', [
        { event: 'PodEvicted', action: 'RestartJob' },
        { events: ['PodFailed', 'TaskFailed'], action: 'AbortJob' },
        { event: 'PodPending', action: 'TerminateJob', timeout: '1m30s' },
        { exitCode: 137, action: 'RestartPod' },
        { exitCode: -1, action: 'RestartTask' },
      ]],
      ['spec.tasks[1].policies', [{ event: 'TaskCompleted', action: 'CompleteJob' }]],
    ],
  },
  { name: 'a wildcard policy alone', edits: [['spec.policies', [{ event: '*', action: 'RestartJob' }, { exitCode: 3, action: 'AbortJob' }]]] },
  { name: 'every known plugin', edits: [['spec.plugins', { ssh: [], env: [], svc: ['--disable-network-policy=true'], tensorflow: [], pytorch: [], hcclrank: [], ray: [] }]] },
  { name: 'mpi with its default master task', edits: [['spec.tasks[0].name', 'master'], ['spec.plugins', { mpi: [] }]] },
  { name: 'mpi with a named master task', edits: [['spec.plugins', { mpi: ['--master=ps', '--worker=worker'] }]] },
  { name: 'dependsOn an existing task', edits: [['spec.tasks[1].dependsOn', { name: ['ps'], iteration: 'any' }]] },
  {
    name: 'GPU request equal to its limit, and a GPU only in limits',
    edits: [
      [`${C0}.resources`, { requests: { cpu: '2', 'nvidia.com/gpu': 2 }, limits: { 'nvidia.com/gpu': '2' } }],
      ['spec.tasks[1].template.spec.containers[0].resources', { limits: { 'nvidia.com/gpu': 1, memory: '2Gi' } }],
    ],
  },
  { name: 'request below its limit', edits: [[`${C0}.resources.limits`, { cpu: '2', memory: '2Gi' }]] },
  { name: 'pod overhead and init containers', edits: [
    ['spec.tasks[0].template.spec.overhead', { cpu: '100m', memory: '64Mi' }],
    ['spec.tasks[0].template.spec.initContainers', [{ name: 'init', image: 'busybox:1.36', resources: { requests: { cpu: '500m' } } }]],
  ] },
  {
    name: 'node affinity, tolerations, nodeSelector and pod identity fields',
    edits: [
      ['spec.tasks[0].template.spec.affinity', {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [
            { key: 'zone', operator: 'In', values: ['a'] },
            { key: 'gpu', operator: 'Exists' },
            { key: 'cores', operator: 'Gt', values: ['8'] },
          ] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'ssd', operator: 'DoesNotExist' }] } }],
        },
      }],
      ['spec.tasks[0].template.spec.tolerations', [{ operator: 'Exists' }, { key: 'dedicated', value: 'ml', effect: 'NoExecute', tolerationSeconds: 60 }]],
      ['spec.tasks[0].template.spec.nodeSelector', { 'kubernetes.io/os': 'linux' }],
      ['spec.tasks[0].template.spec.priorityClassName', 'high'],
      ['spec.tasks[0].template.spec.schedulerName', 'caldera'],
      ['spec.tasks[0].template.spec.hostNetwork', true],
      ['spec.tasks[0].template.spec.hostname', 'ps0'],
      ['spec.tasks[0].template.spec.subdomain', 'demo'],
      [`${C0}.env`, [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]],
      [`${C0}.ports`, [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, protocol: 'UDP' }]],
    ],
  },
  { name: 'a valid partition policy', edits: [['spec.tasks[1].replicas', 4], ['spec.tasks[1].partitionPolicy', { totalPartitions: 2, partitionSize: 2, minPartitions: 1 }]] },
  { name: 'volumes with a claim name or a claim template', edits: [['spec.volumes', [
    { mountPath: '/in', volumeClaimName: 'inputs' },
    { mountPath: '/out', volumeClaim: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  ]]] },
  { name: 'topologyPolicy with whole CPUs', edits: [['spec.tasks[0].topologyPolicy', 'single-numa-node']] },
  { name: 'an open leaf queue', edits: [['spec.queue', 'research']], opts: { lookupQueue: () => ({ state: 'Open', hasChildren: false }) } },
];

const rejected: Case[] = [
  { name: 'no tasks', edits: [['spec.tasks', []]], want: [['spec.tasks', 'FieldValueRequired']] },
  { name: 'tasks missing', edits: [['spec.tasks', undefined]], want: [['spec.tasks', 'FieldValueRequired']] },
  { name: 'spec missing', edits: [['spec', undefined]], want: [['spec', 'FieldValueRequired']] },
  { name: 'duplicate task names', edits: [['spec.tasks[1].name', 'ps']], want: [['spec.tasks[1].name', 'FieldValueDuplicate']] },
  { name: 'a task name that is not a DNS-1123 label', edits: [['spec.tasks[0].name', 'PS_0']], want: [['spec.tasks[0].name', 'FieldValueInvalid']] },
  { name: 'task minAvailable above replicas', edits: [['spec.tasks[1].minAvailable', 3]], want: [['spec.tasks[1].minAvailable', 'FieldValueInvalid']] },
  { name: 'negative task minAvailable', edits: [['spec.tasks[1].minAvailable', -1]], want: [['spec.tasks[1].minAvailable', 'FieldValueInvalid']] },
  { name: 'job minAvailable above the total replicas', edits: [['spec.minAvailable', 4]], want: [['spec.minAvailable', 'FieldValueInvalid']] },
  { name: 'negative replicas', edits: [['spec.tasks[0].replicas', -1]], want: [['spec.tasks[0].replicas', 'FieldValueInvalid']] },
  { name: 'replicas beyond int32', edits: [['spec.tasks[0].replicas', 1e12], ['spec.tasks[0].minAvailable', 1]], want: [['spec.tasks[0].replicas', 'FieldValueInvalid']] },
  { name: 'replicas as a string', edits: [['spec.tasks[0].replicas', '3'], ['spec.tasks[0].minAvailable', 1]], want: [['spec.tasks[0].replicas', 'FieldValueTypeInvalid']] },
  { name: 'negative maxRetry', edits: [['spec.maxRetry', -2]], want: [['spec.maxRetry', 'FieldValueInvalid']] },
  { name: 'negative task maxRetry', edits: [['spec.tasks[0].maxRetry', -5]], want: [['spec.tasks[0].maxRetry', 'FieldValueInvalid']] },
  { name: 'negative ttlSecondsAfterFinished', edits: [['spec.ttlSecondsAfterFinished', -1]], want: [['spec.ttlSecondsAfterFinished', 'FieldValueInvalid']] },
  { name: 'minSuccess of 0', edits: [['spec.minSuccess', 0]], want: [['spec.minSuccess', 'FieldValueInvalid']] },
  { name: 'a policy with both event and exitCode', edits: [['spec.policies', [{ event: 'PodFailed', exitCode: 1, action: 'RestartJob' }]]], want: [['spec.policies[0]', 'FieldValueInvalid']] },
  { name: 'a policy with neither event nor exitCode', edits: [['spec.policies', [{ action: 'RestartJob' }]]], want: [['spec.policies[0].event', 'FieldValueRequired']] },
  { name: 'an unknown event', edits: [['spec.policies', [{ event: 'PodExploded', action: 'RestartJob' }]]], want: [['spec.policies[0].event', 'FieldValueNotSupported']] },
  { name: 'an internal event', edits: [['spec.policies', [{ events: ['OutOfSync'], action: 'RestartJob' }]]], want: [['spec.policies[0].events[0]', 'FieldValueNotSupported']] },
  { name: 'an unknown action', edits: [['spec.policies', [{ event: 'PodFailed', action: 'Reboot' }]]], want: [['spec.policies[0].action', 'FieldValueNotSupported']] },
  { name: 'a missing action', edits: [['spec.policies', [{ event: 'PodFailed' }]]], want: [['spec.policies[0].action', 'FieldValueRequired']] },
  { name: 'the same event in two policies', edits: [['spec.policies', [{ event: 'PodFailed', action: 'RestartJob' }, { events: ['PodEvicted', 'PodFailed'], action: 'AbortJob' }]]], want: [['spec.policies[1].events[1]', 'FieldValueDuplicate']] },
  { name: 'the same exit code in two policies', edits: [['spec.policies', [{ exitCode: 2, action: 'RestartJob' }, { exitCode: 2, action: 'AbortJob' }]]], want: [['spec.policies[1].exitCode', 'FieldValueDuplicate']] },
  { name: 'exit code 0', edits: [['spec.policies', [{ exitCode: 0, action: 'RestartJob' }]]], want: [['spec.policies[0].exitCode', 'FieldValueInvalid']] },
  { name: 'a wildcard next to another event in one policy', edits: [['spec.policies', [{ events: ['*', 'PodFailed'], action: 'RestartJob' }]]], want: [['spec.policies[0].events[0]', 'FieldValueInvalid']] },
  { name: 'a wildcard policy next to another event policy', edits: [['spec.tasks[0].policies', [{ event: '*', action: 'RestartJob' }, { event: 'PodFailed', action: 'AbortJob' }]]], want: [['spec.tasks[0].policies[0].event', 'FieldValueInvalid']] },
  { name: 'a timeout that is not a duration', edits: [['spec.policies', [{ event: 'PodPending', action: 'AbortJob', timeout: 'soon' }]]], want: [['spec.policies[0].timeout', 'FieldValueInvalid']] },
  { name: 'an unknown plugin', edits: [['spec.plugins', { env: [], horovod: [] }]], want: [['spec.plugins[horovod]', 'FieldValueNotSupported']] },
  { name: 'plugin args that are not strings', edits: [['spec.plugins', { svc: [true] }]], want: [['spec.plugins[svc][0]', 'FieldValueTypeInvalid']] },
  { name: 'mpi without its master task', edits: [['spec.plugins', { mpi: ['--master=launcher'] }]], want: [['spec.plugins[mpi]', 'FieldValueInvalid']] },
  { name: 'a dependency cycle', edits: [['spec.tasks[0].dependsOn', { name: ['worker'] }], ['spec.tasks[1].dependsOn', { name: ['ps'] }]], want: [['spec.tasks[0].dependsOn.name', 'FieldValueInvalid']] },
  { name: 'a dependency on an unknown task', edits: [['spec.tasks[1].dependsOn', { name: ['loader'] }]], want: [['spec.tasks[1].dependsOn.name[0]', 'FieldValueNotFound']] },
  { name: 'a task depending on itself', edits: [['spec.tasks[1].dependsOn', { name: ['worker'] }]], want: [['spec.tasks[1].dependsOn.name[0]', 'FieldValueInvalid']] },
  { name: 'an unknown dependsOn iteration', edits: [['spec.tasks[1].dependsOn', { name: ['ps'], iteration: 'some' }]], want: [['spec.tasks[1].dependsOn.iteration', 'FieldValueNotSupported']] },
  { name: 'long-name: a pod name <job>-<task>-<i> over 63 characters', edits: [['spec.tasks[1].name', 'worker-pool-a'], ['spec.tasks[1].replicas', 10]], want: [['spec.tasks[1].name', 'FieldValueInvalid']] },
  { name: 'a quantity that does not parse', edits: [[`${C0}.resources.requests.cpu`, 'lots']], want: [[`${C0}.resources.requests[cpu]`, 'FieldValueInvalid']] },
  { name: 'a negative quantity', edits: [[`${C0}.resources.requests.memory`, '-1Gi']], want: [[`${C0}.resources.requests[memory]`, 'FieldValueInvalid']] },
  { name: 'a quantity of the wrong type', edits: [[`${C0}.resources.limits`, { cpu: true }]], want: [[`${C0}.resources.limits[cpu]`, 'FieldValueTypeInvalid']] },
  { name: 'an invalid init-container quantity', edits: [['spec.tasks[0].template.spec.initContainers', [{ name: 'init', image: 'x', resources: { limits: { memory: '1Qi' } } }]]], want: [['spec.tasks[0].template.spec.initContainers[0].resources.limits[memory]', 'FieldValueInvalid']] },
  { name: 'an invalid overhead quantity', edits: [['spec.tasks[1].template.spec.overhead', { cpu: '1..5' }]], want: [['spec.tasks[1].template.spec.overhead[cpu]', 'FieldValueInvalid']] },
  { name: 'a request above its limit', edits: [[`${C0}.resources.limits`, { memory: '512Mi' }]], want: [[`${C0}.resources.requests[memory]`, 'FieldValueInvalid']] },
  { name: 'a GPU request without a limit', edits: [[`${C0}.resources.requests.nvidia\\.com/gpu`, undefined], [`${C0}.resources`, { requests: { 'nvidia.com/gpu': 1 } }]], want: [[`${C0}.resources.requests[nvidia.com/gpu]`, 'FieldValueForbidden']] },
  { name: 'a GPU request different from its limit', edits: [[`${C0}.resources`, { requests: { 'nvidia.com/gpu': 1 }, limits: { 'nvidia.com/gpu': 2 } }]], want: [[`${C0}.resources.requests[nvidia.com/gpu]`, 'FieldValueInvalid']] },
  { name: 'a fractional GPU', edits: [[`${C0}.resources`, { limits: { 'nvidia.com/gpu': '500m' } }]], want: [[`${C0}.resources.limits[nvidia.com/gpu]`, 'FieldValueInvalid']] },
  { name: 'an unknown unprefixed resource name', edits: [[`${C0}.resources`, { requests: { gpu: 1 } }]], want: [[`${C0}.resources.requests[gpu]`, 'FieldValueInvalid']] },
  { name: 'no containers', edits: [['spec.tasks[0].template.spec.containers', []]], want: [['spec.tasks[0].template.spec.containers', 'FieldValueRequired']] },
  { name: 'a container without an image', edits: [[`${C0}.image`, undefined]], want: [[`${C0}.image`, 'FieldValueRequired']] },
  { name: 'two containers with one name', edits: [['spec.tasks[0].template.spec.initContainers', [{ name: 'main', image: 'x' }]]], want: [['spec.tasks[0].template.spec.initContainers[0].name', 'FieldValueDuplicate']] },
  { name: 'a template without a spec', edits: [['spec.tasks[0].template', { metadata: {} }]], want: [['spec.tasks[0].template.spec', 'FieldValueRequired']] },
  { name: 'a port out of range', edits: [[`${C0}.ports`, [{ containerPort: 70000 }]]], want: [[`${C0}.ports[0].containerPort`, 'FieldValueInvalid']] },
  { name: 'an env var without a name', edits: [[`${C0}.env`, [{ value: 'x' }]]], want: [[`${C0}.env[0].name`, 'FieldValueRequired']] },
  { name: 'a toleration with Exists and a value', edits: [['spec.tasks[0].template.spec.tolerations', [{ key: 'k', operator: 'Exists', value: 'v' }]]], want: [['spec.tasks[0].template.spec.tolerations[0].value', 'FieldValueInvalid']] },
  { name: 'a toleration with an unknown effect', edits: [['spec.tasks[0].template.spec.tolerations', [{ key: 'k', effect: 'NoWay' }]]], want: [['spec.tasks[0].template.spec.tolerations[0].effect', 'FieldValueNotSupported']] },
  { name: 'an In expression without values', edits: [['spec.tasks[0].template.spec.affinity', { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }] }] } } }]], want: [['spec.tasks[0].template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values', 'FieldValueRequired']] },
  { name: 'a preferred term with weight 0', edits: [['spec.tasks[0].template.spec.affinity', { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] } }]], want: [['spec.tasks[0].template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', 'FieldValueInvalid']] },
  { name: 'a nodeSelector value that is not a string', edits: [['spec.tasks[0].template.spec.nodeSelector', { zone: 1 }]], want: [['spec.tasks[0].template.spec.nodeSelector[zone]', 'FieldValueTypeInvalid']] },
  { name: 'an unknown restartPolicy', edits: [['spec.tasks[0].template.spec.restartPolicy', 'Sometimes']], want: [['spec.tasks[0].template.spec.restartPolicy', 'FieldValueNotSupported']] },
  { name: 'both highestTierAllowed and highestTierName', edits: [['spec.networkTopology', { mode: 'hard', highestTierAllowed: 1, highestTierName: 'rack' }]], want: [['spec.networkTopology', 'FieldValueInvalid']] },
  { name: 'a volume without a claim', edits: [['spec.volumes', [{ mountPath: '/in' }]]], want: [['spec.volumes[0].volumeClaim', 'FieldValueRequired']] },
  { name: 'a volume with both a claim and a claim name', edits: [['spec.volumes', [{ mountPath: '/in', volumeClaimName: 'a', volumeClaim: {} }]]], want: [['spec.volumes[0]', 'FieldValueInvalid']] },
  { name: 'two volumes on one mount path', edits: [['spec.volumes', [{ mountPath: '/in', volumeClaimName: 'a' }, { mountPath: '/in', volumeClaimName: 'b' }]]], want: [['spec.volumes[1].mountPath', 'FieldValueDuplicate']] },
  { name: 'replicas that do not fill the partitions', edits: [['spec.tasks[1].partitionPolicy', { totalPartitions: 2, partitionSize: 2 }]], want: [['spec.tasks[1].replicas', 'FieldValueInvalid']] },
  { name: 'topologyPolicy with fractional CPUs', edits: [['spec.tasks[0].topologyPolicy', 'restricted'], [`${C0}.resources.requests.cpu`, '1500m']], want: [[`spec.tasks[0].template.spec.containers[0].resources.requests[cpu]`, 'FieldValueInvalid']] },
  { name: 'an unknown topologyPolicy', edits: [['spec.tasks[0].topologyPolicy', 'numa-please']], want: [['spec.tasks[0].topologyPolicy', 'FieldValueNotSupported']] },
  { name: 'no name and no generateName', edits: [['metadata.name', undefined]], want: [['metadata.name', 'FieldValueRequired']] },
  { name: 'a name that is not a DNS-1123 subdomain', edits: [['metadata.name', 'Demo_Job']], want: [['metadata.name', 'FieldValueInvalid']] },
  { name: 'a label value that is not valid', edits: [['metadata.labels', { team: 'a b' }]], want: [['metadata.labels[team]', 'FieldValueInvalid']] },
  { name: 'the root queue', edits: [['spec.queue', 'root']], want: [['spec.queue', 'FieldValueInvalid']] },
  { name: 'a queue that does not exist', edits: [['spec.queue', 'nope']], opts: { queueExists: (q) => q === 'default' }, want: [['spec.queue', 'FieldValueNotFound']] },
  { name: 'a closed queue', opts: { lookupQueue: () => ({ state: 'Closed' }) }, want: [['spec.queue', 'FieldValueInvalid']] },
  { name: 'a queue with child queues', opts: { lookupQueue: () => ({ state: 'Open', hasChildren: true }) }, want: [['spec.queue', 'FieldValueInvalid']] },
  { name: 'a queue name that is not a DNS-1123 subdomain', edits: [['spec.queue', 'My Queue']], want: [['spec.queue', 'FieldValueInvalid']] },
  {
    name: 'several violations are all reported',
    edits: [['spec.tasks[1].name', 'ps'], ['spec.tasks[0].minAvailable', 9], ['spec.maxRetry', -1], [`${C0}.resources.requests.cpu`, 'x']],
    want: [
      ['spec.maxRetry', 'FieldValueInvalid'],
      [`${C0}.resources.requests[cpu]`, 'FieldValueInvalid'],
      ['spec.tasks[0].minAvailable', 'FieldValueInvalid'],
      ['spec.tasks[1].name', 'FieldValueDuplicate'],
    ],
  },
];

// Causes come out in rule order; compare as sets so the table reads naturally.
function sortPairs(p: [string, string][] | (string | undefined)[][]): string[] {
  return p.map((x) => x.join(' ')).sort();
}

t.test('accepted jobs', async (t) => {
  for (const c of accepted) t.test(c.name, async (t) => checkAccepted(t, c));
});

t.test('rejected jobs name each violated field and reason', async (t) => {
  for (const c of rejected) {
    t.test(c.name, async (t) => {
      const r = run(c);
      t.notOk(r.ok, 'rejected');
      if (r.ok) return;
      t.equal(r.status.reason, 'Invalid');
      t.equal(r.status.code, 422);
      t.match(r.status.message, /^Job\.batch\.volcano\.sh "[^"]*" is invalid: /);
      const got = (r.status.details?.causes ?? []).map((x) => [x.field, x.reason]);
      t.same(sortPairs(got), sortPairs(c.want ?? []), r.status.message);
    });
  }
});

t.test('garbage that is not an object is a 400, and never a throw', async (t) => {
  for (const input of [null, undefined, [], 'job', 42, true]) {
    const r = admitJob(input, { operation: 'CREATE' });
    t.notOk(r.ok);
    if (!r.ok) t.equal(r.status.reason, 'BadRequest', String(input));
  }
  const wrongKind = admitJob({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' }, spec: {} }, { operation: 'CREATE' });
  t.notOk(wrongKind.ok);
  if (!wrongKind.ok) t.same(wrongKind.status.details?.causes?.map((c) => c.field), ['apiVersion']);
  const cyclic: Record<string, unknown> = { metadata: { name: 'x' } };
  cyclic['spec'] = cyclic;
  const r = admitJob(cyclic, { operation: 'CREATE' });
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.status.reason, 'BadRequest');
});

t.test('defaults follow Volcano: queue, scheduler, retries, task names and gang sizes', async (t) => {
  const first = makeTask('x', 2);
  delete first['name'];
  const input: Job = {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name: 'bare' },
    spec: { tasks: [first, { ...makeTask('b', 3), minAvailable: 1, maxRetry: 0 }] },
  };
  const r = admitJob(input, { operation: 'CREATE' });
  t.ok(r.ok);
  if (!r.ok) return;
  const spec = r.job.spec;
  t.equal(spec.queue, 'default');
  t.equal(spec.schedulerName, 'volcano');
  t.equal(spec.maxRetry, 3);
  t.equal(spec.tasks?.[0]?.name, 'default0');
  t.equal(spec.tasks?.[0]?.minAvailable, 2, 'task minAvailable defaults to replicas');
  t.equal(spec.tasks?.[1]?.minAvailable, 1, 'an explicit task minAvailable is kept');
  t.equal(spec.tasks?.[1]?.maxRetry, 3, 'task maxRetry 0 becomes 3');
  t.equal(spec.minAvailable, 3, 'job minAvailable is the sum of the task minimums');
  t.notOk('namespace' in r.job.metadata, 'namespace defaulting is left to the API layer');
  t.equal(input.spec.queue, undefined, 'the input is not modified');
});

t.test('the scheduler name default can be set to Caldera\'s own; an explicit one is kept', async (t) => {
  const r = admitJob(makeJob(), { operation: 'CREATE', schedulerName: 'caldera' });
  t.equal(r.ok && r.job.spec.schedulerName, 'caldera');
  const explicit = setPath(makeJob(), 'spec.schedulerName', 'volcano');
  const r2 = admitJob(explicit, { operation: 'CREATE', schedulerName: 'caldera' });
  t.equal(r2.ok && r2.job.spec.schedulerName, 'volcano');
});

t.test('framework plugins bring svc, and mpi brings ssh too', async (t) => {
  for (const [plugins, want] of [
    [{ tensorflow: [] }, ['tensorflow', 'svc']],
    [{ pytorch: ['--port=1'] }, ['pytorch', 'svc']],
    [{ ray: [] }, ['ray', 'svc']],
    [{ mpi: ['--master=ps'] }, ['mpi', 'svc', 'ssh']],
    [{ mpi: ['--master=ps'], svc: ['--disable-network-policy=true'], ssh: [] }, ['mpi', 'svc', 'ssh']],
    [{ env: [] }, ['env']],
  ] as const) {
    const r = admitJob(setPath(makeJob(), 'spec.plugins', structuredClone(plugins)), { operation: 'CREATE' });
    t.ok(r.ok);
    if (!r.ok) continue;
    t.same(Object.keys(r.job.spec.plugins ?? {}), want, JSON.stringify(plugins));
    t.same(r.job.spec.plugins?.['svc'], 'svc' in plugins ? plugins.svc : want.includes('svc' as never) ? [] : undefined, 'existing svc args are kept');
  }
});

t.test('hostNetwork pods get ClusterFirstWithHostNet; partitions set the task minimum', async (t) => {
  const job = makeJob();
  setPath(job, 'spec.tasks[0].template.spec.hostNetwork', true);
  setPath(job, 'spec.tasks[1].template.spec.hostNetwork', true);
  setPath(job, 'spec.tasks[1].template.spec.dnsPolicy', 'Default');
  setPath(job, 'spec.tasks[1].replicas', 6);
  setPath(job, 'spec.tasks[1].partitionPolicy', { totalPartitions: 3, partitionSize: 2, minPartitions: 2 });
  const r = admitJob(job, { operation: 'CREATE' });
  t.ok(r.ok, r.ok ? '' : r.status.message);
  if (!r.ok) return;
  t.equal(getPath(r.job, 'spec.tasks[0].template.spec.dnsPolicy'), 'ClusterFirstWithHostNet');
  t.equal(getPath(r.job, 'spec.tasks[1].template.spec.dnsPolicy'), 'Default');
  t.equal(getPath(r.job, 'spec.tasks[1].minAvailable'), 4);
  t.equal(r.job.spec.minAvailable, 5);
});

t.test('defaultJob deep-copies and keeps fields it does not model', async (t) => {
  const job = makeJob();
  setPath(job, 'spec.tasks[0].template.spec.securityContext', { runAsUser: 1000 });
  setPath(job, 'spec.someFutureField', { nested: [1, { a: null }] });
  setPath(job, 'status', { state: { phase: 'Pending' } });
  const before = structuredClone(job);
  const out = defaultJob(job);
  t.same(job, before, 'input untouched');
  t.not(out.spec.tasks, job.spec.tasks, 'tasks array is a copy');
  t.same(getPath(out, 'spec.tasks[0].template.spec.securityContext'), { runAsUser: 1000 });
  t.same(getPath(out, 'spec.someFutureField'), { nested: [1, { a: null }] });
  t.same(out.status, { state: { phase: 'Pending' } });
  t.same(validateJob(out, { operation: 'CREATE' }), []);
});

t.test('updates may change only minAvailable, priorityClassName and task replicas/minAvailable', async (t) => {
  const stored = admitJob(setPath(makeJob(), 'spec.volumes', [{ mountPath: '/out', volumeClaim: { resources: { requests: { storage: '1Gi' } } } }]), { operation: 'CREATE' });
  t.ok(stored.ok);
  if (!stored.ok) return;
  const old = structuredClone(stored.job);
  setPath(old, 'spec.volumes[0].volumeClaimName', 'demo-pvc-abc123def456'); // written by the controller

  const update = (edits: Edit[]): ReturnType<typeof admitJob> => {
    const next = structuredClone(stored.job);
    for (const [p, v] of edits) setPath(next, p, v);
    return admitJob(next, { operation: 'UPDATE', old });
  };
  const fields = (r: ReturnType<typeof admitJob>): [string | undefined, string | undefined][] =>
    r.ok ? [] : (r.status.details?.causes ?? []).map((c) => [c.field, c.reason]);

  t.ok(update([['spec.tasks[1].replicas', 5], ['spec.tasks[1].minAvailable', 4], ['spec.minAvailable', 5], ['spec.priorityClassName', 'high']]).ok, 'scale and reprioritise');
  t.ok(update([]).ok, 'an identical update, without the generated claim name');
  const resent = setPath(setPath(makeJob(), 'spec.tasks[1].replicas', 4), 'spec.volumes', structuredClone(stored.job.spec.volumes));
  const r = admitJob(resent, { operation: 'UPDATE', old });
  t.ok(r.ok, 'the original manifest re-sent with more replicas is defaulted and accepted');
  t.equal(r.ok && r.job.spec.minAvailable, 5, 'and its gang grows with it');
  t.same(fields(update([['spec.queue', 'other']])), [['spec.queue', 'FieldValueForbidden']]);
  t.same(fields(update([['spec.tasks[0].template.spec.containers[0].image', 'busybox:2']])), [['spec.tasks[0].template', 'FieldValueForbidden']]);
  t.same(fields(update([['spec.tasks[2]', makeTask('extra', 1)]])), [['spec.tasks', 'FieldValueForbidden']]);
  t.same(fields(update([['spec.tasks[1]', undefined]])), [
    ['spec.minAvailable', 'FieldValueInvalid'],
    ['spec.tasks', 'FieldValueForbidden'],
  ], 'a removed task is refused, and the gang no longer fits');
  t.same(fields(update([['metadata.name', 'renamed']])), [['metadata.name', 'FieldValueInvalid']]);
  t.same(fields(update([['spec.tasks[1].minAvailable', 7]])), [['spec.tasks[1].minAvailable', 'FieldValueInvalid']], 'scaled values are still validated');
  t.same(fields(update([['spec.tasks[1].replicas', -1]])), [['spec.tasks[1].replicas', 'FieldValueInvalid']]);
  const noOld = admitJob(stored.job, { operation: 'UPDATE' });
  t.notOk(noOld.ok, 'an update without the stored job is refused');
});

t.test('queue checks apply on CREATE only', async (t) => {
  const r = admitJob(setPath(makeJob(), 'spec.queue', 'gone'), { operation: 'CREATE', queueExists: () => false });
  t.notOk(r.ok);
  const created = admitJob(makeJob(), { operation: 'CREATE' });
  if (!created.ok) return t.fail('base job must admit');
  const u = admitJob(created.job, { operation: 'UPDATE', old: created.job, queueExists: () => false });
  t.ok(u.ok);
});
