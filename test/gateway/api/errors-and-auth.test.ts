import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { JOBS, MEMBERS, QUEUES, simpleJob, startTestGateway, TOKENS, type TestGateway } from '../gateway-harness.js';

const CREATE = `${JOBS}/namespaces/team-a/jobs`;

/** After every refusal the gateway must still serve: a follow-up create succeeds. */
async function stillServes(t: Test, gw: TestGateway, name: string): Promise<void> {
  const r = await gw.request({ method: 'POST', url: CREATE, body: simpleJob(name) });
  t.equal(r.statusCode, 201, `follow-up request after the refusal is served (${name})`);
}

function expectStatus(t: Test, res: { statusCode: number; json(): unknown }, code: number, reason: string, message?: RegExp): Record<string, unknown> {
  t.equal(res.statusCode, code, `HTTP ${code}`);
  const body = res.json() as Record<string, unknown>;
  t.match(body, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  if (message) t.match(body.message, message);
  return body;
}

t.test('bad bodies get a Status with the right code and reason, and the gateway keeps serving', async (t) => {
  const gw = await startTestGateway(t, { app: { bodyLimit: 1024 * 1024 } });

  const malformed = await gw.request({ method: 'POST', url: CREATE, body: 'apiVersion: batch.volcano.sh/v1alpha1\nkind: Job\nmetadata:\n  name: [unclosed\n' });
  expectStatus(t, malformed, 400, 'BadRequest', /line \d+, column \d+/);
  await stillServes(t, gw, 'after-malformed');

  const badJson = await gw.request({ method: 'POST', url: CREATE, body: '{"kind": "Job", ', contentType: 'application/json' });
  expectStatus(t, badJson, 400, 'BadRequest', /JSON/);

  const twoDocs = await gw.request({ method: 'POST', url: CREATE, body: `${stringify(simpleJob('a'))}---\n${stringify(simpleJob('b'))}`, contentType: 'application/yaml' });
  expectStatus(t, twoDocs, 400, 'BadRequest', /2 documents; send exactly one object/);

  const empty = await gw.request({ method: 'POST', url: CREATE, body: '', contentType: 'application/json' });
  expectStatus(t, empty, 400, 'BadRequest', /empty/);

  const notAnObject = await gw.request({ method: 'POST', url: CREATE, body: '[1, 2]', contentType: 'application/json' });
  t.equal(notAnObject.statusCode, 400);

  const invalidSpec = await gw.request({ method: 'POST', url: CREATE, body: { ...simpleJob('bad'), spec: { minAvailable: 5, tasks: [{ name: 'Bad_Name', replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } }] } } });
  const inv = expectStatus(t, invalidSpec, 422, 'Invalid', /Job.batch.volcano.sh "bad" is invalid/);
  const fields = ((inv.details as { causes: Array<{ field: string }> }).causes).map((c) => c.field);
  t.ok(fields.includes('spec.tasks[0].name'), `causes name the fields: ${fields.join(', ')}`);
  await stillServes(t, gw, 'after-invalid');

  const unknownQueue = await gw.request({ method: 'POST', url: CREATE, body: simpleJob('lost', { queue: 'nowhere' }), token: TOKENS.admin });
  const uq = expectStatus(t, unknownQueue, 422, 'Invalid');
  t.match((uq.details as { causes: unknown[] }).causes, [{ field: 'spec.queue' }]);

  t.equal((await gw.request({ method: 'POST', url: `${QUEUES}/default/close` })).statusCode, 200);
  const closed = await gw.request({ method: 'POST', url: CREATE, body: simpleJob('late') });
  const cq = expectStatus(t, closed, 422, 'Invalid', /Open/);
  t.match((cq.details as { causes: unknown[] }).causes, [{ field: 'spec.queue' }]);
  t.equal((await gw.request({ method: 'POST', url: `${QUEUES}/default/open` })).statusCode, 200);
  await stillServes(t, gw, 'after-closed-queue');

  const huge = { ...simpleJob('huge'), metadata: { name: 'huge', annotations: { blob: 'x'.repeat(2 * 1024 * 1024) } } };
  const tooLarge = await gw.request({ method: 'POST', url: CREATE, body: huge });
  expectStatus(t, tooLarge, 413, 'RequestEntityTooLarge');
  await stillServes(t, gw, 'after-2mib');

  const unsupported = await gw.request({ method: 'POST', url: CREATE, body: 'a=b', contentType: 'application/x-www-form-urlencoded' });
  expectStatus(t, unsupported, 415, 'UnsupportedMediaType');
  const badPatch = await gw.request({ method: 'PATCH', url: `${CREATE}/after-invalid`, body: { a: 1 }, contentType: 'application/apply-patch+yaml' });
  expectStatus(t, badPatch, 415, 'UnsupportedMediaType');

  const wrongNs = await gw.request({ method: 'POST', url: CREATE, body: { ...simpleJob('ns'), metadata: { name: 'ns', namespace: 'team-b' } } });
  expectStatus(t, wrongNs, 400, 'BadRequest', /does not match the namespace/);

  const badSelector = await gw.request({ method: 'GET', url: `${CREATE}?labelSelector=a%20in%20(`, token: TOKENS.admin });
  expectStatus(t, badSelector, 400, 'BadRequest');
  await stillServes(t, gw, 'after-everything');
});

