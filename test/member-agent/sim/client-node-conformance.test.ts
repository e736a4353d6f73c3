// Conformance of the simulated cluster through @kubernetes/client-node over HTTP, the way the member
// agent reaches clusters: every kind's verbs, watches and informers, conflicts, binding and the pod
// lifecycle, field selectors, unknown fields of custom resources, patches, discovery and errors.
import * as k8s from '@kubernetes/client-node';
import t from 'tap';
import { startSimCluster, type SimCluster } from '../../../member-agent/sim/sim-cluster.js';

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const STRATEGIC = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const JSON_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The Status body of a failed client-node call. */
async function failureOf(p: Promise<unknown>): Promise<{ code: number; status: { reason?: string; message?: string; code?: number; details?: { name?: string; kind?: string } } }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      const body: unknown = err.body;
      return { code: err.code, status: typeof body === 'string' ? JSON.parse(body) as object : (body as object) ?? {} };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

interface Seen { type: string; name: string; rv: string; obj: Record<string, unknown> }

/** Opens a client-node Watch on `path` and records its events. */
async function record(kc: k8s.KubeConfig, path: string, query: Record<string, string | number | boolean> = {}) {
  const events: Seen[] = [];
  let done: unknown = 'open';
  const controller = await new k8s.Watch(kc).watch(path, query, (type, obj: { metadata?: { name?: string; resourceVersion?: string } }) => {
    events.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '', obj: obj as Record<string, unknown> });
  }, (err) => {
    done = err ?? null;
  });
  return { events, controller, done: () => done };
}

let sim: SimCluster;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let coordination: k8s.CoordinationV1Api;

t.before(async () => {
  sim = await startSimCluster({
    name: 'conf',
    nodes: '3x{cpu: 8, memory: 32Gi, nvidia.com/gpu: 2}',
    kubelet: { startDelayMs: 20, defaultDurationMs: 100, stopDelayMs: 20 },
    historySize: 1000,
  });
  kc = sim.kubeconfig.config;
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  coordination = kc.makeApiClient(k8s.CoordinationV1Api);
});
t.teardown(() => sim.stop());

interface KindDriver {
  name: string;
  path: string;
  create(name: string): Promise<unknown>;
  get(name: string): Promise<{ metadata?: { name?: string; labels?: Record<string, string> } }>;
  list(): Promise<{ items: { metadata?: { name?: string } }[] }>;
  patch(name: string): Promise<unknown>;
  delete(name: string): Promise<unknown>;
}

