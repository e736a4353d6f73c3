import t from 'tap';
import type { NodeInventory } from '../../../shared/messages/node-inventory.js';
import { JOBS, MEMBERS, QUEUES, simpleJob, startTestGateway } from '../gateway-harness.js';

const queue = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name }, spec });

t.test('the default and root queues exist from the start; default is weight 1 and reclaimable', async (t) => {
  const gw = await startTestGateway(t);
  const list = (await gw.request({ method: 'GET', url: QUEUES })).json();
  t.equal(list.kind, 'QueueList');
  t.same(list.items.map((q: { metadata: { name: string } }) => q.metadata.name), ['default', 'root']);
  const def = (await gw.request({ method: 'GET', url: `${QUEUES}/default` })).json();
  t.match(def, { spec: { weight: 1, reclaimable: true }, status: { state: 'Open' } });
});

t.test('queue create, update, open/close by spec.state or convenience routes, and delete rules', async (t) => {
  const gw = await startTestGateway(t);
  const created = await gw.request({ method: 'POST', url: QUEUES, body: queue('team') });
  t.equal(created.statusCode, 201, created.body);
  t.match(created.json(), { spec: { weight: 1, reclaimable: true }, status: { state: 'Open' } }, 'admission defaults');
  t.equal((await gw.request({ method: 'POST', url: QUEUES, body: queue('team') })).statusCode, 409);
  const bad = await gw.request({ method: 'POST', url: QUEUES, body: queue('bad', { weight: 0, capability: { cpu: '-1' } }) });
  t.equal(bad.statusCode, 422);

  const closedByPatch = await gw.request({ method: 'PATCH', url: `${QUEUES}/team`, body: { spec: { state: 'Closed' } }, contentType: 'application/merge-patch+json' });
  t.equal(closedByPatch.statusCode, 200, closedByPatch.body);
  t.equal(closedByPatch.json().status.state, 'Closed');
  t.equal((await gw.request({ method: 'POST', url: `${JOBS}/namespaces/a/jobs`, body: simpleJob('j', { queue: 'team' }) })).statusCode, 422, 'closed queue refuses jobs');
  const opened = await gw.request({ method: 'POST', url: `${QUEUES}/team/open` });
  t.equal(opened.json().status.state, 'Open');
  t.equal(opened.json().spec.state, 'Open', 'spec.state follows when present');
  t.equal((await gw.request({ method: 'POST', url: `${JOBS}/namespaces/a/jobs`, body: simpleJob('j', { queue: 'team' }) })).statusCode, 201);
  const badState = await gw.request({ method: 'PATCH', url: `${QUEUES}/team`, body: { spec: { state: 'Sleeping' } }, contentType: 'application/merge-patch+json' });
  t.equal(badState.statusCode, 422);
  t.match(badState.json().details.causes, [{ field: 'spec.state' }]);

  const current = (await gw.request({ method: 'GET', url: `${QUEUES}/team` })).json();
  const put = await gw.request({ method: 'PUT', url: `${QUEUES}/team`, body: { ...current, spec: { ...current.spec, weight: 7 } } });
  t.equal(put.statusCode, 200, put.body);
  t.equal(put.json().spec.weight, 7);
  t.equal((await gw.request({ method: 'PUT', url: `${QUEUES}/team`, body: current })).statusCode, 409, 'stale resourceVersion');

  t.equal((await gw.request({ method: 'DELETE', url: `${QUEUES}/team` })).statusCode, 409, 'a queue holding jobs stays');
  t.equal((await gw.request({ method: 'DELETE', url: `${JOBS}/namespaces/a/jobs/j` })).statusCode, 200);
  t.equal((await gw.request({ method: 'DELETE', url: `${QUEUES}/team` })).statusCode, 200);
  t.equal((await gw.request({ method: 'DELETE', url: `${QUEUES}/default` })).statusCode, 403, 'default can not be deleted');
  t.equal((await gw.request({ method: 'POST', url: `${QUEUES}/root/close` })).statusCode, 422, 'root can not be closed');
  t.equal((await gw.request({ method: 'POST', url: `${QUEUES}/nope/close` })).statusCode, 404);
});