t.test('unknown routes are 404 Status, unsupported methods 405 Status', async (t) => {
  const gw = await startTestGateway(t);
  expectStatus(t, await gw.request({ method: 'GET', url: '/apis/nothing.example/v1/widgets' }), 404, 'NotFound');
  expectStatus(t, await gw.request({ method: 'GET', url: '/no/such/path' }), 404, 'NotFound');
  expectStatus(t, await gw.request({ method: 'POST', url: `${JOBS}/jobs`, body: simpleJob('x') }), 405, 'MethodNotAllowed');
  expectStatus(t, await gw.request({ method: 'DELETE', url: MEMBERS }), 405, 'MethodNotAllowed');
  expectStatus(t, await gw.request({ method: 'GET', url: '/openapi/v2' }), 404, 'NotFound');
});

t.test('authentication: 401 without or with an unknown token; probes and version are open', async (t) => {
  const gw = await startTestGateway(t);
  const none = await gw.request({ method: 'GET', url: `${JOBS}/jobs`, token: null });
  expectStatus(t, none, 401, 'Unauthorized', /token is required/);
  t.match(none.headers['www-authenticate'], /Bearer/);
  expectStatus(t, await gw.request({ method: 'GET', url: `${JOBS}/jobs`, token: 'not-a-real-token' }), 401, 'Unauthorized', /not known/);
  expectStatus(t, await gw.request({ method: 'GET', url: '/apis', headers: { authorization: 'Basic YTpi' }, token: null }), 401, 'Unauthorized');
  for (const path of ['/healthz', '/readyz', '/livez', '/version']) {
    t.equal((await gw.request({ method: 'GET', url: path, token: null })).statusCode, 200, `${path} needs no token`);
  }
  t.equal((await gw.request({ method: 'GET', url: '/metrics', token: null })).statusCode, 404, 'no /metrics without a metrics hook');
});

t.test('authorization: namespaces and queues per token, admin-only writes to queues and clusters', async (t) => {
  const gw = await startTestGateway(t);
  t.equal((await gw.request({ method: 'POST', url: CREATE, body: simpleJob('mine'), token: TOKENS.alice })).statusCode, 201, 'alice in team-a, queue default');
  expectStatus(t, await gw.request({ method: 'POST', url: `${JOBS}/namespaces/team-b/jobs`, body: simpleJob('theirs'), token: TOKENS.alice }), 403, 'Forbidden', /team-b/);
  await gw.request({ method: 'POST', url: QUEUES, body: { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: 'gpu' }, spec: { weight: 2 } } });
  expectStatus(t, await gw.request({ method: 'POST', url: CREATE, body: simpleJob('gpu', { queue: 'gpu' }), token: TOKENS.alice }), 403, 'Forbidden', /queue "gpu"/);
  expectStatus(t, await gw.request({ method: 'POST', url: `${JOBS}/namespaces/team-b/jobs`, body: simpleJob('v'), token: TOKENS.viewer }), 403, 'Forbidden', /queue "default"/);
  expectStatus(t, await gw.request({ method: 'GET', url: `${JOBS}/namespaces/team-a/jobs/mine`, token: TOKENS.viewer }), 403, 'Forbidden');
  expectStatus(t, await gw.request({ method: 'DELETE', url: `${JOBS}/namespaces/team-a/jobs/mine`, token: TOKENS.viewer }), 403, 'Forbidden');
  const visible = (await gw.request({ method: 'GET', url: `${JOBS}/jobs`, token: TOKENS.viewer })).json();
  t.same(visible.items, [], 'an all-namespaces list shows only the namespaces a token may see');

  expectStatus(t, await gw.request({ method: 'POST', url: QUEUES, body: { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: 'mine' }, spec: {} }, token: TOKENS.alice }), 403, 'Forbidden', /only admins/);
  expectStatus(t, await gw.request({ method: 'POST', url: `${QUEUES}/default/close`, token: TOKENS.alice }), 403, 'Forbidden');
  t.equal((await gw.request({ method: 'GET', url: QUEUES, token: TOKENS.alice })).statusCode, 200, 'anyone may read queues');
  await gw.store.ensureMember({ apiVersion: 'caldera.dev/v1alpha1', kind: 'MemberCluster', metadata: { name: 'east', uid: 'u' }, spec: {} });
  expectStatus(t, await gw.request({ method: 'POST', url: `${MEMBERS}/east/cordon`, token: TOKENS.alice }), 403, 'Forbidden');
  expectStatus(t, await gw.request({ method: 'PATCH', url: `${MEMBERS}/east`, body: { spec: { cordoned: true } }, contentType: 'application/merge-patch+json', token: TOKENS.alice }), 403, 'Forbidden');
  t.equal((await gw.request({ method: 'GET', url: `${MEMBERS}/east`, token: TOKENS.alice })).statusCode, 200, 'anyone may read clusters');
  await stillServes(t, gw, 'after-forbidden');
});

t.test('insecure development mode lets every request through as an admin', async (t) => {
  const gw = await startTestGateway(t, { insecure: true });
  t.equal((await gw.request({ method: 'POST', url: `${JOBS}/namespaces/anything/jobs`, body: simpleJob('dev'), token: null })).statusCode, 201);
  t.equal((await gw.request({ method: 'POST', url: `${QUEUES}/default/close`, token: null })).statusCode, 200);
});