function customDriver(group: string, version: string, plural: string, kind: string, namespaced: boolean): KindDriver {
  const ns = namespaced ? { namespace: 'default' } : {};
  const base = { group, version, plural };
  const asItem = (x: unknown) => x as { metadata?: { name?: string; labels?: Record<string, string> } };
  const asList = (x: unknown) => x as { items: { metadata?: { name?: string } }[] };
  return {
    name: `${plural}.${group}`,
    path: namespaced ? `/apis/${group}/${version}/namespaces/default/${plural}` : `/apis/${group}/${version}/${plural}`,
    create: (name) => namespaced
      ? custom.createNamespacedCustomObject({ ...base, namespace: 'default', body: { apiVersion: `${group}/${version}`, kind, metadata: { name }, spec: {} } })
      : custom.createClusterCustomObject({ ...base, body: { apiVersion: `${group}/${version}`, kind, metadata: { name }, spec: {} } }),
    get: async (name) => asItem(namespaced ? await custom.getNamespacedCustomObject({ ...base, ...ns, namespace: 'default', name }) : await custom.getClusterCustomObject({ ...base, name })),
    list: async () => asList(namespaced ? await custom.listNamespacedCustomObject({ ...base, namespace: 'default' }) : await custom.listClusterCustomObject(base)),
    patch: (name) => namespaced
      ? custom.patchNamespacedCustomObject({ ...base, namespace: 'default', name, body: { metadata: { labels: { patched: 'yes' } } } }, MERGE)
      : custom.patchClusterCustomObject({ ...base, name, body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
    delete: (name) => namespaced
      ? custom.deleteNamespacedCustomObject({ ...base, namespace: 'default', name })
      : custom.deleteClusterCustomObject({ ...base, name }),
  };
}

const labelPatch = { metadata: { labels: { patched: 'yes' } } };

function drivers(): KindDriver[] {
  const namespace = 'default';
  return [
    { name: 'namespaces', path: '/api/v1/namespaces',
      create: (name) => core.createNamespace({ body: { metadata: { name } } }),
      get: (name) => core.readNamespace({ name }), list: () => core.listNamespace(),
      patch: (name) => core.patchNamespace({ name, body: labelPatch }, MERGE), delete: (name) => core.deleteNamespace({ name }) },
    { name: 'nodes', path: '/api/v1/nodes',
      create: (name) => core.createNode({ body: { metadata: { name }, status: { allocatable: { cpu: '2' }, conditions: [{ type: 'Ready', status: 'True' }] } } }),
      get: (name) => core.readNode({ name }), list: () => core.listNode(),
      patch: (name) => core.patchNode({ name, body: labelPatch }, STRATEGIC), delete: (name) => core.deleteNode({ name }) },
    { name: 'pods', path: '/api/v1/namespaces/default/pods',
      create: (name) => core.createNamespacedPod({ namespace, body: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } }),
      get: (name) => core.readNamespacedPod({ name, namespace }), list: () => core.listNamespacedPod({ namespace }),
      patch: (name) => core.patchNamespacedPod({ name, namespace, body: labelPatch }, STRATEGIC), delete: (name) => core.deleteNamespacedPod({ name, namespace }) },
    { name: 'services', path: '/api/v1/namespaces/default/services',
      create: (name) => core.createNamespacedService({ namespace, body: { metadata: { name }, spec: { ports: [{ port: 80 }], selector: { app: name } } } }),
      get: (name) => core.readNamespacedService({ name, namespace }), list: () => core.listNamespacedService({ namespace }),
      patch: (name) => core.patchNamespacedService({ name, namespace, body: labelPatch }, MERGE), delete: (name) => core.deleteNamespacedService({ name, namespace }) },
    { name: 'configmaps', path: '/api/v1/namespaces/default/configmaps',
      create: (name) => core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { a: '1' } } }),
      get: (name) => core.readNamespacedConfigMap({ name, namespace }), list: () => core.listNamespacedConfigMap({ namespace }),
      patch: (name) => core.patchNamespacedConfigMap({ name, namespace, body: [{ op: 'add', path: '/metadata/labels', value: { patched: 'yes' } }] }, JSON_PATCH),
      delete: (name) => core.deleteNamespacedConfigMap({ name, namespace }) },
    { name: 'secrets', path: '/api/v1/namespaces/default/secrets',
      create: (name) => core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: { password: 'x' } } }),
      get: (name) => core.readNamespacedSecret({ name, namespace }), list: () => core.listNamespacedSecret({ namespace }),
      patch: (name) => core.patchNamespacedSecret({ name, namespace, body: labelPatch }, MERGE), delete: (name) => core.deleteNamespacedSecret({ name, namespace }) },
    { name: 'events', path: '/api/v1/namespaces/default/events',
      create: (name) => core.createNamespacedEvent({ namespace, body: { metadata: { name }, involvedObject: { kind: 'Pod', name: 'p', namespace }, reason: 'Test', message: 'hello', type: 'Normal' } }),
      get: (name) => core.readNamespacedEvent({ name, namespace }), list: () => core.listNamespacedEvent({ namespace }),
      patch: (name) => core.patchNamespacedEvent({ name, namespace, body: labelPatch }, MERGE), delete: (name) => core.deleteNamespacedEvent({ name, namespace }) },
    { name: 'leases', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases',
      create: (name) => coordination.createNamespacedLease({ namespace, body: { metadata: { name }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } } }),
      get: (name) => coordination.readNamespacedLease({ name, namespace }), list: () => coordination.listNamespacedLease({ namespace }),
      patch: (name) => coordination.patchNamespacedLease({ name, namespace, body: labelPatch }, MERGE),
      delete: (name) => coordination.deleteNamespacedLease({ name, namespace }) },
    customDriver('batch.volcano.sh', 'v1alpha1', 'jobs', 'Job', true),
    customDriver('scheduling.volcano.sh', 'v1beta1', 'podgroups', 'PodGroup', true),
    customDriver('scheduling.volcano.sh', 'v1beta1', 'queues', 'Queue', false),
  ];
}

