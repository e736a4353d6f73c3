/**
 * `caldera agent` configuration (flags over environment over defaults, errors that say what is
 * wrong), its --help text, and the metrics it serves.
 */
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { agentHelp, AgentConfigError, loadAgentConfig } from '../../member-agent/config.js';
import { createAgentMetrics } from '../../member-agent/metrics.js';
import { recordCycle } from '../../member-agent/metrics-recording.js';
import { describeRequest } from '../../member-agent/kube/node-http-library.js';
import { ObjectStore } from '../../member-agent/kube/object-store.js';
import type { Queue } from '../../shared/api/queue.js';
import { commands } from '../../cli/command-table.js';
import { runCycle, createSnapshot } from '../../shared/scheduling/index.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';

t.test('defaults, environment and flags: flags win', async (t) => {
  const base = loadAgentConfig(['--cluster', 'east'], {});
  t.same(base, {
    cluster: 'east',
    redisUrl: 'redis://127.0.0.1:6379',
    schedulerName: 'caldera',
    schedulePeriodMs: 1000,
    deployment: 'caldera',
    leaderElect: true,
    leaseNamespace: 'default',
    logLevel: 'info',
  });
  const env = {
    CALDERA_CLUSTER: 'west',
    REDIS_URL: 'redis://r:6380',
    KUBECONFIG: '/etc/kube/west',
    CALDERA_SCHEDULER_NAME: 'volcano',
    CALDERA_SCHEDULER_CONFIG: '/etc/caldera/sched.yaml',
    CALDERA_SCHEDULE_PERIOD: '250ms',
    CALDERA_METRICS_PORT: '9100',
    POD_NAMESPACE: 'caldera-system',
  };
  const fromEnv = loadAgentConfig([], env);
  t.match(fromEnv, {
    cluster: 'west',
    redisUrl: 'redis://r:6380',
    kubeconfig: '/etc/kube/west',
    schedulerName: 'volcano',
    schedulerConfigPath: '/etc/caldera/sched.yaml',
    schedulePeriodMs: 250,
    metricsPort: 9100,
    leaseNamespace: 'caldera-system',
  });
  const flags = loadAgentConfig(['--cluster=north', '--schedule-period', '2s', '--no-leader-elect', '--scheduler-name', 'mine'], env);
  t.match(flags, { cluster: 'north', schedulePeriodMs: 2000, leaderElect: false, schedulerName: 'mine', redisUrl: 'redis://r:6380' });
});

t.test('configuration errors name the problem', async (t) => {
  t.throws(() => loadAgentConfig([], {}), new AgentConfigError('the cluster name is required: --cluster NAME or CALDERA_CLUSTER'));
  t.throws(() => loadAgentConfig(['--cluster', 'Bad_Name'], {}), /DNS-1123/);
  t.throws(() => loadAgentConfig(['--cluster', 'a', '--schedule-period', 'soon'], {}), /not a positive duration/);
  t.throws(() => loadAgentConfig(['--cluster', 'a', '--colour'], {}), /unknown flag --colour/);
  t.throws(() => loadAgentConfig(['--cluster', 'a', '--metrics-port', '70000'], {}), /not a port/);
});

t.test('--help documents every flag and environment variable, and the command is registered', async (t) => {
  const help = agentHelp();
  for (const v of ['REDIS_URL', 'CALDERA_CLUSTER', 'KUBECONFIG', 'CALDERA_SCHEDULER_NAME', 'CALDERA_SCHEDULER_CONFIG', 'CALDERA_SCHEDULE_PERIOD', 'CALDERA_METRICS_PORT']) {
    t.match(help, v);
  }
  t.match(help, /--cluster NAME/);
  const agent = commands.find((c) => c.name === 'agent');
  t.ok(agent);
  t.equal(await agent!.run(['--help']).then((code) => code), 0);
});

t.test('metrics: a cycle fills Volcano\u2019s scheduler families and their caldera_agent twins; the core families pass promtool', async (t) => {
  const m = createAgentMetrics({ cluster: 'east', processMetrics: false });
  const snapshot = createSnapshot({
    nodes: [{ name: 'n1', allocatable: ResourceVector.fromQuantities({ cpu: '2', pods: 10 }) }],
    queues: [{ name: 'default' }],
    jobs: [
      {
        id: 'ns/pg', name: 'pg', namespace: 'ns', queue: 'default', minMember: 1, creationTimestamp: 0, phase: 'Inqueue',
        tasks: [{ id: 'p0', name: 'p0', status: 'Pending', request: ResourceVector.fromQuantities({ cpu: '1' }) }],
      },
    ],
  });
  const result = runCycle({ snapshot });
  recordCycle(m, result, result.stats.binds, new ObjectStore<Queue>());
  m.recordJobPhase({ job: 'j', queue: 'default', phase: 'Completed' });
  const text = await m.registry.metrics();
  t.match(text, /volcano_e2e_scheduling_latency_milliseconds_count\{cluster="east"\} 1/);
  t.match(text, /volcano_schedule_attempts_total\{result="Success",cluster="east"\} 1/);
  t.match(text, /volcano_queue_allocated_milli_cpu\{queue_name="default",cluster="east"\} 1000/);
  t.match(text, /volcano_job_completed_phase_count\{job_name="j",queue_name="default",cluster="east"\} 1/);
  t.match(text, /volcano_queue_pod_group_inqueue_count\{queue_name="default",cluster="east"\} 1/);
  const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' });
  if (promtool.status !== 0) {
    t.comment('promtool not on PATH: lint not checked');
    return;
  }
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: await m.coreRegistry.metrics(), encoding: 'utf8' });
  t.equal(lint.status, 0, `promtool: ${lint.stdout}${lint.stderr}`);
});

t.test('API calls are labelled with the Kubernetes verb and resource', async (t) => {
  t.same(describeRequest('POST', '/api/v1/namespaces/a/pods/p-0/binding'), { verb: 'create', resource: 'pods/binding' });
  t.same(describeRequest('GET', '/apis/batch.volcano.sh/v1alpha1/jobs'), { verb: 'list', resource: 'jobs' });
  t.same(describeRequest('GET', '/api/v1/nodes/n1'), { verb: 'get', resource: 'nodes' });
  t.same(describeRequest('PUT', '/apis/batch.volcano.sh/v1alpha1/namespaces/a/jobs/j/status'), { verb: 'update', resource: 'jobs/status' });
  t.same(describeRequest('PATCH', '/apis/scheduling.volcano.sh/v1beta1/queues/q/status'), { verb: 'patch', resource: 'queues/status' });
  t.same(describeRequest('GET', '/apis/batch.volcano.sh/v1alpha1'), { verb: 'get', resource: 'discovery' });
});
