import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { JOBS, QUEUES, simpleJob, startTestGateway, TOKENS } from '../gateway-harness.js';
import { useRedis } from '../../support/redis.js';
import { RedisGatewayStore } from '../../../gateway/store/redis-gateway-store.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'volcano');

/** Every Job manifest among the fixtures: [file, YAML text of that one document, parsed object]. */
function jobFixtures(): Array<{ file: string; yaml: string; object: Record<string, unknown> }> {
  const out: Array<{ file: string; yaml: string; object: Record<string, unknown> }> = [];
  for (const dir of [fixtures, join(fixtures, 'full')]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8')) as ReturnType<typeof parseAllDocuments> & unknown[]) {
        const object = doc.toJS() as Record<string, unknown> | null;
        if (object?.kind === 'Job') out.push({ file: `${dir === fixtures ? '' : 'full/'}${f}`, yaml: doc.toString(), object });
      }
    }
  }
  return out;
}

t.test('every fixture job is created from YAML and from JSON with its defaulted spec', async (t) => {
  const gw = await startTestGateway(t);
  const queue = readFileSync(join(fixtures, 'queue.yaml'), 'utf8');
  t.equal((await gw.request({ method: 'POST', url: QUEUES, body: queue })).statusCode, 201, 'the research queue the fixtures use');
  const all = jobFixtures();
  t.ok(all.length >= 6, `found ${all.length} job fixtures`);
  for (const { file, yaml, object } of all) {
    const fromYaml = await gw.request({ method: 'POST', url: `${JOBS}/namespaces/yaml-ns/jobs`, body: yaml });
    t.equal(fromYaml.statusCode, 201, `${file} as YAML: ${fromYaml.body.slice(0, 300)}`);
    const fromJson = await gw.request({ method: 'POST', url: `${JOBS}/namespaces/json-ns/jobs`, body: object });
    t.equal(fromJson.statusCode, 201, `${file} as JSON: ${fromJson.body.slice(0, 300)}`);
    const a = fromYaml.json();
    const b = fromJson.json();
    t.same(a.spec, b.spec, `${file}: the same spec either way`);
    t.equal(a.spec.queue, (object.spec as { queue?: string }).queue ?? 'default', `${file}: queue defaulted`);
    t.ok(a.spec.minAvailable >= 1, `${file}: minAvailable defaulted`);
    t.ok(a.spec.tasks.every((task: { name?: string; maxRetry?: number }) => task.name && task.maxRetry !== undefined), `${file}: task defaults`);
    t.equal(a.status.state.phase, 'Pending');
    t.match(a.metadata, { namespace: 'yaml-ns', uid: /^[0-9a-f-]{36}$/, resourceVersion: /^\d+$/, creationTimestamp: /Z$/ });
  }
});

