import t from 'tap';
import { admitQueue, admitQueueDelete, type AdmitQueueOptions } from '../../../shared/admission/admit-queue.js';
import { defaultQueue } from '../../../shared/admission/queue-defaults.js';
import type { Queue } from '../../../shared/api/queue.js';
import { makeQueue, setPath } from './object-paths.js';

interface Case {
  name: string;
  queue: Queue;
  opts?: Partial<AdmitQueueOptions>;
  /** Expected [field, reason] pairs; absent means accepted. */
  want?: [string, string][];
}

const H = 'volcano.sh/hierarchy';
const HW = 'volcano.sh/hierarchy-weights';

/** Stored queues: root ← eng (cap 100 cpu, guarantee 40, deserved 60) ← {prod, dev}; ops has allocations; default ← l1 ← l2 ← l3 ← l4 is five levels deep. */
const stored: Queue[] = [
  makeQueue('root', { reclaimable: false }),
  makeQueue('default'),
  makeQueue('eng', { capability: { cpu: 100, memory: '400Gi' }, guarantee: { resource: { cpu: 40 } }, deserved: { cpu: 60 } }),
  makeQueue('prod', { parent: 'eng', capability: { cpu: 80 }, guarantee: { resource: { cpu: 30 } }, deserved: { cpu: 40 } }),
  makeQueue('dev', { parent: 'eng', capability: { cpu: 20 } }),
  makeQueue('ops', {}, { status: { allocated: { cpu: '2' } } }),
  makeQueue('l1', { parent: 'default' }),
  makeQueue('l2', { parent: 'l1' }),
  makeQueue('l3', { parent: 'l2' }),
  makeQueue('l4', { parent: 'l3' }),
  makeQueue('tree-a', {}, { metadata: { name: 'tree-a', annotations: { [H]: 'root/sci/prod', [HW]: '1/2/3' } } }),
];
const listQueues = (): Queue[] => stored;

const accepted: Case[] = [
  { name: 'a plain queue', queue: makeQueue('q') },
  { name: 'the largest weight', queue: makeQueue('q', { weight: 65535 }) },
  { name: 'guarantee ≤ deserved ≤ capability', queue: makeQueue('q', { capability: { cpu: 8, memory: '32Gi', 'nvidia.com/gpu': 4 }, deserved: { cpu: '4', memory: '16Gi' }, guarantee: { resource: { cpu: '2' } } }) },
  { name: 'a guarantee without deserved', queue: makeQueue('q', { guarantee: { resource: { cpu: 1 } } }) },
  { name: 'open state, priority, dequeue strategy and node-group affinity', queue: makeQueue('q', { priority: 3, dequeueStrategy: 'fifo', affinity: { nodeGroupAffinity: { requiredDuringSchedulingIgnoredDuringExecution: ['ng1'] } } }, { status: { state: 'Open' } }) },
  { name: 'hierarchy annotations of equal length', queue: makeQueue('q', {}, { metadata: { name: 'q', annotations: { [H]: 'root/eng/ml', [HW]: '1/2/0.5' } } }), opts: { listQueues } },
  { name: 'a child within its parent quotas', queue: makeQueue('qa', { parent: 'eng', capability: { cpu: 50 }, guarantee: { resource: { cpu: 10 } }, deserved: { cpu: 20 } }), opts: { listQueues } },
  { name: 'a queue five levels below root', queue: makeQueue('q', { parent: 'l3' }), opts: { listQueues } },
  { name: 'an update that carries the controller\'s Closing state', queue: makeQueue('dev', { parent: 'eng', capability: { cpu: 20 } }, { status: { state: 'Closing' } }), opts: { listQueues, operation: 'UPDATE', old: stored[4] } },
  { name: 'a parent whose quotas cover its children', queue: makeQueue('eng', { capability: { cpu: 100 }, guarantee: { resource: { cpu: 30 } } }), opts: { listQueues, operation: 'UPDATE', old: stored[2] } },
];