t.test('create, get, list, watch, patch and delete work for every kind through client-node', async (t) => {
  for (const d of drivers()) {
    const name = `conf-${d.name.split('.')[0]}`;
    const w = await record(kc, d.path);
    await d.create(name);
    const got = await d.get(name);
    t.equal(got.metadata?.name, name, `${d.name}: get`);
    t.ok((await d.list()).items.some((i) => i.metadata?.name === name), `${d.name}: list`);
    await d.patch(name);
    t.equal((await d.get(name)).metadata?.labels?.patched, 'yes', `${d.name}: patch`);
    await d.delete(name);
    await eventually(`${d.name}: DELETED`, () => w.events.some((e) => e.name === name && e.type === 'DELETED'));
    const types = w.events.filter((e) => e.name === name).map((e) => e.type);
    t.equal(types[0], 'ADDED', `${d.name}: watch sees ADDED first`);
    t.ok(types.includes('MODIFIED'), `${d.name}: watch sees MODIFIED`);
    t.equal(types[types.length - 1], 'DELETED', `${d.name}: watch sees DELETED last`);
    const rvs = w.events.map((e) => Number(e.rv));
    t.same(rvs, [...rvs].sort((a, b) => a - b), `${d.name}: resourceVersions grow`);
    w.controller.abort();
    const gone = await failureOf(d.get(name));
    t.equal(gone.code, 404, `${d.name}: gone`);
  }
});

t.test('a pod bound through pods/binding becomes Running, then Succeeded; spec.nodeName selects it', async (t) => {
  const namespace = 'default';
  const w = await record(kc, '/api/v1/namespaces/default/pods', { fieldSelector: 'spec.nodeName=conf-node-1' });
  const pod = (name: string) => ({ metadata: { name, annotations: { 'sim.caldera.dev/duration': '200ms' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '1', 'nvidia.com/gpu': '1' } } }] } });
  await core.createNamespacedPod({ namespace, body: pod('bound-here') });
  await core.createNamespacedPod({ namespace, body: pod('bound-there') });
  await core.createNamespacedPodBinding({ name: 'bound-here', namespace, body: { metadata: { name: 'bound-here' }, target: { kind: 'Node', name: 'conf-node-1' } } });
  await core.createNamespacedPodBinding({ name: 'bound-there', namespace, body: { metadata: { name: 'bound-there' }, target: { kind: 'Node', name: 'conf-node-2' } } });
  const onNode = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=conf-node-1' });
  t.same(onNode.items.map((p) => p.metadata?.name), ['bound-here'], 'the field selector finds only the pod on that node');
  const phases = () => w.events.filter((e) => e.name === 'bound-here').map((e) => (e.obj.status as { phase?: string }).phase);
  await eventually('Succeeded', () => phases().includes('Succeeded'));
  t.same([...new Set(phases())], ['Pending', 'Running', 'Succeeded'], 'Pending on binding, then Running, then Succeeded');
  t.notOk(w.events.some((e) => e.name === 'bound-there'), 'the watch with the field selector sees only its node');
  const done = await core.readNamespacedPod({ name: 'bound-here', namespace });
  t.equal(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  t.ok(done.status?.podIP);
  const again = await failureOf(core.createNamespacedPodBinding({ name: 'bound-here', namespace, body: { metadata: { name: 'bound-here' }, target: { kind: 'Node', name: 'conf-node-0' } } }));
  t.equal(again.code, 409, 'a bound pod cannot be bound again');
  w.controller.abort();
});

