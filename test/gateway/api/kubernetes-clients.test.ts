/**
 * Real Kubernetes clients against a listening gateway: @kubernetes/client-node (CustomObjectsApi
 * and the Watch class) over HTTP, and the kubectl binary from `npm run test-tools` over HTTPS
 * (client-go sends bearer tokens only over TLS).
 */
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { JOBS, simpleJob, startTestGateway, testTls, TOKENS } from '../gateway-harness.js';

const KUBECTL = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '.tools', 'bin', 'kubectl');
const execFileAsync = promisify(execFile);

function kubeConfig(server: string, token: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'caldera', server, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'c', cluster: 'caldera', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

const VCJOB = { group: 'batch.volcano.sh', version: 'v1alpha1', plural: 'jobs' };

t.test('client-node CustomObjectsApi creates, lists and gets vcjobs over HTTP', async (t) => {
  const gw = await startTestGateway(t, { listen: true });
  const api = kubeConfig(gw.url, TOKENS.alice).makeApiClient(k8s.CustomObjectsApi);
  const created = (await api.createNamespacedCustomObject({ ...VCJOB, namespace: 'team-a', body: simpleJob('from-client-node') })) as { metadata: { uid: string }; spec: { queue: string } };
  t.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
  t.equal(created.spec.queue, 'default');
  const list = (await api.listNamespacedCustomObject({ ...VCJOB, namespace: 'team-a' })) as { kind: string; items: Array<{ metadata: { name: string } }> };
  t.equal(list.kind, 'JobList');
  t.same(list.items.map((j) => j.metadata.name), ['from-client-node']);
  const got = (await api.getNamespacedCustomObject({ ...VCJOB, namespace: 'team-a', name: 'from-client-node' })) as { metadata: { uid: string } };
  t.equal(got.metadata.uid, created.metadata.uid);
  await t.rejects(api.getNamespacedCustomObject({ ...VCJOB, namespace: 'team-a', name: 'missing' }), { code: 404 });
  await t.rejects(api.createNamespacedCustomObject({ ...VCJOB, namespace: 'team-b', body: simpleJob('x') }), { code: 403 });
});

t.test('client-node Watch receives ADDED, MODIFIED and DELETED for vcjobs', async (t) => {
  const gw = await startTestGateway(t, { listen: true });
  const kc = kubeConfig(gw.url, TOKENS.admin);
  const events: string[] = [];
  let resolveDone: () => void = () => {};
  const threeEvents = new Promise<void>((r) => { resolveDone = r; });
  const watch = new k8s.Watch(kc);
  const controller = await watch.watch(`${JOBS}/namespaces/team-a/jobs`, {}, (phase, obj: { metadata: { name: string } }) => {
    events.push(`${phase} ${obj.metadata.name}`);
    if (events.length === 3) resolveDone();
  }, () => {});
  t.teardown(() => controller.abort());
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  await api.createNamespacedCustomObject({ ...VCJOB, namespace: 'team-a', body: simpleJob('watched') });
  await api.patchNamespacedCustomObject(
    { ...VCJOB, namespace: 'team-a', name: 'watched', body: { metadata: { labels: { seen: 'yes' } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await api.deleteNamespacedCustomObject({ ...VCJOB, namespace: 'team-a', name: 'watched' });
  await threeEvents;
  t.same(events, ['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
});

t.test('kubectl creates, applies, lists, gets and deletes vcjobs with a bearer token', async (t) => {
  if (!existsSync(KUBECTL)) {
    t.fail(`kubectl is missing at ${KUBECTL}: run \`npm run test-tools\` to fetch it`);
    return;
  }
  const gw = await startTestGateway(t, { listen: true, app: { tls: testTls() } });
  const dir = mkdtempSync(join(tmpdir(), 'caldera-kubectl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const kubectl = async (args: string[], token = TOKENS.admin) => {
    try {
      const r = await execFileAsync(KUBECTL, ['--server', gw.url, '--token', token, '--insecure-skip-tls-verify', ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: join(dir, 'absent') },
        timeout: 60_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const twoJobs = join(dir, 'jobs.yaml');
  writeFileSync(twoJobs, `${stringify(simpleJob('k-one'))}---\n${stringify(simpleJob('k-two'))}`);
  const applied = join(dir, 'applied.yaml');
  writeFileSync(applied, stringify(simpleJob('k-applied')));

  const create = await kubectl(['create', '-n', 'team-a', '-f', twoJobs]);
  t.equal(create.code, 0, create.stderr);
  t.match(create.stdout, /job.batch.volcano.sh\/k-one created/);
  t.match(create.stdout, /job.batch.volcano.sh\/k-two created/);

  const apply1 = await kubectl(['apply', '-n', 'team-a', '-f', applied]);
  t.equal(apply1.code, 0, apply1.stderr);
  t.match(apply1.stdout, /k-applied created/);
  writeFileSync(applied, stringify(simpleJob('k-applied', { labels: { round: 'two' } })));
  const apply2 = await kubectl(['apply', '-n', 'team-a', '-f', applied]);
  t.equal(apply2.code, 0, apply2.stderr);
  t.match(apply2.stdout, /k-applied configured/);

  const table = await kubectl(['get', 'vcjob', '-n', 'team-a']);
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, /NAME\s+STATUS\s+MINAVAILABLE\s+RUNNINGS\s+AGE\s+QUEUE/);
  t.match(table.stdout, /k-one\s+Pending\s+1\s+0\s+\S+\s+default/);
  t.equal(table.stdout.trim().split('\n').length, 4, 'header and three jobs');

  const one = await kubectl(['get', 'vj', 'k-applied', '-n', 'team-a', '-o', 'json']);
  t.equal(one.code, 0, one.stderr);
  const job = JSON.parse(one.stdout) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { queue: string; tasks: Array<{ maxRetry: number }> } };
  t.equal(job.metadata.labels.round, 'two');
  t.ok(job.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], 'apply keeps its annotation');
  t.equal(job.spec.queue, 'default');
  t.equal(job.spec.tasks[0]?.maxRetry, 3, 'served with defaults');

  const denied = await kubectl(['get', 'vcjob', '-n', 'team-a'], TOKENS.viewer);
  t.not(denied.code, 0);
  t.match(denied.stderr, /Forbidden|forbidden/);

  // `get -w`: the current rows, then a row per change, all in Volcano's columns.
  const watcher = spawn(KUBECTL, ['--server', gw.url, '--token', TOKENS.admin, '--insecure-skip-tls-verify', 'get', 'vcjob', '-n', 'team-a', '-w'], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: join(dir, 'absent') },
  });
  t.teardown(() => { watcher.kill(); });
  let watched = '';
  watcher.stdout.on('data', (d: Buffer) => { watched += d.toString(); });
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 300 && !re.test(watched); i++) await new Promise((r) => setTimeout(r, 100));
    return re.test(watched);
  };
  t.ok(await waitFor(/k-two\s+Pending/), 'the watch lists the current jobs');
  await gw.request({ method: 'POST', url: `${JOBS}/namespaces/team-a/jobs`, body: simpleJob('k-late') });
  t.ok(await waitFor(/k-late\s+Pending\s+1\s+0\s+\S+\s+default/), `a new job appears as a table row:\n${watched}`);
  t.equal(watched.match(/NAME\s+STATUS/g)?.length, 1, 'one header');
  watcher.kill();

  const del = await kubectl(['delete', 'vcjob', 'k-one', '-n', 'team-a']);
  t.equal(del.code, 0, del.stderr);
  t.equal((await gw.request({ method: 'GET', url: `${JOBS}/namespaces/team-a/jobs/k-one` })).statusCode, 404);
});

t.test('kubectl over plain HTTP works against a gateway in insecure development mode', async (t) => {
  if (!existsSync(KUBECTL)) {
    t.fail(`kubectl is missing at ${KUBECTL}: run \`npm run test-tools\` to fetch it`);
    return;
  }
  const gw = await startTestGateway(t, { listen: true, insecure: true });
  await gw.request({ method: 'POST', url: `${JOBS}/namespaces/dev/jobs`, body: simpleJob('plain-http'), token: null });
  const dir = mkdtempSync(join(tmpdir(), 'caldera-kubectl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await execFileAsync(KUBECTL, ['--server', gw.url, '--token', 'ignored-over-http', 'get', 'vj', '-n', 'dev'], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: join(dir, 'absent') },
    timeout: 60_000,
  });
  t.match(r.stdout, /plain-http\s+Pending/);
});
