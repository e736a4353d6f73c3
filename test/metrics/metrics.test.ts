import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { register as globalRegistry } from 'prom-client';
import type { AppMetrics } from '../../gateway/app.js';
import { createGatewayMetrics, dominantShare, metricsRoute } from '../../gateway/metrics.js';
import { createAgentMetrics, metricsRequestListener } from '../../member-agent/metrics.js';
import { ManualClock } from '../../shared/clock.js';
import type { MetricSet, VolcanoCompatFamily } from '../../shared/metrics/metric-set.js';
import { checkMetrics, findPromtool, PROMTOOL_MISSING } from './promtool.js';
import { fillAgentSamples, fillGatewaySamples } from './sample-values.js';

interface Family {
  type: string;
  samples: string[];
}

/** Splits an exposition into families: name → TYPE and sample lines (histogram series included). */
function families(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      current = { type: type[2]!, samples: [] };
      out.set(type[1]!, current);
    } else if (line !== '' && !line.startsWith('#') && current) {
      current.samples.push(line);
    }
  }
  return out;
}

/** The value of the one sample line that starts with `series` (name plus label set, exactly). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const promtool = findPromtool();

function gatewayWithSamples(): { m: ReturnType<typeof createGatewayMetrics>; clock: ManualClock } {
  const clock = new ManualClock(1_700_000_000_000);
  const m = createGatewayMetrics({ clock });
  fillGatewaySamples(m, clock);
  return { m, clock };
}

function agentWithSamples(): ReturnType<typeof createAgentMetrics> {
  const m = createAgentMetrics({ cluster: 'east' });
  fillAgentSamples(m);
  return m;
}

const processes: { name: string; make: () => MetricSet & { compatFamilies: readonly VolcanoCompatFamily[] } }[] = [
  { name: 'gateway', make: () => gatewayWithSamples().m },
  { name: 'member agent', make: agentWithSamples },
];

t.test('promtool is installed (the lint checks below need it)', async (t) => {
  t.ok(promtool, PROMTOOL_MISSING);
});

for (const proc of processes) {
  t.test(`${proc.name}: every lint-clean family passes promtool check metrics with no problem`, async (t) => {
    if (!promtool) return t.fail(PROMTOOL_MISSING);
    const m = proc.make();
    const text = await m.coreRegistry.metrics();
    for (const [name, fam] of families(text)) {
      if (/^(caldera|volcano)_/.test(name)) t.ok(fam.samples.length > 0, `${name} has samples, so its labels are linted too`);
    }
    const r = checkMetrics(promtool, text);
    t.equal(r.code, 0, `promtool exit code (output: ${r.output.trim() || 'none'})`);
    t.same(r.problems, [], 'no lint problem');
  });

  t.test(`${proc.name}: promtool flags exactly the documented Volcano compatibility names, each of which has a clean twin`, async (t) => {
    if (!promtool) return t.fail(PROMTOOL_MISSING);
    const m = proc.make();
    const text = await m.volcanoCompatRegistry.metrics();
    const r = checkMetrics(promtool, text);
    t.equal(r.code, 3, 'promtool exits with its lint code');
    const got = r.problems.map((p) => `${p.metric}: ${p.text}`).sort();
    const want = m.compatFamilies.flatMap((f) => f.lint.map((l) => `${f.name}: ${l}`)).sort();
    t.same(got, want);
    const core = families(await m.coreRegistry.metrics());
    for (const f of m.compatFamilies) t.ok(core.has(f.twin), `${f.name} has its twin ${f.twin} in the clean registry`);
    t.same([...families(text).keys()].sort(), m.compatFamilies.map((f) => f.name).sort(), 'the compat registry holds only the documented families');
  });

  t.test(`${proc.name}: /metrics serves the clean families and the compatibility names, or only the clean ones when asked`, async (t) => {
    const m = proc.make();
    const all = [...families(await m.registry.metrics()).keys()].sort();
    const core = [...families(await m.coreRegistry.metrics()).keys()];
    const compat = [...families(await m.volcanoCompatRegistry.metrics()).keys()];
    t.same(all, [...core, ...compat].sort());
    for (const name of core) t.match(name, /^(caldera_|volcano_|process_|nodejs_)/, `${name} is Caldera's, Volcano's or the runtime's`);
  });
}

t.test('with volcanoCompat off, the served registry has no name promtool flags', async (t) => {
  if (!promtool) return t.fail(PROMTOOL_MISSING);
  const clock = new ManualClock(0);
  const m = createGatewayMetrics({ clock, volcanoCompat: false });
  fillGatewaySamples(m, clock);
  const text = await m.registry.metrics();
  t.notMatch(text, /volcano_e2e_scheduling_latency_milliseconds/);
  t.match(text, /volcano_queue_allocated_milli_cpu\{queue_name="default"\} 4000/, 'lint-clean Volcano names stay');
  t.equal(checkMetrics(promtool, text).code, 0);
});

t.test('metric objects live in per-process registries, never in prom-client\'s global one', async (t) => {
  const a = createGatewayMetrics();
  const b = createGatewayMetrics();
  const c = createAgentMetrics({ cluster: 'x' });
  a.placements.inc({ cluster: 'east', result: 'dispatched' });
  t.equal(sample(await b.registry.metrics(), 'caldera_placements_total{cluster="east",result="dispatched"}'), undefined, 'two gateways do not share samples');
  t.ok(c.registry.getSingleMetric('caldera_agent_pods_bound_total'));
  t.equal(globalRegistry.getSingleMetric('caldera_placements_total'), undefined);
  t.equal(globalRegistry.getSingleMetric('volcano_queue_share'), undefined);
});

t.test('queue picture: Volcano units for volcano_queue_*, base units for caldera_queue_*, share and fairness error', async (t) => {
  const { m } = gatewayWithSamples();
  const text = await m.registry.metrics();
  t.equal(sample(text, 'volcano_queue_allocated_milli_cpu{queue_name="default"}'), 4000);
  t.equal(sample(text, 'volcano_queue_allocated_memory_bytes{queue_name="default"}'), 8 * 2 ** 30);
  t.equal(sample(text, 'volcano_queue_allocated_scalar_resources{queue_name="default",resource="nvidia.com/gpu"}'), 1000, 'scalars in milli-units, as Volcano');
  t.equal(sample(text, 'volcano_queue_deserved_milli_cpu{queue_name="default"}'), 8000);
  t.equal(sample(text, 'volcano_queue_request_milli_cpu{queue_name="default"}'), 12000);
  t.equal(sample(text, 'volcano_queue_capacity_milli_cpu{queue_name="default"}'), 16000);
  t.equal(sample(text, 'volcano_queue_weight{queue_name="default"}'), 1);
  t.equal(sample(text, 'volcano_queue_share{queue_name="default"}'), 0.5);
  t.equal(sample(text, 'volcano_queue_overused{queue_name="default"}'), 0);
  t.equal(sample(text, 'caldera_queue_deserved{queue="default",resource="cpu"}'), 8, 'CPU in cores');
  t.equal(sample(text, 'caldera_queue_allocated{queue="default",resource="memory"}'), 8 * 2 ** 30);
  t.equal(sample(text, 'caldera_queue_allocated{queue="default",resource="nvidia.com/gpu"}'), 1);
  t.equal(sample(text, 'caldera_queue_share{queue="default"}'), 0.5);
  // holds max(4/32, 8/64, 1/4) = 0.25 of the federation, deserves max(8/32, 16/64, 2/4) = 0.5
  t.equal(sample(text, 'caldera_queue_fairness_error{queue="default"}'), -0.25);

  m.recordQueues({ queues: [{ queue: 'batch', deserved: { cpu: 1000 }, allocated: { cpu: 3000 } }], total: { cpu: 4000 } });
  const after = await m.registry.metrics();
  t.equal(sample(after, 'volcano_queue_allocated_milli_cpu{queue_name="default"}'), undefined, 'a queue left out of the next record disappears');
  t.equal(sample(after, 'caldera_queue_share{queue="default"}'), undefined);
  t.equal(sample(after, 'volcano_queue_share{queue_name="batch"}'), 3);
  t.equal(sample(after, 'volcano_queue_overused{queue_name="batch"}'), 1);
  t.equal(sample(after, 'caldera_queue_fairness_error{queue="batch"}'), 0.5);
  t.equal(dominantShare({ cpu: 1000, gpu: 1 }, { cpu: 4000, gpu: 0 }), 0.25, 'a resource the federation lacks does not count');
});

t.test('Volcano families and their twins record the same facts', async (t) => {
  const { m } = gatewayWithSamples();
  m.observeSchedulingCycle(0.238);
  const text = await m.registry.metrics();
  t.equal(sample(text, 'caldera_scheduling_cycle_seconds_count'), 2);
  t.equal(sample(text, 'volcano_e2e_scheduling_latency_milliseconds_count'), 2);
  t.equal(sample(text, 'caldera_scheduling_cycle_seconds_sum'), 0.25);
  t.equal(sample(text, 'volcano_e2e_scheduling_latency_milliseconds_sum'), 250);
  t.equal(sample(text, 'volcano_unschedule_task_count{job_id="default/train"}'), 3);
  t.equal(sample(text, 'caldera_unschedulable_tasks{job="default/train"}'), 3);
  t.equal(sample(text, 'volcano_unschedule_job_count'), 1);
  t.equal(sample(text, 'caldera_unschedulable_jobs'), 1);
  t.equal(sample(text, 'volcano_queue_pod_group_running_count{queue_name="default"}'), 2);
  t.equal(sample(text, 'volcano_queue_pod_group_inqueue_count{queue_name="default"}'), 0, 'phases without PodGroups read 0');
  t.equal(sample(text, 'caldera_queue_pod_groups{queue="default",phase="Pending"}'), 1);
  t.equal(sample(text, 'volcano_job_completed_phase_count{job_name="train",queue_name="default"}'), 1);
  t.equal(sample(text, 'volcano_job_failed_phase_count{job_name="eval",queue_name="default"}'), 1);
  t.equal(sample(text, 'caldera_jobs_finished_total{queue="default",phase="Completed"}'), 1);
  t.equal(sample(text, 'caldera_jobs_finished_total{queue="default",phase="Failed"}'), 1);
  t.equal(sample(text, 'caldera_leader'), 1);
  t.equal(sample(text, 'caldera_pending_jobs{queue="default",reason="InsufficientResources"}'), 2);
  m.cycle.setUnschedulable(new Map([['default/train', 0]]));
  const after = await m.registry.metrics();
  t.equal(sample(after, 'volcano_unschedule_task_count{job_id="default/train"}'), undefined, 'a job that became schedulable is dropped');
  t.equal(sample(after, 'volcano_unschedule_job_count'), 0);
});

t.test('a replica that steps down stops exporting the leader-only picture', async (t) => {
  const { m } = gatewayWithSamples();
  m.setLeader(false);
  const text = await m.registry.metrics();
  t.equal(sample(text, 'caldera_leader'), 0);
  for (const series of [
    'caldera_queue_share{queue="default"}',
    'volcano_queue_allocated_milli_cpu{queue_name="default"}',
    'caldera_pending_jobs{queue="default",reason="InsufficientResources"}',
    'caldera_reservations{cluster="east"}',
    'caldera_member_allocatable{cluster="east",resource="cpu"}',
    'volcano_unschedule_task_count{job_id="default/train"}',
    'caldera_queue_pod_groups{queue="default",phase="Running"}',
  ]) t.equal(sample(text, series), undefined, `${series} is gone`);
  t.equal(sample(text, 'caldera_placements_total{cluster="east",result="dispatched"}'), 3, 'counters keep counting across terms');
});

t.test('heartbeat age, readiness and dispatch depth are read from their sources at scrape time', async (t) => {
  const { m, clock } = gatewayWithSamples();
  let text = await m.registry.metrics();
  t.equal(sample(text, 'caldera_member_heartbeat_age_seconds{cluster="east"}'), 2);
  t.equal(sample(text, 'caldera_member_heartbeat_age_seconds{cluster="west"}'), 45);
  t.equal(sample(text, 'caldera_member_ready{cluster="east"}'), 1);
  t.equal(sample(text, 'caldera_member_ready{cluster="west"}'), 0);
  t.equal(sample(text, 'caldera_member_state{cluster="west",state="NotReady"}'), 1);
  t.equal(sample(text, 'caldera_member_state{cluster="west",state="Ready"}'), 0);
  t.equal(sample(text, 'caldera_dispatch_queue_depth{cluster="east"}'), 4);
  t.equal(sample(text, 'caldera_report_backlog'), 7);
  clock.advance(10_000);
  text = await m.registry.metrics();
  t.equal(sample(text, 'caldera_member_heartbeat_age_seconds{cluster="east"}'), 12, 'the age grows with the clock, without anyone setting it');

  m.setDispatchQueueDepthSource(async () => { throw new Error('redis down'); });
  m.setReportBacklogSource(async () => { throw new Error('redis down'); });
  m.setMemberHealthSource(() => { throw new Error('not yet'); });
  text = await m.registry.metrics();
  t.equal(sample(text, 'caldera_dispatch_queue_depth{cluster="east"}'), 4, 'a failing source keeps the last samples instead of failing the scrape');
  t.equal(sample(text, 'caldera_member_ready{cluster="east"}'), 1);
  t.equal(sample(text, 'caldera_metrics_collect_errors_total{family="caldera_dispatch_queue_depth"}'), 1);
  t.equal(sample(text, 'caldera_report_backlog'), 7, 'the backlog keeps its last value when its source fails');
  t.equal(sample(text, 'caldera_metrics_collect_errors_total{family="caldera_report_backlog"}'), 1);
  m.setReportBacklogSource(undefined);
  text = await m.registry.metrics();
  t.equal(sample(text, 'caldera_report_backlog'), 0, 'a replica that is not the leader exports 0, not the last leader\'s figure');
  t.ok((sample(text, 'caldera_metrics_collect_errors_total{family="caldera_member"}') ?? 0) >= 1);
});

t.test('the agent labels every sample with its cluster and counts job phases', async (t) => {
  const m = agentWithSamples();
  const text = await m.registry.metrics();
  const samples = [...families(text).values()].flatMap((f) => f.samples);
  t.ok(samples.length > 50);
  for (const s of samples) {
    if (!s.includes('cluster="east"')) t.fail(`sample without cluster label: ${s}`);
  }
  t.equal(sample(text, 'caldera_agent_job_phase_transitions_total{queue="default",phase="Completed",cluster="east"}'), 1);
  t.equal(sample(text, 'volcano_job_completed_phase_count{job_name="train",queue_name="default",cluster="east"}'), 1);
  t.equal(sample(text, 'caldera_agent_jobs_finished_total{queue="default",phase="Failed",cluster="east"}'), 1);
  t.equal(sample(text, 'caldera_agent_jobs_finished_total{queue="default",phase="Running",cluster="east"}'), undefined, 'Running is not a finished phase');
  t.equal(sample(text, 'caldera_agent_allocatable{resource="cpu",cluster="east"}'), 12, 'CPU in cores');
  t.equal(sample(text, 'caldera_agent_nodes{state="unschedulable",cluster="east"}'), 0);
  t.equal(sample(text, 'volcano_e2e_scheduling_latency_milliseconds_sum{cluster="east"}'), 4);
});

t.test('metricsRoute serves the registry as Prometheus text 0.0.4 and observeApiRequests labels by route pattern', async (t) => {
  const m = createGatewayMetrics({ processMetrics: false });
  const app = Fastify();
  t.teardown(() => app.close());
  m.observeApiRequests(app);
  await app.register(metricsRoute(m));
  app.get('/apis/batch.volcano.sh/v1alpha1/namespaces/:namespace/jobs/:name', async () => ({ kind: 'Job' }));
  app.get('/watched', async () => 'stream');
  t.equal((await app.inject('/apis/batch.volcano.sh/v1alpha1/namespaces/a/jobs/b')).statusCode, 200);
  t.equal((await app.inject('/nowhere/at/all')).statusCode, 404);
  t.equal((await app.inject('/watched?watch=true')).statusCode, 200);
  const res = await app.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.equal(sample(res.body, 'caldera_api_request_duration_seconds_count{method="GET",route="/apis/batch.volcano.sh/v1alpha1/namespaces/:namespace/jobs/:name",code="200"}'), 1);
  t.equal(sample(res.body, 'caldera_api_request_duration_seconds_count{method="GET",route="unmatched",code="404"}'), 1, 'unknown paths share one series');
  t.notMatch(res.body, /route="\/watched"/, 'watch streams are not timed');

  const asApp: AppMetrics = m; // what buildApp({ metrics }) accepts
  asApp.observeRequest?.({ method: 'DELETE', route: '/x/:y', code: 200, seconds: 0.5 });
  t.equal(sample(await m.registry.metrics(), 'caldera_api_request_duration_seconds_sum{method="DELETE",route="/x/:y",code="200"}'), 0.5, 'the app\'s request observer feeds the same histogram');
});

t.test('metricsRequestListener answers GET /metrics on a plain node:http server and leaves other paths alone', async (t) => {
  const m = createAgentMetrics({ cluster: 'east', processMetrics: false });
  m.podsBound.inc(2);
  const listener = metricsRequestListener(m);
  const server = createServer((req, res) => {
    if (!listener(req, res)) {
      res.writeHead(404);
      res.end('other');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ok = await fetch(`${base}/metrics`);
  t.equal(ok.status, 200);
  t.equal(ok.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  t.equal(sample(await ok.text(), 'caldera_agent_pods_bound_total{cluster="east"}'), 2);
  t.equal((await fetch(`${base}/healthz`)).status, 404);
});
