// A real kubectl (v1.34, fetched into .tools/bin by `npm run test-tools`) against `caldera sim-cluster`
// running as a process of its own: the stand-alone command, its kubeconfig, discovery, tables,
// `kubectl apply` with server-side field validation, and a clean exit on SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = join(root, 'test', 'member-agent', 'sim', 'fixtures');
const kubectlPath = join(root, '.tools', 'bin', 'kubectl');
// Run bin/caldera.ts with the same TypeScript loader this test file runs under.
const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript') || a === '--enable-source-maps');

interface CliInfo { name: string; url: string; kubeconfigPath: string; nodes: number }

function caldera(args: string[]): ChildProcess {
  return spawn(process.execPath, [...loader, join(root, 'bin', 'caldera.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts `caldera sim-cluster --json ...` and resolves with its first output line. */
function startCli(args: string[]): Promise<{ child: ChildProcess; info: CliInfo; stderr: () => string }> {
  const child = caldera(['sim-cluster', '--json', ...args]);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim-cluster did not start within 90 s; stderr: ${stderr}`)), 90_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sim-cluster exited with ${code}; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolvePromise({ child, info: JSON.parse(line) as CliInfo, stderr: () => stderr });
    });
  });
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | null | 'timeout'> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r(child.exitCode);
    const timer = setTimeout(() => r('timeout'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      r(code);
    });
  });
}

t.test('kubectl is present (run `npm run test-tools` to fetch it)', async (t) => {
  t.ok(existsSync(kubectlPath), `kubectl is missing at ${kubectlPath}: run "npm run test-tools" (scripts/fetch-test-tools.mjs) first`);
});

t.test('caldera sim-cluster --help documents its flags and exits 0', async (t) => {
  const child = caldera(['sim-cluster', '--help']);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  t.equal(await exitOf(child, 90_000), 0);
  for (const flag of ['--name', '--nodes', '--port', '--kubeconfig', '--speed', '--default-duration']) t.match(out, flag);
  t.match(out, /sim\.caldera\.dev\/duration/);
});

t.test('kubectl works against the stand-alone simulated cluster', async (t) => {
  if (!existsSync(kubectlPath)) {
    t.fail(`kubectl is missing at ${kubectlPath}: run "npm run test-tools" first`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'caldera-kubectl-'));
  const kubeconfig = join(work, 'kubeconfig');
  const { child, info, stderr } = await startCli(['--name', 'kc', '--nodes', '2x{cpu: 16, memory: 64Gi, nvidia.com/gpu: 4}',
    '--port', '0', '--kubeconfig', kubeconfig, '--start-delay', '100ms']);
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });
  t.equal(info.nodes, 2);
  t.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal(info.kubeconfigPath, kubeconfig);
  t.match(readFileSync(kubeconfig, 'utf8'), info.url, 'the kubeconfig points at the server');

  // HOME keeps kubectl's discovery cache inside the test's own folder.
  const kubectl = (...args: string[]) => {
    const r = spawnSync(kubectlPath, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: work } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  const nodes = kubectl('get', 'nodes');
  t.equal(nodes.code, 0, nodes.err);
  t.match(nodes.out, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
  t.match(nodes.out, /kc-node-0\s+Ready\s+<none>\s+\S+\s+v1\.34\.0-sim/);
  t.match(nodes.out, /kc-node-1\s+Ready/);

  const podApplied = kubectl('apply', '-f', join(fixtures, 'bound-pod.yaml'));
  t.equal(podApplied.code, 0, podApplied.err);
  t.match(podApplied.out, 'pod/web created');
  let phase = '';
  for (let i = 0; i < 100 && phase !== 'Running'; i++) {
    phase = kubectl('get', 'pod', 'web', '-o', 'jsonpath={.status.phase}').out;
    if (phase !== 'Running') await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(phase, 'Running', 'the simulated kubelet runs the bound pod');
  const pods = kubectl('get', 'pods', '-A');
  t.equal(pods.code, 0, pods.err);
  t.match(pods.out, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
  t.match(pods.out, /default\s+web\s+1\/1\s+Running\s+0/);

  const applied = kubectl('apply', '-f', join(fixtures, 'training-vcjob.yaml'));
  t.equal(applied.code, 0, applied.err);
  t.match(applied.out, 'job.batch.volcano.sh/training created');
  t.equal(applied.err, '', 'no warnings');
  const again = kubectl('apply', '-f', join(fixtures, 'training-vcjob.yaml'));
  t.match(again.out, 'job.batch.volcano.sh/training unchanged', 'a second apply computes an empty patch');
  const jobs = kubectl('get', 'vcjob');
  t.equal(jobs.code, 0, jobs.err);
  t.match(jobs.out, /^NAME\s+STATUS\s+MINAVAILABLE\s+RUNNINGS\s+AGE/);
  t.match(jobs.out, /\ntraining\s/);
  const json = JSON.parse(kubectl('get', 'vj', 'training', '-o', 'json').out) as { spec: { sim?: unknown; tasks: unknown[] }; metadata: { labels: Record<string, string> } };
  t.same(json.spec.sim, { note: 'kept as given' }, 'fields the server does not model survive kubectl apply');
  t.equal(json.spec.tasks.length, 2);
  t.equal(json.metadata.labels.team, 'vision');

  const deleted = kubectl('delete', '-f', join(fixtures, 'training-vcjob.yaml'));
  t.equal(deleted.code, 0, deleted.err);
  t.match(deleted.out, /job.batch.volcano.sh "training" deleted/);
  const none = kubectl('get', 'vcjob');
  t.equal(none.code, 0);
  t.match(none.err, /No resources found/);
  // kubectl's typed clients (create namespace/configmap, run) send protobuf bodies.
  t.match(kubectl('create', 'namespace', 'team-a').out, 'namespace/team-a created');
  t.match(kubectl('-n', 'team-a', 'create', 'configmap', 'cfg', '--from-literal=a=b').out, 'configmap/cfg created');
  t.equal(kubectl('-n', 'team-a', 'get', 'configmap', 'cfg', '-o', 'jsonpath={.data.a}').out, 'b');
  const ran = kubectl('-n', 'team-a', 'run', 'bb', '--image=busybox:1.36', '--restart=Never', '--env=A=1',
    '--overrides={"spec":{"nodeName":"kc-node-0"}}', '--', 'sleep', '3600');
  t.equal(ran.code, 0, ran.err);
  const spec = JSON.parse(kubectl('-n', 'team-a', 'get', 'pod', 'bb', '-o', 'json').out) as { spec: { nodeName: string; containers: { args: string[]; env: unknown[] }[] } };
  t.equal(spec.spec.nodeName, 'kc-node-0');
  t.same(spec.spec.containers[0]?.args, ['sleep', '3600']);
  t.same(spec.spec.containers[0]?.env, [{ name: 'A', value: '1' }]);
  const nsDeleted = kubectl('delete', 'namespace', 'team-a');
  t.equal(nsDeleted.code, 0, nsDeleted.err);
  t.match(kubectl('get', 'namespace', 'team-a').err, /NotFound/, 'the namespace and its content are gone');

  const podDeleted = kubectl('delete', 'pod', 'web');
  t.equal(podDeleted.code, 0, podDeleted.err);
  t.match(podDeleted.out, /pod "web" deleted/);

  child.kill('SIGTERM');
  t.equal(await exitOf(child, 15_000), 0, 'SIGTERM ends the process cleanly');
  t.equal(stderr(), '', 'nothing on stderr');
});