t.test('a stale update answers 409 Conflict with a Status; a missing object answers 404 with its name', async (t) => {
  const namespace = 'default';
  const first = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'occ' }, data: { v: '1' } } });
  await core.replaceNamespacedConfigMap({ name: 'occ', namespace, body: { ...first, data: { v: '2' } } });
  const stale = await failureOf(core.replaceNamespacedConfigMap({ name: 'occ', namespace, body: { ...first, data: { v: '3' } } }));
  t.equal(stale.code, 409);
  t.equal(stale.status.reason, 'Conflict');
  t.match(stale.status.message, /the object has been modified/);
  const missing = await failureOf(core.readNamespacedConfigMap({ name: 'nope', namespace }));
  t.equal(missing.code, 404);
  t.equal(missing.status.reason, 'NotFound');
  t.same(missing.status.details, { name: 'nope', kind: 'configmaps' });
  const invalid = await failureOf(core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'Not_Valid' } } }));
  t.equal(invalid.code, 422);
  t.equal(invalid.status.reason, 'Invalid');
});

t.test('a vcjob round-trips fields the server does not know; its status lives in the status subresource', async (t) => {
  const base = { group: 'batch.volcano.sh', version: 'v1alpha1', plural: 'jobs', namespace: 'default' };
  const body = {
    apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', metadata: { name: 'unknowns' },
    spec: {
      queue: 'default', minAvailable: 1, futureKnob: { nested: [1, 'two', { three: true }] },
      tasks: [{ name: 'worker', replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'busybox' }], somethingNew: 'x' } } }],
    },
    topLevelExtra: { kept: 'yes' },
  };
  await custom.createNamespacedCustomObject({ ...base, body });
  const got = await custom.getNamespacedCustomObject({ ...base, name: 'unknowns' }) as typeof body & { metadata: { uid?: string } };
  t.same(got.spec, body.spec, 'spec comes back exactly');
  t.same(got.topLevelExtra, { kept: 'yes' }, 'top-level unknown fields survive');
  t.ok(got.metadata.uid);
  await custom.patchNamespacedCustomObjectStatus({ ...base, name: 'unknowns', body: { status: { state: { phase: 'Running' }, running: 1 } } }, MERGE);
  const withStatus = await custom.getNamespacedCustomObject({ ...base, name: 'unknowns' }) as { status?: { state?: { phase?: string } }; metadata: { generation?: number } };
  t.equal(withStatus.status?.state?.phase, 'Running');
  t.equal(withStatus.metadata.generation, 1, 'a status write keeps the generation');
  await custom.patchNamespacedCustomObject({ ...base, name: 'unknowns', body: { spec: { minAvailable: 2 }, status: { state: { phase: 'Failed' } } } }, MERGE);
  const after = await custom.getNamespacedCustomObject({ ...base, name: 'unknowns' }) as { status?: { state?: { phase?: string } }; metadata: { generation?: number }; spec: { minAvailable: number } };
  t.equal(after.spec.minAvailable, 2);
  t.equal(after.metadata.generation, 2);
  t.equal(after.status?.state?.phase, 'Running', 'the main resource ignores status');
  const smp = await failureOf(custom.patchNamespacedCustomObject({ ...base, name: 'unknowns', body: { spec: {} } }, STRATEGIC));
  t.equal(smp.code, 415, 'strategic merge patch is not for custom resources');
});