t.test('create, get, update with resourceVersion, patch, list and delete a job', async (t) => {
  const gw = await startTestGateway(t);
  const base = `${JOBS}/namespaces/team-a/jobs`;
  const created = await gw.request({ method: 'POST', url: base, body: simpleJob('one', { labels: { tier: 'gold' } }) });
  t.equal(created.statusCode, 201);
  const job = created.json();
  const got = (await gw.request({ method: 'GET', url: `${base}/one` })).json();
  t.same(got, job, 'GET returns what POST returned');

  const bumped = { ...job, spec: { ...job.spec, tasks: [{ ...job.spec.tasks[0], replicas: 3 }] } };
  const put = await gw.request({ method: 'PUT', url: `${base}/one`, body: bumped });
  t.equal(put.statusCode, 200, put.body);
  t.equal(put.json().spec.tasks[0].replicas, 3);
  t.equal(put.json().metadata.generation, 2, 'a spec change bumps the generation');
  t.equal(put.json().status.state.phase, 'Pending', 'status is kept on update');
  const stale = await gw.request({ method: 'PUT', url: `${base}/one`, body: bumped });
  t.equal(stale.statusCode, 409, 'the old resourceVersion is stale now');
  t.equal(stale.json().reason, 'Conflict');
  const current = put.json<{ spec: Record<string, unknown> }>();
  const queueChange = await gw.request({ method: 'PUT', url: `${base}/one`, body: { ...current, spec: { ...current.spec, queue: 'other' } } });
  t.equal(queueChange.statusCode, 422, 'admission refuses changing the queue');

  const patched = await gw.request({ method: 'PATCH', url: `${base}/one`, body: { metadata: { labels: { tier: 'silver' } } }, contentType: 'application/merge-patch+json' });
  t.equal(patched.statusCode, 200, patched.body);
  t.equal(patched.json().metadata.labels.tier, 'silver');
  const jsonPatched = await gw.request({ method: 'PATCH', url: `${base}/one`, body: [{ op: 'replace', path: '/spec/minAvailable', value: 2 }], contentType: 'application/json-patch+json' });
  t.equal(jsonPatched.statusCode, 200, jsonPatched.body);
  t.equal(jsonPatched.json().spec.minAvailable, 2);

  await gw.request({ method: 'POST', url: base, body: simpleJob('two', { labels: { tier: 'bronze' } }) });
  await gw.request({ method: 'POST', url: `${JOBS}/namespaces/team-b/jobs`, body: simpleJob('three') });
  const list = (await gw.request({ method: 'GET', url: base })).json();
  t.equal(list.kind, 'JobList');
  t.same(list.items.map((j: { metadata: { name: string } }) => j.metadata.name), ['one', 'two']);
  t.match(list.metadata.resourceVersion, /^\d+$/);
  const names = async (query: string, url = `${JOBS}/jobs`) =>
    (await gw.request({ method: 'GET', url: `${url}?${query}` })).json().items.map((j: { metadata: { name: string } }) => j.metadata.name);
  t.same(await names(''), ['one', 'two', 'three'], 'all namespaces');
  t.same(await names('labelSelector=tier%3Dsilver'), ['one']);
  t.same(await names('labelSelector=tier!%3Dsilver'), ['two', 'three']);
  t.same(await names('labelSelector=tier%20in%20(silver,bronze)'), ['one', 'two']);
  t.same(await names('labelSelector=tier%20notin%20(silver)'), ['two', 'three']);
  t.same(await names('labelSelector=tier'), ['one', 'two']);
  t.same(await names('labelSelector=!tier'), ['three']);
  t.same(await names('fieldSelector=metadata.name%3Dtwo'), ['two']);
  t.same(await names('fieldSelector=metadata.namespace%3Dteam-b'), ['three']);
  const page1 = (await gw.request({ method: 'GET', url: `${JOBS}/jobs?limit=2` })).json();
  t.equal(page1.items.length, 2);
  t.ok(page1.metadata.continue);
  const page2 = (await gw.request({ method: 'GET', url: `${JOBS}/jobs?limit=2&continue=${encodeURIComponent(page1.metadata.continue)}` })).json();
  t.equal(page2.items.length, 1);
  t.equal(page2.metadata.continue, undefined);
  t.equal((await gw.request({ method: 'GET', url: `${JOBS}/jobs?fieldSelector=spec.queue%3Ddefault` })).statusCode, 400, 'unsupported field');

  const yaml = await gw.request({ method: 'GET', url: `${base}/one`, headers: { accept: 'application/yaml' } });
  t.match(yaml.headers['content-type'], /yaml/);
  t.match(yaml.body, /^apiVersion: batch.volcano.sh\/v1alpha1/m);

  const deleted = await gw.request({ method: 'DELETE', url: `${base}/two` });
  t.equal(deleted.statusCode, 200, 'a never-placed job is deleted at once');
  t.equal((await gw.request({ method: 'GET', url: `${base}/two` })).statusCode, 404);
  t.equal((await gw.request({ method: 'DELETE', url: `${base}/two` })).json().reason, 'NotFound');
});

