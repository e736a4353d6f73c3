import t from 'tap';
import { join } from 'node:path';
import { submitCommand } from '../../cli/commands/submit.js';
import { getCommand } from '../../cli/commands/get.js';
import { describeCommand } from '../../cli/commands/describe.js';
import { deleteCommand } from '../../cli/commands/delete.js';
import { queueCommand } from '../../cli/commands/queue.js';
import { CliError } from '../../cli/cli-error.js';
import { startTestGateway, TOKENS } from '../gateway/gateway-harness.js';

const examples = join(import.meta.dirname, '..', '..', 'examples');

function capture(): { out: (s: string) => void; text: () => string } {
  let buf = '';
  return { out: (s) => { buf += s; }, text: () => buf };
}

t.test('the CLI submits, lists, describes and deletes jobs against a real gateway', async (t) => {
  const gw = await startTestGateway(t, { listen: true });
  const flags = ['--server', gw.url, '--token', TOKENS.admin];

  const sub = capture();
  t.equal(await submitCommand(['-f', join(examples, 'pytorch-job.yaml'), ...flags], sub.out), 0);
  t.equal(sub.text(), 'job.batch.volcano.sh/pytorch-job created\n');

  const again = capture();
  try {
    await submitCommand(['-f', join(examples, 'pytorch-job.yaml'), ...flags], again.out);
    t.fail('a second create of the same job must fail');
  } catch (err) {
    t.ok(err instanceof CliError);
    t.match((err as Error).message, /AlreadyExists \(409\)/);
  }

  const list = capture();
  t.equal(await getCommand(['jobs', ...flags], list.out), 0);
  t.match(list.text(), /^NAME\s+STATUS\s+MINAVAILABLE\s+RUNNINGS\s+QUEUE\s+CLUSTER\s+AGE\npytorch-job\s+Pending\s+3\s+0\s+default\s+<none>\s+\d+s\n$/);

  const asJson = capture();
  await getCommand(['jobs', 'pytorch-job', '-o', 'json', ...flags], asJson.out);
  const obj = JSON.parse(asJson.text()) as { spec: { tasks: { name: string; minAvailable: number }[]; maxRetry: number } };
  t.same(obj.spec.tasks.map((x) => [x.name, x.minAvailable]), [['master', 1], ['worker', 2]], 'defaults applied by the gateway');
  t.equal(obj.spec.maxRetry, 3);

  const names = capture();
  await getCommand(['vcjob', '-o', 'name', ...flags], names.out);
  t.equal(names.text(), 'job.batch.volcano.sh/pytorch-job\n');

  const desc = capture();
  t.equal(await describeCommand(['job', 'pytorch-job', ...flags], desc.out), 0);
  t.match(desc.text(), /Name:\s+pytorch-job\n/);
  t.match(desc.text(), /Phase:\s+Pending/);
  t.match(desc.text(), /master\s+1\s+1\s+cpu=4,memory=16Gi,nvidia.com\/gpu=2/);

  const del = capture();
  t.equal(await deleteCommand(['job', 'pytorch-job', ...flags], del.out), 0);
  t.equal(del.text(), 'job.batch.volcano.sh/pytorch-job deleted\n');
  const empty = capture();
  await getCommand(['jobs', ...flags], empty.out);
  t.equal(empty.text(), 'No jobs found in default namespace.\n');
});

t.test('queues: create, close (then a job naming it is refused with the field), open', async (t) => {
  const gw = await startTestGateway(t, { listen: true });
  const flags = ['--server', gw.url, '--token', TOKENS.admin];
  const o = capture();
  await queueCommand(['create', 'team-a', '--weight', '3', '--capability', 'cpu=64,memory=256Gi', ...flags], o.out);
  await queueCommand(['close', 'team-a', ...flags], o.out);
  t.equal(o.text(), 'queue.scheduling.volcano.sh/team-a created\nqueue.scheduling.volcano.sh/team-a closed\n');
  const q = capture();
  await getCommand(['queues', ...flags], q.out);
  t.match(q.text(), /team-a\s+Closed\s+3\s+true/);
  const job = `apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: j}
spec:
  queue: team-a
  tasks: [{name: w, replicas: 1, template: {spec: {containers: [{name: c, image: busybox}]}}}]
`;
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'caldera-cli-')), 'job.yaml');
  writeFileSync(file, job);
  try {
    await submitCommand(['-f', file, ...flags], capture().out);
    t.fail('a job on a closed queue must be refused');
  } catch (err) {
    t.match((err as Error).message, /spec\.queue/);
  }
  await queueCommand(['open', 'team-a', ...flags], capture().out);
  const ok = capture();
  t.equal(await submitCommand(['-f', file, ...flags], ok.out), 0);
  t.equal(ok.text(), 'job.batch.volcano.sh/j created\n');
});

t.test('a token the gateway does not know is a 401 the CLI reports plainly', async (t) => {
  const gw = await startTestGateway(t, { listen: true });
  try {
    await getCommand(['jobs', '--server', gw.url, '--token', 'not-a-real-token-000'], capture().out);
    t.fail('must fail');
  } catch (err) {
    t.ok(err instanceof CliError);
    t.match((err as Error).message, /^Unauthorized \(401\)/);
  }
});