const rejected: Case[] = [
  { name: 'weight above 65535', queue: makeQueue('q', { weight: 65536 }), want: [['spec.weight', 'FieldValueInvalid']] },
  { name: 'a negative weight', queue: makeQueue('q', { weight: -1 }), want: [['spec.weight', 'FieldValueInvalid']] },
  { name: 'a weight that is a string', queue: makeQueue('q', { weight: '2' }), want: [['spec.weight', 'FieldValueTypeInvalid']] },
  { name: 'a capability that does not parse', queue: makeQueue('q', { capability: { cpu: 'many' } }), want: [['spec.capability[cpu]', 'FieldValueInvalid']] },
  { name: 'a negative deserved quantity', queue: makeQueue('q', { deserved: { memory: '-1Gi' } }), want: [['spec.deserved[memory]', 'FieldValueInvalid']] },
  { name: 'a guarantee above deserved', queue: makeQueue('q', { deserved: { cpu: 2 }, guarantee: { resource: { cpu: 3 } } }), want: [['spec.guarantee.resource[cpu]', 'FieldValueInvalid']] },
  { name: 'a guaranteed resource missing from deserved', queue: makeQueue('q', { deserved: { cpu: 2 }, guarantee: { resource: { memory: '1Gi' } } }), want: [['spec.guarantee.resource[memory]', 'FieldValueInvalid']] },
  { name: 'deserved above capability', queue: makeQueue('q', { capability: { cpu: 2 }, deserved: { cpu: '2500m' } }), want: [['spec.deserved[cpu]', 'FieldValueInvalid']] },
  { name: 'a state other than Open or Closed on create', queue: makeQueue('q', {}, { status: { state: 'Closing' } }), want: [['status.state', 'FieldValueNotSupported']] },
  { name: 'a renamed queue', queue: makeQueue('dev2', { parent: 'eng' }), opts: { operation: 'UPDATE', old: stored[4] }, want: [['metadata.name', 'FieldValueInvalid']] },
  { name: 'reclaimable that is not a boolean', queue: makeQueue('q', { reclaimable: 'no' }), want: [['spec.reclaimable', 'FieldValueTypeInvalid']] },
  { name: 'a negative priority', queue: makeQueue('q', { priority: -1 }), want: [['spec.priority', 'FieldValueInvalid']] },
  { name: 'a namespace on a cluster-scoped object', queue: makeQueue('q', {}, { metadata: { name: 'q', namespace: 'ns' } }), want: [['metadata.namespace', 'FieldValueForbidden']] },
  { name: 'hierarchy paths of different lengths', queue: makeQueue('q', {}, { metadata: { name: 'q', annotations: { [H]: 'root/a/b', [HW]: '1/2' } } }), want: [[`metadata.annotations[${HW}]`, 'FieldValueInvalid']] },
  { name: 'a hierarchy weight that is not positive', queue: makeQueue('q', {}, { metadata: { name: 'q', annotations: { [H]: 'root/a', [HW]: '1/x' } } }), want: [[`metadata.annotations[${HW}]`, 'FieldValueInvalid']] },
  { name: 'a hierarchy without weights', queue: makeQueue('q', {}, { metadata: { name: 'q', annotations: { [H]: 'root/a' } } }), want: [[`metadata.annotations[${HW}]`, 'FieldValueRequired']] },
  { name: 'a hierarchy path above another queue', queue: makeQueue('q', {}, { metadata: { name: 'q', annotations: { [H]: 'root/sci', [HW]: '1/2' } } }), opts: { listQueues }, want: [[`metadata.annotations[${H}]`, 'FieldValueInvalid']] },
  { name: 'a parent that does not exist', queue: makeQueue('q', { parent: 'nowhere' }), opts: { listQueues }, want: [['spec.parent', 'FieldValueNotFound']] },
  { name: 'a queue as its own parent', queue: makeQueue('q', { parent: 'q' }), opts: { listQueues }, want: [['spec.parent', 'FieldValueInvalid']] },
  { name: 'a queue six levels below root', queue: makeQueue('q', { parent: 'l4' }), opts: { listQueues }, want: [['spec.parent', 'FieldValueInvalid']] },
  { name: 'a first child under a queue that already runs work', queue: makeQueue('q', { parent: 'ops' }), opts: { listQueues }, want: [['spec.parent', 'FieldValueInvalid']] },
  { name: 'a capability above the parent\'s', queue: makeQueue('q', { parent: 'eng', capability: { cpu: 101 } }), opts: { listQueues }, want: [['spec.capability[cpu]', 'FieldValueInvalid']] },
  { name: 'siblings guaranteed more than the parent', queue: makeQueue('q', { parent: 'eng', guarantee: { resource: { cpu: 11 } } }), opts: { listQueues }, want: [['spec.guarantee.resource[cpu]', 'FieldValueInvalid']] },
  { name: 'siblings deserving more than the parent', queue: makeQueue('q', { parent: 'eng', deserved: { cpu: 21 } }), opts: { listQueues }, want: [['spec.deserved[cpu]', 'FieldValueInvalid']] },
  { name: 'a parent capability below a descendant\'s', queue: makeQueue('eng', { capability: { cpu: 50 } }), opts: { listQueues, operation: 'UPDATE', old: stored[2] }, want: [['spec.capability[cpu]', 'FieldValueInvalid']] },
  { name: 'a parent guarantee below its children\'s sum', queue: makeQueue('eng', { guarantee: { resource: { cpu: 20 } }, deserved: { cpu: 60 } }), opts: { listQueues, operation: 'UPDATE', old: stored[2] }, want: [['spec.guarantee.resource[cpu]', 'FieldValueInvalid']] },
  { name: 'changed root quotas', queue: makeQueue('root', { reclaimable: false, capability: { cpu: 10 } }), opts: { operation: 'UPDATE', old: stored[0] }, want: [['spec.capability', 'FieldValueForbidden']] },
  { name: 'a name that is not a DNS-1123 subdomain', queue: makeQueue('Team Q'), want: [['metadata.name', 'FieldValueInvalid']] },
];