t.test('queue status shows the usage the scheduler stored', async (t) => {
  const gw = await startTestGateway(t);
  await gw.store.setQueueUsage([{ queue: 'default', allocated: { cpu: '3', memory: '1Gi' } }]);
  const q = (await gw.request({ method: 'GET', url: `${QUEUES}/default` })).json();
  t.same(q.status.allocated, { cpu: '3', memory: '1Gi' });
});

function node(name: string, ready = true): NodeInventory {
  return { name, allocatable: { cpu: '4', memory: '8Gi' }, capacity: { cpu: '4', memory: '8Gi' }, labels: {}, taints: [], unschedulable: false, requested: { cpu: '1500m' }, ready };
}

t.test('member clusters: readiness, heartbeat age, capacity and allocated from nodes, labels and cordon', async (t) => {
  const gw = await startTestGateway(t);
  const created = await gw.request({ method: 'POST', url: MEMBERS, body: { apiVersion: 'caldera.dev/v1alpha1', kind: 'MemberCluster', metadata: { name: 'east', labels: { region: 'eu' } }, spec: {} } });
  t.equal(created.statusCode, 201, created.body);
  t.match(created.json().status, { phase: 'Unknown', ready: false, nodeCount: 0 });
  t.equal((await gw.request({ method: 'POST', url: MEMBERS, body: { metadata: { name: 'Bad_Name' } } })).statusCode, 422);

  await gw.store.putNodes({ cluster: 'east', agentId: 'a', seq: 1, mode: 'full', nodes: [node('n1'), node('n2', false)] });
  await gw.store.recordHeartbeat({ cluster: 'east', agentId: 'a', seq: 2, at: Date.now() - 3000 });
  const east = (await gw.request({ method: 'GET', url: `${MEMBERS}/east` })).json();
  t.match(east.status, { phase: 'Ready', ready: true, nodeCount: 2, readyNodeCount: 1, capacity: { cpu: '8', memory: '16Gi' }, allocated: { cpu: '3' } });
  t.ok(east.status.heartbeatAgeSeconds >= 2 && east.status.heartbeatAgeSeconds < 60, `heartbeat age ${east.status.heartbeatAgeSeconds}s`);
  t.equal(east.spec.cordoned, false);

  await gw.store.recordHeartbeat({ cluster: 'east', agentId: 'a', seq: 3, at: Date.now() - 10 * 60_000 });
  t.equal((await gw.request({ method: 'GET', url: `${MEMBERS}/east` })).json().status.phase, 'Lost', 'no heartbeat for 10 minutes');
  await gw.store.mutateMember('east', (m) => ({ ...m, status: { ...m.status, phase: 'NotReady' } }));
  t.equal((await gw.request({ method: 'GET', url: `${MEMBERS}/east` })).json().status.phase, 'NotReady', 'the health component\'s verdict wins');

  const cordoned = await gw.request({ method: 'POST', url: `${MEMBERS}/east/cordon` });
  t.equal(cordoned.json().spec.cordoned, true);
  const relabeled = await gw.request({ method: 'PATCH', url: `${MEMBERS}/east`, body: { metadata: { labels: { region: 'us' } }, spec: { cordoned: false } }, contentType: 'application/merge-patch+json' });
  t.equal(relabeled.statusCode, 200, relabeled.body);
  t.match(relabeled.json(), { metadata: { labels: { region: 'us' } }, spec: { cordoned: false }, status: { phase: 'NotReady' } });
  t.equal((await gw.request({ method: 'PATCH', url: `${MEMBERS}/east`, body: { spec: { cordoned: 'yes' } }, contentType: 'application/merge-patch+json' })).statusCode, 422);
  const statusWrite = await gw.request({ method: 'PATCH', url: `${MEMBERS}/east`, body: { status: { phase: 'Ready' } }, contentType: 'application/merge-patch+json' });
  t.equal(statusWrite.json().status.phase, 'NotReady', 'status is not writable through the API');

  const list = (await gw.request({ method: 'GET', url: `${MEMBERS}?labelSelector=region%3Dus` })).json();
  t.equal(list.kind, 'MemberClusterList');
  t.same(list.items.map((m: { metadata: { name: string } }) => m.metadata.name), ['east']);
  t.same((await gw.request({ method: 'GET', url: `${MEMBERS}?labelSelector=region%3Deu` })).json().items, []);
  t.equal((await gw.request({ method: 'GET', url: `${MEMBERS}/west` })).statusCode, 404);
});

