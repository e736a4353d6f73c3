/**
 * Every manifest under test/fixtures/volcano parses, defaults and validates; the defaulted result
 * is pinned by a golden JSON file (UPDATE_GOLDEN=1 rewrites them). The `full/` manifests keep
 * every construct found in real-world Volcano examples and must be accepted unchanged.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { admitJob } from '../../../shared/admission/admit-job.js';
import { admitQueue } from '../../../shared/admission/admit-queue.js';
import { defaultJob } from '../../../shared/admission/job-defaults.js';
import type { Job } from '../../../shared/api/job.js';
import type { Queue } from '../../../shared/api/queue.js';
import { kindOf } from '../../../shared/manifest/kind-of.js';
import { parseManifests } from '../../../shared/manifest/parse.js';
import { getPath } from './object-paths.js';

const FIXTURES = new URL('../../fixtures/volcano/', import.meta.url);
const GOLDEN = new URL('golden/', FIXTURES);
const update = process.env['UPDATE_GOLDEN'] === '1';

const files = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')),
  ...readdirSync(new URL('full/', FIXTURES)).filter((f) => f.endsWith('.yaml')).map((f) => `full/${f}`),
].sort();

function load(file: string): unknown[] {
  return parseManifests(readFileSync(new URL(file, FIXTURES), 'utf8'));
}

/** Admits every document of a file; queues see each other, as they would once stored. */
function admitAll(docs: unknown[]): { ok: boolean; value: unknown; message?: string }[] {
  const queues = docs.filter((d) => kindOf(d)?.kind === 'Queue') as Queue[];
  return docs.map((doc) => {
    const r = kindOf(doc)?.kind === 'Queue'
      ? admitQueue(doc, { operation: 'CREATE', listQueues: () => queues })
      : admitJob(doc, { operation: 'CREATE', queueExists: (q) => ['default', 'research'].includes(q) });
    return r.ok ? { ok: true, value: 'job' in r ? r.job : r.queue } : { ok: false, value: r.status, message: r.status.message };
  });
}

/** Every leaf of `input` with its path, so a test can prove admission changed none of them. */
function leaves(input: unknown, path: (string | number)[] = []): [(string | number)[], unknown][] {
  if (typeof input !== 'object' || input === null) return [[path, input]];
  const entries: [string | number, unknown][] = Array.isArray(input) ? input.map((v, i) => [i, v]) : Object.entries(input);
  if (entries.length === 0) return [[path, input]];
  return entries.flatMap(([k, v]) => leaves(v, [...path, k]));
}

function leafValue(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const step of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

t.test('fixtures cover every kind of Volcano example', async (t) => {
  const top = files.filter((f) => !f.startsWith('full/'));
  t.same(top, [
    'depends-on-job.yaml', 'hierarchical-queues.yaml', 'mpi-job.yaml', 'plain-job.yaml',
    'plugins-job.yaml', 'pytorch-job.yaml', 'queue.yaml', 'tensorflow-job.yaml',
  ]);
  t.equal(files.filter((f) => f.startsWith('full/')).length, 8);
});

for (const file of files) {
  t.test(`${file} parses, admits, and matches its golden file`, async (t) => {
    const docs = load(file);
    t.ok(docs.length > 0, 'has documents');
    const results = admitAll(docs);
    for (const r of results) t.ok(r.ok, r.message ?? 'accepted');
    const admitted = results.map((r) => r.value);
    const text = `${JSON.stringify(admitted, null, 2)}\n`;
    const golden = new URL(`${file.replace('/', '-').replace(/\.yaml$/, '')}.json`, GOLDEN);
    if (update) writeFileSync(golden, text);
    t.equal(text, readFileSync(golden, 'utf8'), 'defaulted result equals the golden file');

    // Admission only adds: every value the author wrote is still there, unchanged
    // (except hierarchy paths, which are rooted at `root` on purpose).
    docs.forEach((doc, i) => {
      for (const [path, value] of leaves(doc)) {
        if (path.some((p) => String(p).startsWith('volcano.sh/hierarchy'))) continue;
        t.same(leafValue(admitted[i], path), value, `${path.join('/')} kept`);
      }
    });

    // Defaulting is idempotent: admitting the admitted object changes nothing.
    t.same(admitAll(admitted).map((r) => r.value), admitted, 'idempotent');
  });
}

t.test('upstream constructs survive parsing: commented flow sequences, block scalars, bare lists', async (t) => {
  const [pytorch] = load('full/05-pytorch-job.yaml');
  t.same(getPath(pytorch, 'spec.plugins.pytorch'), [
    '--master=master', '--worker=worker', '--port=23456',
    '--wait-master-enabled=true', '--wait-master-timeout=600', '--wait-master-image=busybox:1.36.1',
  ]);
  const [chain] = load('full/06-task-dependson-job.yaml');
  t.same(getPath(chain, 'spec.tasks[2].dependsOn.name'), ['chain-step2']);
  t.equal(getPath(chain, 'spec.tasks[0].template.spec.containers[0].resources.requests.cpu'), '100m');
  const [tf] = load('full/03-tensorflow-ps-worker.yaml');
  t.match(getPath(tf, 'spec.tasks[0].template.spec.containers[0].command[2]'), /TF_CONFIG=\{\\"cluster\\"/);
  t.same(getPath(tf, 'spec.tasks[0].template.spec.containers[0].resources'), {});
  t.equal(load('full/04-mpi-job.yaml').length, 1, 'a trailing --- adds no document');
  t.equal(load('full/08-hierarchical-queues-hdrf-annotations.yaml').length, 4);
  const [q] = load('full/07-queue.yaml');
  t.equal(getPath(q, 'spec.capability.cpu'), 2);
});

t.test('defaults seen on the fixtures', async (t) => {
  const admit = (file: string): Job => {
    const r = admitJob(load(file)[0], { operation: 'CREATE' });
    if (!r.ok) throw new Error(r.status.message);
    return r.job;
  };
  const mpi = admit('mpi-job.yaml');
  t.same(Object.keys(mpi.spec.plugins ?? {}), ['mpi', 'svc', 'ssh'], 'mpi brings svc and ssh');
  const tf = admit('tensorflow-job.yaml');
  t.same(tf.spec.plugins?.['svc'], [], 'tensorflow brings svc');
  t.equal(tf.spec.minAvailable, 3, 'gang = Σ task replicas');
  t.equal(tf.spec.queue, 'default');
  t.equal(tf.spec.schedulerName, 'volcano');
  const plugins = admit('plugins-job.yaml');
  t.equal(plugins.spec.maxRetry, 4, 'explicit maxRetry kept');
  t.equal(plugins.spec.tasks?.[0]?.maxRetry, 3);
  const pipeline = admit('depends-on-job.yaml');
  t.equal(pipeline.spec.minAvailable, 1, 'explicit job minAvailable kept');
  t.same(pipeline.spec.tasks?.map((x) => x.minAvailable), [1, 2, 2]);
  const plain = admit('plain-job.yaml');
  t.same(getPath(plain, 'spec.tasks[0].template.spec.securityContext'), { runAsNonRoot: true }, 'unmodelled fields kept');

  const raw = load('pytorch-job.yaml')[0] as Job;
  const before = structuredClone(raw);
  defaultJob(raw);
  t.same(raw, before, 'defaultJob leaves its input alone');
});