t.test('deleting a placed job marks it for termination instead of removing it', async (t) => {
  const gw = await startTestGateway(t);
  const base = `${JOBS}/namespaces/team-a/jobs`;
  const job = (await gw.request({ method: 'POST', url: base, body: simpleJob('placed') })).json();
  const [ok] = await gw.store.setPlacements([{ placement: { uid: job.metadata.uid, namespace: 'team-a', name: 'placed', queue: 'default', cluster: 'east', epoch: 1, attempt: 1, state: 'Dispatched', placedAt: 'now' } }]);
  t.ok(ok?.ok);
  const del = await gw.request({ method: 'DELETE', url: `${base}/placed`, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }, contentType: 'application/json' });
  t.equal(del.statusCode, 202);
  const marked = (await gw.request({ method: 'GET', url: `${base}/placed` })).json();
  t.match(marked.metadata.deletionTimestamp, /Z$/);
  t.equal(marked.metadata.annotations['caldera.dev/terminate'], 'true');
  const update = await gw.request({ method: 'PUT', url: `${base}/placed`, body: { ...marked, metadata: { ...marked.metadata, annotations: {}, deletionTimestamp: undefined } } });
  t.equal(update.statusCode, 200);
  t.ok(update.json().metadata.deletionTimestamp, 'an update cannot undo a deletion');
  t.equal(update.json().metadata.annotations['caldera.dev/terminate'], 'true');
  t.equal((await gw.request({ method: 'DELETE', url: `${base}/placed` })).statusCode, 202, 'deleting again is harmless');
});

t.test('dryRun=All admits without storing', async (t) => {
  const gw = await startTestGateway(t);
  const base = `${JOBS}/namespaces/team-a/jobs`;
  const dry = await gw.request({ method: 'POST', url: `${base}?dryRun=All`, body: simpleJob('dry') });
  t.equal(dry.statusCode, 201);
  t.equal(dry.json().spec.queue, 'default');
  t.equal((await gw.request({ method: 'GET', url: `${base}/dry` })).statusCode, 404);
  t.equal((await gw.request({ method: 'POST', url: `${base}?dryRun=Maybe`, body: simpleJob('dry') })).statusCode, 400);
});

t.test('generateName gives each create a fresh name', async (t) => {
  const gw = await startTestGateway(t);
  const body = { ...simpleJob('x'), metadata: { generateName: 'batch-' } };
  const a = (await gw.request({ method: 'POST', url: `${JOBS}/namespaces/team-a/jobs`, body })).json();
  const b = (await gw.request({ method: 'POST', url: `${JOBS}/namespaces/team-a/jobs`, body })).json();
  t.match(a.metadata.name, /^batch-[a-z0-9]{5}$/);
  t.not(a.metadata.name, b.metadata.name);
});

t.test('of 16 concurrent creates of one name exactly one gets 201, the rest 409 AlreadyExists', async (t) => {
  const gw = await startTestGateway(t);
  const results = await Promise.all(Array.from({ length: 16 }, () =>
    gw.request({ method: 'POST', url: `${JOBS}/namespaces/team-a/jobs`, body: simpleJob('same') })));
  const codes = results.map((r) => r.statusCode).sort();
  t.same(codes, [201, ...Array<number>(15).fill(409)]);
  t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().reason === 'AlreadyExists'));
});

t.test('explain: a clear structure before the scheduler looked, then what it stored', async (t) => {
  const gw = await startTestGateway(t);
  const job = (await gw.request({ method: 'POST', url: `${JOBS}/namespaces/team-a/jobs`, body: simpleJob('why') })).json();
  const before = (await gw.request({ method: 'GET', url: `${JOBS}/namespaces/team-a/jobs/why/explain` })).json();
  t.match(before, { kind: 'JobExplanation', phase: 'Pending', reasons: [], metadata: { name: 'why', uid: job.metadata.uid } });
  t.match(before.message, /not evaluated/);
  await gw.store.putExplanations([{ namespace: 'team-a', name: 'why', explanation: {
    uid: job.metadata.uid, evaluatedAt: '2030-01-01T00:00:00Z', cycle: 7,
    reasons: [{ cluster: 'east', reason: 'InsufficientCPU', message: '0/3 nodes have 1 cpu free' }],
  } }]);
  const after = (await gw.request({ method: 'GET', url: `${JOBS}/namespaces/team-a/jobs/why/explain` })).json();
  t.match(after, { cycle: 7, reasons: [{ cluster: 'east', reason: 'InsufficientCPU' }] });
  t.equal((await gw.request({ method: 'GET', url: `${JOBS}/namespaces/team-a/jobs/nope/explain` })).statusCode, 404);
});

