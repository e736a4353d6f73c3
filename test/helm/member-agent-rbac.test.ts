import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { AGENT_CHART, AGENT_CI_VALUES, HELM_MISSING, REPO_ROOT, helmAvailable, renderChart } from './helm-tool.js';
import { grantsOf, needKeys, rulesFor, scanAgentApiCalls, TYPED_API_TABLE, type PolicyRule, type ScanResult } from './rbac-scan.js';

const FIXTURE = `${REPO_ROOT}test/helm/fixtures/rbac-agent`;

function keysOf(scan: ScanResult): string[] {
  return [...new Set(scan.needs.map((n) => `${n.scope} ${n.group}|${n.resource}|${n.verb}`))].sort();
}

t.test('the method table maps client-node calls to RBAC triples', async (t) => {
  t.same(TYPED_API_TABLE.get('CoreV1Api.createNamespacedPodBinding'), { group: '', resource: 'pods/binding', verb: 'create' });
  t.same(TYPED_API_TABLE.get('CoreV1Api.createNamespacedPodEviction'), { group: '', resource: 'pods/eviction', verb: 'create' });
  t.same(TYPED_API_TABLE.get('CoreV1Api.listPodForAllNamespaces'), { group: '', resource: 'pods', verb: 'list' });
  t.same(TYPED_API_TABLE.get('CoreV1Api.patchNamespacedPodStatus'), { group: '', resource: 'pods/status', verb: 'patch' });
  t.same(TYPED_API_TABLE.get('CoreV1Api.readNode'), { group: '', resource: 'nodes', verb: 'get' });
  t.same(TYPED_API_TABLE.get('CoordinationV1Api.replaceNamespacedLease'), { group: 'coordination.k8s.io', resource: 'leases', verb: 'update' });
  t.same(TYPED_API_TABLE.get('EventsV1Api.createNamespacedEvent'), { group: 'events.k8s.io', resource: 'events', verb: 'create' });
  t.same(TYPED_API_TABLE.get('CoreV1Api.createNamespacedEvent'), { group: '', resource: 'events', verb: 'create' }, 'same method name, other API group');
  t.equal(TYPED_API_TABLE.get('CoreV1Api.createNamespacedPodLog'), undefined, 'only the verbs a subresource has');
});

t.test('the scanner follows every kind of call in a miniature agent and refuses to guess the rest', async (t) => {
  const scan = scanAgentApiCalls({ root: FIXTURE });
  t.notOk(scan.files.some((f) => f.includes('/sim/')), 'member-agent/sim is not the agent');
  t.same(keysOf(scan), [
    'cluster batch.volcano.sh|jobs/status|update', // replaceStatus(VC_JOB)
    'cluster batch.volcano.sh|jobs|watch', // Watch.watch on a template path with a constant group
    'cluster events.k8s.io|events|create', // EventsV1Api, not the core API
    'cluster scheduling.volcano.sh|podgroups|patch', // CustomObjectsApi with group/plural spread from a constant
    'cluster scheduling.volcano.sh|queues/status|patch', // patchStatus(QUEUE)
    'cluster |configmaps|get', // get(ownedKind(obj)): the union type of obj.kind
    'cluster |namespaces|list', // makeInformer path, and the list function it is given
    'cluster |namespaces|watch',
    'cluster |nodes|list', // new Mirror({ kind: NODE }) → this.opts.kind
    'cluster |nodes|watch',
    'cluster |pods/binding|create', // a direct call inside the generic client
    'cluster |pods|create', // create(POD, ...)
    'cluster |pods|list', // listAll(client, POD) → parameter
    'cluster |services|get',
    'namespace coordination.k8s.io|leases|get', // the Lease: the Role, not the ClusterRole
    'namespace coordination.k8s.io|leases|update',
  ]);
  t.same(scan.unresolved.map((u) => `${u.where}: ${u.reason.replace(/`.*`/, '…')}`), [
    'member-agent/unresolvable.ts:11: … is not a union of string literals',
    'member-agent/unresolvable.ts:13: KubernetesObjectApi outside the generic client: its kind is known only at run time',
    'member-agent/unresolvable.ts:15: CoreV1Api.listNamespacedLimitRange is not in TYPED_API_KINDS',
  ]);
  t.same(rulesFor(needKeys(scan.needs, 'namespace')), [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'] }], 'rules are printed compactly');
});

t.test('the chart grants the member agent exactly the API access its code uses', async (t) => {
  if (!helmAvailable()) return t.fail(HELM_MISSING);
  const scan = scanAgentApiCalls({ root: REPO_ROOT });
  t.ok(scan.files.length > 0, `scanned ${scan.files.length} agent files`);
  t.same(scan.unresolved, [], 'every Kubernetes call site of the agent is understood (otherwise extend rbac-scan.ts or use kind constants)');
  const objs = renderChart({ chart: AGENT_CHART, values: [AGENT_CI_VALUES] });
  const clusterRules = objs.filter((o) => o.kind === 'ClusterRole').flatMap((o) => (o as unknown as { rules: PolicyRule[] }).rules);
  const roleRules = objs.filter((o) => o.kind === 'Role').flatMap((o) => (o as unknown as { rules: PolicyRule[] }).rules);
  for (const r of [...clusterRules, ...roleRules]) {
    t.notOk([...(r.apiGroups ?? []), ...(r.resources ?? []), ...(r.verbs ?? [])].includes('*'), `no wildcard in ${JSON.stringify(r)}`);
    t.notOk(r.nonResourceURLs, 'no non-resource URLs (discovery is granted to every authenticated user)');
  }

  const compare = (t: Test, scope: 'cluster' | 'namespace', granted: Set<string>): void => {
    const needed = needKeys(scan.needs, scope);
    const missing = [...needed].filter((k) => !granted.has(k)).sort();
    const extra = [...granted].filter((k) => !needed.has(k)).sort();
    const where = (k: string): string => scan.needs.filter((n) => `${n.group}|${n.resource}|${n.verb}` === k).map((n) => n.where).join(', ');
    t.same(missing.map((k) => `${k} (${where(k)})`), [], `every ${scope} call is granted`);
    t.same(extra, [], `nothing beyond the ${scope} calls is granted`);
    if (missing.length > 0 || extra.length > 0) t.comment(`rules the code needs (${scope}):\n${stringify(rulesFor(needed))}`);
  };

  t.test('ClusterRole', async (t) => compare(t, 'cluster', grantsOf(clusterRules)));
  t.test('Role (the Lease)', async (t) => compare(t, 'namespace', grantsOf(roleRules)));
});