t.test('discovery documents name the resources, kinds, verbs and short names', async (t) => {
  const gw = await startTestGateway(t);
  const groups = (await gw.request({ method: 'GET', url: '/apis' })).json();
  t.same(groups.groups.map((g: { name: string }) => g.name).sort(), ['batch.volcano.sh', 'caldera.dev', 'scheduling.volcano.sh']);
  const batch = (await gw.request({ method: 'GET', url: '/apis/batch.volcano.sh/v1alpha1' })).json();
  t.match(batch.resources, [{ name: 'jobs', kind: 'Job', namespaced: true, shortNames: ['vcjob', 'vj'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }]);
  const sched = (await gw.request({ method: 'GET', url: '/apis/scheduling.volcano.sh/v1beta1' })).json();
  t.match(sched.resources, [{ name: 'queues', kind: 'Queue', namespaced: false, shortNames: ['q', 'queue-v1beta1'] }]);
  t.equal((await gw.request({ method: 'GET', url: '/apis/batch.volcano.sh/v2' })).statusCode, 404);
  t.equal((await gw.request({ method: 'GET', url: '/apis/caldera.dev' })).json().preferredVersion.version, 'v1alpha1');
  t.match((await gw.request({ method: 'GET', url: '/version', token: null })).json(), { major: '1', gitVersion: /caldera/ });
  const index = (await gw.request({ method: 'GET', url: '/openapi/v3' })).json();
  t.ok(index.paths['apis/batch.volcano.sh/v1alpha1'].serverRelativeURL);
  const doc = (await gw.request({ method: 'GET', url: index.paths['apis/batch.volcano.sh/v1alpha1'].serverRelativeURL })).json();
  const patch = doc.paths['/apis/batch.volcano.sh/v1alpha1/namespaces/{namespace}/jobs/{name}'].patch;
  t.same(patch['x-kubernetes-group-version-kind'], { group: 'batch.volcano.sh', version: 'v1alpha1', kind: 'Job' });
  t.ok(patch.parameters.some((p: { name: string }) => p.name === 'fieldValidation'), 'kubectl leaves validation to the server');
});

t.test('readyz fails with 503 when Redis is unreachable, and healthz still answers', async (t) => {
  const gw = await startTestGateway(t);
  t.equal((await gw.request({ method: 'GET', url: '/readyz', token: null })).statusCode, 200);
  gw.store.client.disconnect();
  const res = await gw.request({ method: 'GET', url: '/readyz', token: null });
  t.equal(res.statusCode, 503);
  t.equal(res.json().reason, 'ServiceUnavailable');
  t.equal((await gw.request({ method: 'GET', url: '/healthz', token: null })).statusCode, 200);
});

t.test('a metrics hook adds /metrics and observes every request', async (t) => {
  const seen: Array<{ route: string; code: number }> = [];
  const gw = await startTestGateway(t, { app: { metrics: { registry: { contentType: 'text/plain; version=0.0.4', metrics: async () => 'caldera_up 1\n' }, observeRequest: (s) => seen.push(s) } } });
  const m = await gw.request({ method: 'GET', url: '/metrics', token: null });
  t.equal(m.body, 'caldera_up 1\n');
  await gw.request({ method: 'GET', url: `${JOBS}/namespaces/a/jobs/x` });
  t.ok(seen.some((s) => s.route === '/apis/batch.volcano.sh/v1alpha1/namespaces/:ns/jobs/:name' && s.code === 404), 'observed with the route pattern');
});
