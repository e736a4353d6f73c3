import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifests } from '../shared/manifest/parse.js';
import { kindOf } from '../shared/manifest/kind-of.js';
import { admitJob, admitQueue } from '../shared/admission/index.js';
import { podRequest } from '../shared/resources/pod-request.js';
import { DEV_CLUSTERS } from '../cli/dev-federation.js';
import { parseNodeShapes } from '../member-agent/sim/node-shapes.js';

const dir = join(import.meta.dirname, '..', 'examples');

t.test('every manifest in examples/ is accepted by admission as written', async (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  t.ok(files.includes('pytorch-job.yaml'), 'the README names examples/pytorch-job.yaml');
  for (const f of files) {
    const docs = parseManifests(readFileSync(join(dir, f), 'utf8'));
    t.ok(docs.length > 0, `${f} has documents`);
    for (const doc of docs) {
      const k = kindOf(doc);
      const res = k?.kind === 'Queue' ? admitQueue(doc, { operation: 'CREATE' }) : admitJob(doc, { operation: 'CREATE' });
      t.ok(res.ok, `${f}: ${res.ok ? 'accepted' : JSON.stringify(res.status.details?.causes)}`);
    }
  }
});

t.test('too-big-gang fits the federation total of `caldera dev` but no single cluster of it', async (t) => {
  const [doc] = parseManifests(readFileSync(join(dir, 'too-big-gang.yaml'), 'utf8'));
  const res = admitJob(doc, { operation: 'CREATE' });
  if (!res.ok) throw new Error('too-big-gang must be valid');
  const task = res.job.spec.tasks![0]!;
  const perPod = podRequest(task.template!.spec!).get('nvidia.com/gpu');
  const gangGpus = perPod * (task.replicas ?? 0);
  const gpusOf = (c: (typeof DEV_CLUSTERS)[number]) =>
    c.nodes.flatMap((s) => parseNodeShapes(s)).reduce((sum, n) => sum + Number(n.capacity['nvidia.com/gpu'] ?? 0) * n.count, 0);
  const perCluster = DEV_CLUSTERS.map(gpusOf);
  t.ok(perCluster.every((g) => g < gangGpus), `no cluster holds ${gangGpus} GPUs: ${perCluster.join(', ')}`);
  t.ok(perCluster.reduce((a, b) => a + b, 0) >= gangGpus, 'the federation as a whole does');
});