function pairs(p: (string | undefined)[][]): string[] {
  return p.map((x) => x.join(' ')).sort();
}

t.test('accepted queues', async (t) => {
  for (const c of accepted) {
    const r = admitQueue(c.queue, { operation: 'CREATE', ...c.opts });
    t.ok(r.ok, `${c.name}${r.ok ? '' : `: ${r.status.message}`}`);
  }
});

t.test('rejected queues name each violated field and reason', async (t) => {
  for (const c of rejected) {
    t.test(c.name, async (t) => {
      const r = admitQueue(c.queue, { operation: 'CREATE', ...c.opts });
      t.notOk(r.ok, 'rejected');
      if (r.ok) return;
      t.equal(r.status.reason, 'Invalid');
      t.equal(r.status.code, 422);
      t.match(r.status.message, /^Queue\.scheduling\.volcano\.sh "[^"]*" is invalid: /);
      t.same(pairs((r.status.details?.causes ?? []).map((x) => [x.field, x.reason])), pairs(c.want ?? []), r.status.message);
    });
  }
});

t.test('defaults: weight 1, reclaimable true, hierarchy rooted at root', async (t) => {
  const input = makeQueue('q', { weight: 0 }, { metadata: { name: 'q', annotations: { [H]: 'eng/ml', [HW]: '2/3' } } });
  const r = admitQueue(input, { operation: 'CREATE' });
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.queue.spec.weight, 1);
  t.equal(r.queue.spec.reclaimable, true);
  t.equal(r.queue.metadata.annotations?.[H], 'root/eng/ml');
  t.equal(r.queue.metadata.annotations?.[HW], '1/2/3');
  t.equal(input.spec.weight, 0, 'input untouched');
  t.notOk('parent' in r.queue.spec, 'a missing parent stays absent (it means root)');

  const explicit = defaultQueue(makeQueue('q', { weight: 7, reclaimable: false }, { metadata: { name: 'q', annotations: { [H]: 'root/a', [HW]: '1/1' } } }));
  t.equal(explicit.spec.weight, 7);
  t.equal(explicit.spec.reclaimable, false);
  t.equal(explicit.metadata.annotations?.[H], 'root/a');

  const noSpec = admitQueue({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: 'bare' } }, { operation: 'CREATE' });
  t.same(noSpec.ok && noSpec.queue.spec, { weight: 1, reclaimable: true });
});

t.test('default and root queues, and queues with children, cannot be deleted', async (t) => {
  for (const name of ['default', 'root', 'eng']) {
    const r = admitQueueDelete(name, { listQueues });
    t.notOk(r.ok, name);
    if (!r.ok) t.equal(r.status.reason, 'Forbidden');
  }
  t.ok(admitQueueDelete('dev', { listQueues }).ok);
});

t.test('garbage queues get a Status, never a throw', async (t) => {
  for (const input of [null, 'q', [makeQueue('q')], { kind: 'Job', metadata: { name: 'q' } }]) {
    const r = admitQueue(input, { operation: 'CREATE' });
    t.notOk(r.ok);
    if (!r.ok) t.equal(r.status.reason, 'BadRequest');
  }
  const r = admitQueue(setPath(makeQueue('q'), 'spec', [1, 2]), { operation: 'CREATE' });
  t.notOk(r.ok);
  if (!r.ok) t.same(r.status.details?.causes?.map((c) => [c.field, c.reason]), [['spec', 'FieldValueTypeInvalid']]);
});
