import t, { type Test } from 'tap';
type TestT = Test;
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable, age } from '../../cli/table.js';
import { jobsTable } from '../../cli/commands/get.js';
import { renderJob } from '../../cli/commands/describe.js';
import { getCommand } from '../../cli/commands/get.js';
import { submitCommand } from '../../cli/commands/submit.js';
import { queueCommand } from '../../cli/commands/queue.js';
import { CliError } from '../../cli/cli-error.js';
import { freePort } from '../../gateway/embedded-redis.js';
import { commands } from '../../cli/command-table.js';

async function expectCliError(t: TestT, p: Promise<unknown>, check: (err: CliError) => boolean): Promise<void> {
  try {
    await p;
    t.fail('expected a CliError');
  } catch (err) {
    t.ok(err instanceof CliError, `a CliError, got ${String(err)}`);
    if (err instanceof CliError) t.ok(check(err), `unexpected CliError: ${err.exitCode} ${err.message}`);
  }
}

t.test('tables align columns like kubectl and ages use its short form', async (t) => {
  const out = renderTable(['NAME', 'STATUS'], [['a', 'Running'], ['longer-name', 'Pending']]);
  t.equal(out, 'NAME          STATUS\na             Running\nlonger-name   Pending\n');
  const now = Date.parse('2026-01-01T00:10:00Z');
  t.equal(age('2026-01-01T00:09:15Z', now), '45s');
  t.equal(age('2026-01-01T00:00:00Z', now), '10m');
  t.equal(age('2025-12-31T00:10:00Z', now), '24h');
  t.equal(age('2025-12-20T00:10:00Z', now), '12d');
  t.equal(age(undefined, now), '<unknown>');
});

t.test('the jobs table shows the cluster a job was placed on', async (t) => {
  const job = {
    metadata: { name: 'pt', namespace: 'ml', creationTimestamp: new Date().toISOString(), annotations: { 'caldera.dev/cluster': 'gpu-a', 'caldera.dev/epoch': '7' } },
    spec: { queue: 'research', minAvailable: 3 },
    status: { state: { phase: 'Running' }, running: 3, minAvailable: 3 },
  };
  const table = jobsTable([job], 'table', false);
  t.match(table, /^NAME\s+STATUS\s+MINAVAILABLE\s+RUNNINGS\s+QUEUE\s+CLUSTER\s+AGE/);
  t.match(table, /pt\s+Running\s+3\s+3\s+research\s+gpu-a\s+\d+s/);
  const wide = jobsTable([job], 'wide', true);
  t.match(wide, /^NAMESPACE\s+NAME/);
  t.match(wide, /EPOCH/);
  t.match(wide, /\s7\n$/);
});

t.test('describe prints the per-cluster reasons of a pending job', async (t) => {
  const text = renderJob(
    { metadata: { name: 'big', namespace: 'default' }, spec: { tasks: [{ name: 'w', replicas: 4, minAvailable: 4, template: { spec: { containers: [{ resources: { requests: { 'nvidia.com/gpu': '8' } } }] } } }] }, status: { state: { phase: 'Pending' } } },
    { clusters: [{ cluster: 'a', fits: false, message: '0/10 nodes are available: 10 Insufficient nvidia.com/gpu' }, { cluster: 'b', fits: false, reasons: [{ reason: 'NotReady', message: 'cluster is NotReady' }] }] },
  );
  t.match(text, /Phase:\s+Pending/);
  t.match(text, /w\s+4\s+4\s+nvidia.com\/gpu=8/);
  t.match(text, /a: 0\/10 nodes are available: 10 Insufficient nvidia.com\/gpu/);
  t.match(text, /b: cluster is NotReady/);
});

t.test('usage errors exit 2 with a message, not a stack trace', async (t) => {
  await expectCliError(t, getCommand(['pods']), (err) => err.exitCode === 2 && /unknown resource "pods"/.test(err.message));
  await expectCliError(t, getCommand(['jobs', '--bogus']), (err) => err.exitCode === 2);
  await expectCliError(t, getCommand(['jobs', '-o', 'xml']), (err) => /unknown output format/.test(err.message));
  await expectCliError(t, submitCommand([]), (err) => /-f FILE is required/.test(err.message));
  await expectCliError(t, queueCommand(['create', 'q', '--capability', 'cpu']), (err) => /expected NAME=QUANTITY/.test(err.message));
});

t.test('submit reports a missing file and a YAML syntax error with its line', async (t) => {
  await expectCliError(t, submitCommand(['-f', '/nonexistent/job.yaml']), (err) => /file not found/.test(err.message));
  const dir = mkdtempSync(join(tmpdir(), 'caldera-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: batch.volcano.sh/v1alpha1\nkind: Job\nmetadata:\n  name: [unclosed\n');
  await expectCliError(t, submitCommand(['-f', bad]), (err) => /line \d+/.test(err.message));
});

t.test('an unreachable gateway is one clear sentence naming the address', async (t) => {
  const port = await freePort();
  await expectCliError(t, getCommand(['jobs', '--server', `http://127.0.0.1:${port}`]),
    (err) => err.message.includes(`http://127.0.0.1:${port}`) && /is it running/.test(err.message));
});

t.test('every command answers --help with its usage', async (t) => {
  for (const c of commands.filter((c) => !['gateway', 'agent', 'sim-cluster', 'dev'].includes(c.name))) {
    let printed = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => { printed += s; return true; }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await c.run(['--help']);
    } finally {
      process.stdout.write = write;
    }
    t.equal(code, 0, `${c.name} --help exits 0`);
    t.match(printed, /^Usage: caldera /, `${c.name} --help prints usage`);
  }
});
