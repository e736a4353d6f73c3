/**
 * Every example manifest, admitted as the gateway would and handed to the agent as a placement on
 * its dispatch queue (real Redis, BullMQ), runs to Completed on the simulated cluster; the plugins
 * leave what the workloads need in their pods (pytorch, tensorflow, mpi) and in the cluster (svc).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Pod } from '../../../shared/api/core.js';
import type { Job } from '../../../shared/api/job.js';
import { admitJob } from '../../../shared/admission/index.js';
import { parseManifests } from '../../../shared/manifest/parse.js';
import { CONFIG_MAP, SERVICE } from '../../../member-agent/kube/kube-kinds.js';
import { createAgentMetrics } from '../../../member-agent/metrics.js';
import type { KubeObject } from '../../../member-agent/kube/kube-client.js';
import { dispatcher, eventually, placementOf, podsOf, useSimAgent, waitPhase } from '../support/agent-harness.js';

const FIXTURES = new URL('../../fixtures/volcano/', import.meta.url);

function admitted(file: string, namespace: string): Job {
  const [doc] = parseManifests(readFileSync(new URL(file, FIXTURES), 'utf8'));
  const r = admitJob(doc, { operation: 'CREATE', queueExists: () => true });
  if (!r.ok) throw new Error(`${file}: ${r.status.message}`);
  const job = r.job;
  job.metadata.namespace = namespace;
  job.metadata.uid = randomUUID();
  return job;
}

const env = (pod: Pod | undefined, name: string) => pod?.spec.containers[0]?.env?.find((e) => e.name === name)?.value;

const NODES =
  '4x{cpu: 16, memory: 64Gi}; ' +
  '2x{cpu: 32, memory: 256Gi, nvidia.com/gpu: 8, prefix: gpu-, labels: {nvidia.com/gpu.present: "true", nvidia.com/gpu.product: A100, accelerator: nvidia}, taints: ["nvidia.com/gpu=present:NoSchedule"]}';

t.test('each example manifest runs to Completed when placed through the dispatch queue', async (t) => {
  const metrics = createAgentMetrics({ cluster: 'm1', processMetrics: false });
  const h = await useSimAgent(t, { nodes: NODES, speed: 10, agent: { metrics } });
  const send = dispatcher(t, h);
  const files = [
    'plain-job.yaml', 'plugins-job.yaml', 'tensorflow-job.yaml', 'mpi-job.yaml', 'pytorch-job.yaml', 'depends-on-job.yaml',
    'full/01-plain-job.yaml', 'full/02-job-plugins-env-ssh-svc.yaml', 'full/03-tensorflow-ps-worker.yaml',
    'full/04-mpi-job.yaml', 'full/05-pytorch-job.yaml', 'full/06-task-dependson-job.yaml',
  ];
  const jobs = files.map((f, i) => ({ file: f, job: admitted(f, i < 6 ? 'examples' : 'volcano-examples') }));
  // Every pod as first created: CompleteJob deletes running workers once a master finishes.
  const seen = new Map<string, Pod>();
  h.agent.caches.pods.on((ev) => {
    const key = `${ev.obj.metadata.namespace}/${ev.obj.metadata.name}`;
    if (!seen.has(key)) seen.set(key, ev.obj);
  });
  for (const { job } of jobs) await send(placementOf(job));

  // svc: the hosts ConfigMap and the headless Service exist while the job runs.
  const cm = await eventually(() => h.agent.client.get<KubeObject & { data?: Record<string, string> }>(CONFIG_MAP, 'examples', 'mpi-hello-svc'), 'mpi-hello-svc ConfigMap');
  t.equal(cm.data?.['worker.host'], 'mpi-hello-worker-0.mpi-hello\nmpi-hello-worker-1.mpi-hello');
  const svc = await eventually(() => h.agent.client.get<KubeObject & { spec?: { clusterIP?: string } }>(SERVICE, 'examples', 'mpi-hello'), 'mpi-hello Service');
  t.equal(svc.spec?.clusterIP, 'None', 'headless');

  await eventually(() => h.reports.filter((r) => r.type === 'placement-result').length === files.length, 'a result for every placement');
  t.same(h.reports.filter((r) => r.type === 'placement-result' && r.result !== 'accepted'), [], 'no placement was rejected');
  for (const { file, job } of jobs) {
    const done = await waitPhase(h.agent, job.metadata.namespace!, job.metadata.name!, 'Completed', 60_000);
    t.equal(done.status?.state?.phase, 'Completed', `${file} completed`);
  }
  const accepted = h.reports.filter((r) => r.type === 'placement-result' && r.result === 'accepted');
  t.equal(accepted.length, files.length, 'every placement was accepted');

  const pods = (ns: string, job: string) =>
    new Map([...seen.values()].filter((p) => p.metadata.namespace === ns && p.metadata.labels?.['volcano.sh/job-name'] === job).map((p) => [p.metadata.name!, p]));
  const torch = pods('examples', 'torch-ddp');
  t.equal(env(torch.get('torch-ddp-master-0'), 'MASTER_ADDR'), 'torch-ddp-master-0.torch-ddp');
  t.equal(env(torch.get('torch-ddp-master-0'), 'WORLD_SIZE'), '3');
  t.same(['torch-ddp-master-0', 'torch-ddp-worker-0', 'torch-ddp-worker-1'].map((n) => env(torch.get(n), 'RANK')), ['0', '1', '2']);
  t.equal(env(torch.get('torch-ddp-master-0'), 'NCCL_DEBUG'), 'INFO', 'the template\u2019s own env stays');
  t.ok(podsOf(h.agent, 'examples', 'torch-ddp').find((p) => p.metadata.name === 'torch-ddp-master-0')?.spec.nodeName?.startsWith('gpu-'), 'GPU pods landed on GPU nodes');
  const sample = pods('volcano-examples', 'pytorch-sample');
  t.equal(sample.get('pytorch-sample-worker-0')?.spec.initContainers?.[0]?.name, 'wait-for-master');

  const tf = pods('examples', 'tf-mnist');
  const cfg = JSON.parse(env(tf.get('tf-mnist-worker-1'), 'TF_CONFIG') ?? '{}');
  t.same(cfg, {
    cluster: { ps: ['tf-mnist-ps-0.tf-mnist:2222'], worker: ['tf-mnist-worker-0.tf-mnist:2222', 'tf-mnist-worker-1.tf-mnist:2222'] },
    task: { type: 'worker', index: 1 },
  });

  const mpi = pods('examples', 'mpi-hello');
  t.equal(env(mpi.get('mpi-hello-launcher-0'), 'MPI_HOST'), 'mpi-hello-worker-0.mpi-hello,mpi-hello-worker-1.mpi-hello');

  const plugin = pods('examples', 'plugin-demo');
  const p0 = plugin.get('plugin-demo-node-0');
  t.equal(p0?.spec.hostname, 'plugin-demo-node-0');
  t.equal(p0?.spec.subdomain, 'plugin-demo');
  t.ok(p0?.spec.containers[0]?.volumeMounts?.some((m) => m.mountPath === '/home/runner/.ssh'), 'ssh keys mounted at the custom path');
  t.equal(env(p0, 'VC_TASK_INDEX'), '0');

  const pipeline = [...pods('examples', 'pipeline').values()];
  t.equal(pipeline.length, 5, 'every dependsOn stage ran');

  const text = await metrics.registry.metrics();
  /** The value of the sample of `name` whose labels include all of `labels` (in any order). */
  const value = (name: string, labels: Record<string, string> = {}) => {
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries({ cluster: 'm1', ...labels }).every(([k, v]) => have[k] === v)) return Number(m[3]);
    }
    return NaN;
  };
  t.equal(value('caldera_agent_placements_total', { result: 'accepted' }), files.length, 'placements counted');
  t.ok(value('caldera_agent_pods_bound_total') >= seen.size, 'every pod binding counted');
  t.ok(value('volcano_job_completed_phase_count', { job_name: 'torch-ddp', queue_name: 'research' }) >= 1, 'Volcano\u2019s completed-job counter');
  t.ok(value('caldera_agent_kube_request_duration_seconds_count', { verb: 'create', resource: 'pods/binding', code: '201' }) >= seen.size, 'bindings timed by verb and resource');
  t.equal(value('caldera_agent_leader'), 1);
});