t.test('an informer lists, watches, and recovers after the server drops its watch or expires its version', async (t) => {
  const namespace = 'informed';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before' } } });
  let lists = 0;
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => {
    lists++;
    return core.listNamespacedConfigMap({ namespace });
  });
  const added: string[] = [];
  const deleted: string[] = [];
  const errors: unknown[] = [];
  informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
  informer.on('delete', (o) => deleted.push(o.metadata?.name ?? ''));
  informer.on('error', (e) => errors.push(e));
  await informer.start();
  t.teardown(() => informer.stop());
  t.same(added, ['before'], 'the initial list');
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'live' } } });
  await eventually('add live', () => added.includes('live'));

  // The server ends every watch; while the informer reconnects, objects change.
  sim.store.closeWatches();
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'during-drop' } } });
  await core.deleteNamespacedConfigMap({ name: 'before', namespace });
  await eventually('add during-drop', () => added.includes('during-drop'));
  await eventually('delete before', () => deleted.includes('before'));
  t.equal(lists, 1, 'after a dropped watch the informer resumes from its version without listing again');

  // The history is compacted before the informer comes back: its version is too old (410), it lists again.
  const cms = sim.store.resource('v1', 'ConfigMap');
  sim.store.closeWatches();
  sim.store.create(cms, { metadata: { name: 'after-compaction' } }, { namespace });
  sim.store.compactHistory();
  await eventually('add after-compaction', () => added.includes('after-compaction'));
  t.equal(lists, 2, 'after 410 Gone the informer lists again');
  t.same(informer.list(namespace).map((o) => o.metadata?.name).sort(), ['after-compaction', 'during-drop', 'live']);
  t.same(errors, [], 'no error reached the informer');
});

t.test('client-node Watch: resume from a resourceVersion, 410 for an expired one, bookmarks when asked', async (t) => {
  const namespace = 'default';
  const a = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'w-a', labels: { w: 'x' } } } });
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'w-b', labels: { w: 'x' } } } });
  const resumed = await record(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: a.metadata?.resourceVersion ?? '', labelSelector: 'w=x', allowWatchBookmarks: true });
  await eventually('replay', () => resumed.events.some((e) => e.name === 'w-b'));
  t.notOk(resumed.events.some((e) => e.name === 'w-a' && e.type === 'ADDED'), 'nothing from before the version');
  sim.store.sendBookmarks();
  await eventually('bookmark', () => resumed.events.some((e) => e.type === 'BOOKMARK'));
  resumed.controller.abort();
  sim.store.compactHistory();
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'w-c' } } });
  const expired = await record(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: a.metadata?.resourceVersion ?? '' });
  await eventually('ERROR', () => expired.events.length > 0);
  t.equal(expired.events[0]?.type, 'ERROR');
  t.equal((expired.events[0]?.obj as { code?: number }).code, 410);
  await eventually('watch closed', () => expired.done() !== 'open');
});

t.test('lists page with limit and continue, dryRun stores nothing, eviction removes a running pod', async (t) => {
  const namespace = 'paging';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  for (const n of ['p1', 'p2', 'p3']) await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: n } } });
  const page1 = await core.listNamespacedConfigMap({ namespace, limit: 2 });
  t.same(page1.items.map((i) => i.metadata?.name), ['p1', 'p2']);
  t.equal(page1.metadata?.remainingItemCount, 1);
  const page2 = await core.listNamespacedConfigMap({ namespace, limit: 2, _continue: page1.metadata?._continue ?? '' });
  t.same(page2.items.map((i) => i.metadata?.name), ['p3']);
  const dry = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'dry' } }, dryRun: 'All' });
  t.equal(dry.metadata?.name, 'dry');
  t.equal((await failureOf(core.readNamespacedConfigMap({ name: 'dry', namespace }))).code, 404);

  await core.createNamespacedPod({ namespace, body: { metadata: { name: 'victim', annotations: { 'sim.caldera.dev/duration': 'forever' } }, spec: { nodeName: 'conf-node-0', containers: [{ name: 'c', image: 'busybox' }] } } });
  await eventually('Running', async () => (await core.readNamespacedPod({ name: 'victim', namespace })).status?.phase === 'Running');
  await core.createNamespacedPodEviction({ name: 'victim', namespace, body: { metadata: { name: 'victim', namespace } } });
  await eventually('evicted pod gone', async () => (await failureOf(core.readNamespacedPod({ name: 'victim', namespace })).catch(() => ({ code: 200 }))).code === 404);
  t.pass('the evicted pod was stopped and removed');
});