t.test('watch over HTTP resumes from a resourceVersion and answers 410 Gone when it is too old', async (t) => {
  const r = await useRedis(t);
  const gw = await startTestGateway(t, { redis: r, listen: true });
  const base = `${JOBS}/namespaces/team-a/jobs`;
  const first = (await gw.request({ method: 'POST', url: base, body: simpleJob('w1') })).json();
  await gw.request({ method: 'POST', url: base, body: simpleJob('w2') });
  await gw.request({ method: 'DELETE', url: `${base}/w1` });
  const res = await fetch(`${gw.url}${base}?watch=true&resourceVersion=${first.metadata.resourceVersion}&timeoutSeconds=1`, { headers: { authorization: `Bearer ${TOKENS.admin}` } });
  t.equal(res.status, 200);
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string; resourceVersion: string } } });
  t.same(lines.map((l) => `${l.type} ${l.object.metadata.name}`), ['ADDED w2', 'DELETED w1']);
  t.ok(Number(lines[0]?.object.metadata.resourceVersion) < Number(lines[1]?.object.metadata.resourceVersion));

  const fromList = await fetch(`${gw.url}${base}?watch=1&timeoutSeconds=1`, { headers: { authorization: `Bearer ${TOKENS.admin}` } });
  t.same((await fromList.text()).trim().split('\n').map((l) => (JSON.parse(l) as { type: string; object: { metadata: { name: string } } }).object.metadata.name), ['w2'], 'without a resourceVersion: the current state first');

  // An open watch gets its headers at once and ends when the app closes, instead of holding it open.
  const open = await fetch(`${gw.url}${base}?watch=true`, { headers: { authorization: `Bearer ${TOKENS.admin}` } });
  t.equal(open.status, 200, 'headers flushed before any change happens');
  const text = open.text();
  const started = Date.now();
  await gw.app.close();
  t.match(await text, /"ADDED".*"w2"/);
  t.ok(Date.now() - started < 5000, 'closing the app ended the watch');

  // A gateway whose feed keeps only a handful of changes forgets old resourceVersions.
  const smallPrefix = `${r.prefix.replace(/:$/, '')}-small`;
  const small = await startTestGateway(t, { redis: r, prefix: smallPrefix, listen: true });
  const smallStore = new RedisGatewayStore({ client: r.connect(), prefix: smallPrefix, feedMaxLen: 5, ownsClient: false });
  for (let i = 0; i < 300; i++) await smallStore.createQueue({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: `q${i}`, uid: `u${i}` }, spec: { weight: 1 } });
  await smallStore.close();
  const gone = await fetch(`${small.url}${base}?watch=true&resourceVersion=1`, { headers: { authorization: `Bearer ${TOKENS.admin}` } });
  t.equal(gone.status, 410);
  t.equal(((await gone.json()) as { reason: string }).reason, 'Gone');
});

t.test('nothing accepted is lost across a gateway restart on the same Redis', async (t) => {
  const r = await useRedis(t);
  const first = await startTestGateway(t, { redis: r });
  for (const n of ['a', 'b', 'c']) {
    t.equal((await first.request({ method: 'POST', url: `${JOBS}/namespaces/team-a/jobs`, body: simpleJob(n) })).statusCode, 201);
  }
  await first.request({ method: 'POST', url: `${QUEUES}/default/close` });
  await first.app.close();
  const second = await startTestGateway(t, { redis: r, prefix: r.prefix });
  const list = (await second.request({ method: 'GET', url: `${JOBS}/namespaces/team-a/jobs` })).json();
  t.same(list.items.map((j: { metadata: { name: string } }) => j.metadata.name), ['a', 'b', 'c']);
  t.equal((await second.request({ method: 'GET', url: `${QUEUES}/default` })).json().status.state, 'Closed', 'bootstrap does not reset an existing queue');
});
