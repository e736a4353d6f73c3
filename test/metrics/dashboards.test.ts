import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import { createGatewayMetrics } from '../../gateway/metrics.js';
import { createAgentMetrics } from '../../member-agent/metrics.js';
import { namesInPromql, namesInVariableQuery, PROMQL_FUNCTIONS } from './promql-names.js';

const DASHBOARD_DIR = fileURLToPath(new URL('../../helm/gateway/dashboards/', import.meta.url));

/** Series names a registry exports: histograms as their `_bucket`, `_sum` and `_count` series. */
async function exportedSeries(registry: Registry): Promise<Set<string>> {
  const out = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    const type = String(m.type); // the typings say enum, the runtime value is 'counter', 'histogram', ...
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) out.add(m.name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) out.add(m.name + suffix);
    else out.add(m.name);
  }
  return out;
}

interface Panel {
  type: string;
  title?: string;
  id?: number;
  datasource?: { uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: { expr?: string; refId?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

interface Dashboard {
  uid: string;
  title: string;
  id: unknown;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] };
}

function loadDashboards(): { file: string; d: Dashboard }[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, d: JSON.parse(readFileSync(DASHBOARD_DIR + file, 'utf8')) as Dashboard }));
}

function flatPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...flatPanels(p.panels ?? [])]);
}

t.test('the PromQL tokenizer finds metric names and only metric names', async (t) => {
  const cases: [string, string[]][] = [
    ['caldera_member_ready', ['caldera_member_ready']],
    ['sum by (cluster, result) (rate(caldera_placements_total{cluster=~"$cluster"}[$__rate_interval]))', ['caldera_placements_total']],
    ['histogram_quantile(0.95, sum by (le, route) (rate(caldera_api_request_duration_seconds_bucket[5m])))', ['caldera_api_request_duration_seconds_bucket']],
    ['process_resident_memory_bytes and on (instance, job) caldera_leader', ['process_resident_memory_bytes', 'caldera_leader']],
    ['a / ignoring(le) group_left(queue) b', ['a', 'b']],
    ['sum without (instance) (x) > bool 0.5', ['x']],
    ['topk(10, y{job="a}b{c"}) offset 1h30m', ['y']],
    ['{__name__="from_matcher", job!="x"}', ['from_matcher']],
    ['label_replace(z, "dst", "$1", "src", "(.*)")', ['z']],
    ['count_values("version", build_info) @ start()', ['build_info']],
    ['max_over_time(m[1h:5m]) - 1e3 * .5', ['m']],
    ['vector(1) unless on() absent(q)', ['q']],
    ["sum(v{a='it''s'}) or w", ['v', 'w']],
    ['r{a="${var:regex}"} * on(instance) group_right s', ['r', 's']],
  ];
  for (const [expr, want] of cases) t.same(namesInPromql(expr).metrics, want, expr);
  t.same(namesInPromql('histogram_quantile(0.5, sum by (le) (rate(x[5m])))').functions, ['histogram_quantile', 'rate']);
  t.same(namesInVariableQuery('label_values(caldera_queue_share, queue)').metrics, ['caldera_queue_share']);
  t.same(namesInVariableQuery('label_values(up{job="x"}, instance)').metrics, ['up']);
  t.same(namesInVariableQuery('label_values(cluster)').metrics, []);
  t.throws(() => namesInPromql('sum(rate(x{a="b}[5m]))'), SyntaxError, 'an unterminated string is an error, not a silent pass');
});

t.test('every dashboard is provisioning-ready: unique uid, datasource variable, every panel queried through it', async (t) => {
  const boards = loadDashboards();
  t.ok(boards.length >= 2, 'a federation overview and a member-cluster view');
  t.same(boards.map((b) => b.d.uid), [...new Set(boards.map((b) => b.d.uid))], 'uids are unique');
  for (const { file, d } of boards) {
    t.ok(d.uid && d.title, `${file}: uid and title`);
    t.equal(d.id, null, `${file}: id is null so provisioning assigns one`);
    const ds = d.templating.list.find((v) => v.type === 'datasource');
    t.equal(ds?.name, 'datasource', `${file}: a datasource variable`);
    const panels = flatPanels(d.panels).filter((p) => p.type !== 'row');
    t.ok(panels.length >= 10, `${file}: has panels`);
    const ids = flatPanels(d.panels).map((p) => p.id);
    t.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`);
    for (const p of panels) {
      t.ok((p.targets ?? []).length > 0, `${file} / ${p.title}: has queries`);
      t.equal(p.datasource?.uid, '${datasource}', `${file} / ${p.title}: panel uses the datasource variable`);
      for (const target of p.targets ?? []) t.equal(target.datasource?.uid, '${datasource}', `${file} / ${p.title} / ${target.refId}: query uses the datasource variable`);
      const g = p.gridPos;
      t.ok(g && g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${file} / ${p.title}: fits the 24-column grid`);
    }
  }
});

t.test('every metric a dashboard queries is one the gateway or the agent exports', async (t) => {
  const exported = new Set([
    ...(await exportedSeries(createGatewayMetrics().registry)),
    ...(await exportedSeries(createAgentMetrics({ cluster: 'x' }).registry)),
  ]);
  const used = new Set<string>();
  for (const { file, d } of loadDashboards()) {
    const queries: { where: string; names: ReturnType<typeof namesInPromql> }[] = [];
    for (const p of flatPanels(d.panels)) {
      for (const target of p.targets ?? []) {
        if (target.expr) queries.push({ where: `${file} / ${p.title} / ${target.refId}`, names: namesInPromql(target.expr) });
      }
    }
    for (const v of d.templating.list) {
      if (v.type === 'query' && v.definition) queries.push({ where: `${file} / variable ${v.name}`, names: namesInVariableQuery(v.definition) });
    }
    t.ok(queries.length > 0, `${file}: has queries`);
    for (const q of queries) {
      t.ok(q.names.metrics.length > 0, `${q.where}: names at least one metric`);
      for (const name of q.names.metrics) {
        used.add(name);
        t.ok(exported.has(name), `${q.where}: ${name} is exported`);
      }
      for (const fn of q.names.functions) t.ok(PROMQL_FUNCTIONS.has(fn), `${q.where}: ${fn}() is a PromQL function`);
    }
  }
  for (const must of ['caldera_queue_deserved', 'caldera_queue_allocated', 'caldera_pending_jobs', 'caldera_placements_total', 'caldera_submit_to_dispatch_seconds_bucket', 'caldera_member_ready', 'caldera_member_heartbeat_age_seconds', 'caldera_agent_scheduling_cycle_seconds_bucket']) {
    t.ok(used.has(must), `the dashboards show ${must}`);
  }
});