t.test('discovery, version, OpenAPI, tables and errors have the shapes kubectl reads', async (t) => {
  const get = async (path: string, accept = 'application/json') => {
    const res = await fetch(`${sim.url}${path}`, { headers: { accept } });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() as Record<string, unknown> };
  };
  const api = await get('/api');
  t.same(api.body.versions, ['v1']);
  const groups = (await get('/apis')).body.groups as { name: string; preferredVersion: { groupVersion: string } }[];
  t.same(groups.map((g) => g.name).sort(), ['batch.volcano.sh', 'coordination.k8s.io', 'scheduling.volcano.sh']);
  const batch = (await get('/apis/batch.volcano.sh/v1alpha1')).body.resources as { name: string; shortNames?: string[]; namespaced: boolean; verbs: string[]; singularName: string; kind: string }[];
  const jobs = batch.find((r) => r.name === 'jobs');
  t.same(jobs?.shortNames, ['vcjob', 'vj']);
  t.equal(jobs?.singularName, 'job');
  t.ok(batch.some((r) => r.name === 'jobs/status'), 'status subresource listed');
  const sched = (await get('/apis/scheduling.volcano.sh/v1beta1')).body.resources as { name: string; shortNames?: string[]; namespaced: boolean }[];
  t.same(sched.find((r) => r.name === 'queues'), { ...sched.find((r) => r.name === 'queues'), namespaced: false, shortNames: ['q', 'queue-v1beta1'] });
  t.same(sched.find((r) => r.name === 'podgroups')?.shortNames, ['pg', 'podgroup-v1beta1']);
  const corev1 = (await get('/api/v1')).body.resources as { name: string; kind: string; group?: string }[];
  t.ok(corev1.some((r) => r.name === 'pods/binding') && corev1.some((r) => r.name === 'pods/eviction' && r.group === 'policy'));
  t.equal((await get('/version')).body.gitVersion, 'v1.34.0-caldera-sim');
  const openapi = (await get('/openapi/v3')).body.paths as Record<string, { serverRelativeURL: string }>;
  const doc = (await get(openapi['apis/batch.volcano.sh/v1alpha1']?.serverRelativeURL ?? '')).body;
  const patchOp = (doc.paths as Record<string, { patch?: { parameters: { name: string }[]; 'x-kubernetes-group-version-kind': object } }>)['/apis/batch.volcano.sh/v1alpha1/namespaces/{namespace}/jobs/{name}']?.patch;
  t.same(patchOp?.['x-kubernetes-group-version-kind'], { group: 'batch.volcano.sh', version: 'v1alpha1', kind: 'Job' });
  t.ok(patchOp?.parameters.some((p) => p.name === 'fieldValidation'), 'the server takes field validation');
  const v2 = await get('/openapi/v2');
  t.equal(v2.status, 404);
  t.equal(v2.body.kind, 'Status');
  const table = await get('/api/v1/nodes', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
  t.equal(table.body.kind, 'Table');
  t.same((table.body.columnDefinitions as { name: string }[]).slice(0, 5).map((c) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version']);
  t.same((table.body.rows as { cells: unknown[] }[])[0]?.cells.slice(0, 2), ['conf-node-0', 'Ready']);
  const unknown = await get('/apis/batch.volcano.sh/v1alpha1/namespaces/default/widgets');
  t.equal(unknown.status, 404);
  t.equal(unknown.body.reason, 'NotFound');
  const badSelector = await get('/api/v1/pods?fieldSelector=spec.image%3Dx');
  t.equal(badSelector.status, 400);
  t.equal(badSelector.body.reason, 'BadRequest');
  const badBody = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
  t.equal(badBody.status, 400);
});

t.test('a cluster started with a token refuses requests without it and serves the kubeconfig that carries it', async (t) => {
  const secured = await startSimCluster({ name: 'secured', nodes: '1x{cpu: 1}', token: 'sesame' });
  t.teardown(() => secured.stop());
  const anonymous = await fetch(`${secured.url}/api/v1/nodes`);
  t.equal(anonymous.status, 401);
  t.equal(((await anonymous.json()) as { reason?: string }).reason, 'Unauthorized');
  t.equal((await fetch(`${secured.url}/healthz`)).status, 200, 'health checks stay open');
  const nodes = await secured.kubeconfig.config.makeApiClient(k8s.CoreV1Api).listNode();
  t.same(nodes.items.map((n) => n.metadata?.name), ['secured-node-0']);
  t.match(secured.kubeconfig.yaml, /token: sesame/);
});

/** Protobuf wire encoding, enough to build the bodies kubectl's typed clients send. */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
function field(num: number, payload: Uint8Array | string | number): number[] {
  if (typeof payload === 'number') return [...varint(num << 3), ...varint(payload)];
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return [...varint((num << 3) | 2), ...varint(bytes.length), ...bytes];
}
const msg = (...parts: number[][]) => Uint8Array.from(parts.flat());

t.test('protobuf bodies, as kubectl create and kubectl run send them, are read', async (t) => {
  const meta = msg(field(1, 'from-proto'), field(11, msg(field(1, 'app'), field(2, 'x'))));
  const configMap = msg(field(1, meta), field(2, msg(field(1, 'k'), field(2, 'v'))), field(3, msg(field(1, 'bin'), field(2, Uint8Array.from([1, 2, 3])))));
  const envelope = (apiVersion: string, kind: string, raw: Uint8Array) =>
    Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from(msg(field(1, msg(field(1, apiVersion), field(2, kind))), field(2, raw)))]);
  const post = (path: string, body: Buffer) => fetch(`${sim.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/vnd.kubernetes.protobuf,application/json' }, body,
  });
  const res = await post('/api/v1/namespaces/default/configmaps', envelope('v1', 'ConfigMap', configMap));
  t.equal(res.status, 201);
  t.match(res.headers.get('content-type'), /^application\/json/, 'answered in JSON, which the client accepts');
  const cm = await core.readNamespacedConfigMap({ name: 'from-proto', namespace: 'default' });
  t.same(cm.metadata?.labels, { app: 'x' });
  t.same(cm.data, { k: 'v' });
  t.same(cm.binaryData, { bin: Buffer.from([1, 2, 3]).toString('base64') });
  const container = msg(field(1, 'main'), field(2, 'busybox'), field(4, 'sleep'), field(4, '60'),
    field(8, msg(field(2, msg(field(1, 'cpu'), field(2, msg(field(1, '250m'))))))));
  const podSpec = msg(field(2, container), field(3, 'Never'), field(10, 'conf-node-0'));
  const pod = msg(field(1, msg(field(1, 'proto-pod'))), field(2, podSpec), field(3, msg()));
  t.equal((await post('/api/v1/namespaces/default/pods', envelope('v1', 'Pod', pod))).status, 201);
  const p = await core.readNamespacedPod({ name: 'proto-pod', namespace: 'default' });
  t.same(p.spec?.containers[0]?.args, ['sleep', '60']);
  t.same(p.spec?.containers[0]?.resources?.requests, { cpu: '250m' });
  t.equal(p.spec?.nodeName, 'conf-node-0');
  const unknownKind = await post('/apis/batch.volcano.sh/v1alpha1/namespaces/default/jobs', envelope('batch.volcano.sh/v1alpha1', 'Job', msg()));
  t.equal(unknownKind.status, 415, 'kinds without a protobuf schema here answer 415');
  t.equal((await post('/api/v1/namespaces/default/configmaps', Buffer.from('not protobuf'))).status, 400);
});
