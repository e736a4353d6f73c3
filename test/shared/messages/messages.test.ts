import t from 'tap';
import {
  MAX_DISPATCH_BATCH,
  MESSAGE_VERSION,
  REPORT_QUEUE,
  bullmqPrefix,
  clusterOfDispatchQueue,
  dispatchJobId,
  dispatchQueueName,
  parseDispatchEntry,
  parseDispatchMessage,
  parseMessage,
  parseReportMessage,
  type Message,
  type NodeInventory,
  type PlacementMessage,
} from '../../../shared/messages/index.js';

const job = {
  apiVersion: 'batch.volcano.sh/v1alpha1' as const,
  kind: 'Job' as const,
  metadata: { name: 'mpi', namespace: 'team-a', uid: 'u-1' },
  spec: { queue: 'default', minAvailable: 2, tasks: [{ name: 'worker', replicas: 2, template: {} }] },
};

const node: NodeInventory = {
  name: 'n1',
  allocatable: { cpu: '4', memory: '16Gi', pods: 110 },
  capacity: { cpu: '4', memory: '16Gi', pods: 110 },
  labels: { 'kubernetes.io/hostname': 'n1' },
  taints: [{ key: 'gpu', effect: 'NoSchedule' }],
  unschedulable: false,
  requested: { cpu: '500m' },
  ready: true,
};

const placement: PlacementMessage = {
  type: 'placement', v: 1, cluster: 'east', uid: 'u-1', namespace: 'team-a', name: 'mpi',
  epoch: 3, attempt: 2, queue: 'default', job, nodePlan: { worker: ['n1', 'n1'] },
};

const valid: Message[] = [
  placement,
  { type: 'command', v: 1, cluster: 'east', uid: 'u-1', namespace: 'team-a', name: 'mpi', epoch: 3, action: 'terminate' },
  { type: 'delete-superseded', v: 1, cluster: 'east', uid: 'u-1', namespace: 'team-a', name: 'mpi', olderThanEpoch: 3 },
  { type: 'nodes-full', v: 1, cluster: 'east', agentId: 'a1', seq: 0, nodes: [node] },
  { type: 'nodes-delta', v: 1, cluster: 'east', agentId: 'a1', seq: 1, upserts: [node], removed: ['n2'] },
  { type: 'heartbeat', v: 1, cluster: 'east', agentId: 'a1', seq: 2, sentAt: 1_700_000_000_000 },
  {
    type: 'job-status', v: 1, cluster: 'east', uid: 'u-1', namespace: 'team-a', name: 'mpi', epoch: 3,
    phase: 'Running', counts: { pending: 0, running: 2, succeeded: 0, failed: 0, terminating: 0, unknown: 0 },
    conditions: [{ status: 'Pending', lastTransitionTime: '2025-01-01T00:00:00Z' }], retryCount: 0, message: 'ok',
  },
  { type: 'placement-result', v: 1, cluster: 'east', uid: 'u-1', namespace: 'team-a', name: 'mpi', epoch: 3, attempt: 2, result: 'rejected', reason: 'QueueClosed' },
];

t.test('every message type round-trips through JSON and parses back to the same object', async (t) => {
  t.equal(valid.length, 8, 'one sample per message type');
  for (const m of valid) {
    const r = parseMessage(JSON.parse(JSON.stringify(m)));
    t.ok(r.ok, `${m.type} parses`);
    if (r.ok) t.same(r.message, m);
  }
});

t.test('dispatch and report parsers accept only their own direction', async (t) => {
  const dispatchTypes = valid.filter((m) => parseDispatchMessage(m).ok).map((m) => m.type);
  t.same(dispatchTypes, ['placement', 'command', 'delete-superseded']);
  const reportTypes = valid.filter((m) => parseReportMessage(m).ok).map((m) => m.type);
  t.same(reportTypes, ['nodes-full', 'nodes-delta', 'heartbeat', 'job-status', 'placement-result']);
  const wrong = parseReportMessage(placement);
  t.notOk(wrong.ok);
  if (!wrong.ok) t.match(wrong.error, /not a report/);
});

t.test('unknown type, wrong version and non-objects are errors, not throws', async (t) => {
  for (const [input, want] of [
    [null, /JSON object/],
    ['placement', /JSON object/],
    [[placement], /JSON object/],
    [{ type: 'launch', v: 1, cluster: 'east' }, /unknown message type "launch"/],
    [{ ...placement, v: 2 }, /unsupported schema version 2/],
    [{ ...placement, v: undefined }, /unsupported schema version/],
  ] as const) {
    const r = parseMessage(input);
    t.notOk(r.ok);
    if (!r.ok) t.match(r.error, want);
  }
  t.equal(MESSAGE_VERSION, 1);
});

t.test('a malformed message names the offending field', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...placement, epoch: 0 }, /epoch: must be >= 1/],
    [{ ...placement, cluster: 'East_1' }, /cluster: must match pattern/],
    [{ ...placement, job: { ...job, spec: { tasks: [] } } }, /job\.spec\.tasks/],
    [{ ...placement, uid: undefined }, /uid/],
    [{ type: 'command', v: 1, cluster: 'east', uid: 'u', namespace: 'n', name: 'x', epoch: 1, action: 'restart' }, /action/],
    [{ type: 'nodes-full', v: 1, cluster: 'east', agentId: 'a', seq: 0, nodes: [{ ...node, ready: 'yes' }] }, /nodes\.0\.ready: must be boolean/],
    [{ type: 'job-status', v: 1, cluster: 'east', uid: 'u', namespace: 'n', name: 'x', epoch: 1, phase: 'Sleeping', counts: {}, conditions: [], retryCount: 0 }, /phase/],
    [{ type: 'heartbeat', v: 1, cluster: 'east', agentId: 'a', seq: 1 }, /sentAt/],
  ];
  for (const [input, want] of cases) {
    const r = parseMessage(input);
    t.notOk(r.ok, `rejected: ${String(want)}`);
    if (!r.ok) t.match(r.error, want);
  }
});

t.test('unknown extra fields are kept, so a compatible addition stays readable', async (t) => {
  const r = parseMessage({ ...placement, traceId: 'abc' });
  t.ok(r.ok);
  if (r.ok) t.equal((r.message as unknown as { traceId: string }).traceId, 'abc');
});

t.test('queue names carry no colon and round-trip to the cluster name; the prefix is a hash tag', async (t) => {
  t.equal(dispatchQueueName('east-1'), 'dispatch.east-1');
  t.equal(clusterOfDispatchQueue(dispatchQueueName('east-1')), 'east-1');
  t.equal(clusterOfDispatchQueue(REPORT_QUEUE), undefined);
  t.notMatch(REPORT_QUEUE, /:/);
  t.throws(() => dispatchQueueName('a:b'), /DNS-1123/);
  t.throws(() => dispatchQueueName(''), /DNS-1123/);
  t.equal(bullmqPrefix(), '{caldera}');
  t.equal(bullmqPrefix('prod'), '{prod}');
  t.throws(() => bullmqPrefix('a:b'));
});

t.test('dispatch job ids are stable per (uid, epoch) and contain no colon', async (t) => {
  t.equal(dispatchJobId(placement), 'placement.u-1.3.2');
  t.equal(dispatchJobId({ type: 'command', uid: 'a:b', epoch: 2, action: 'delete' }), 'command.delete.a_b.2');
  t.equal(dispatchJobId({ type: 'delete-superseded', uid: 'u', olderThanEpoch: 4 }), 'delete-superseded.u.4');
});

t.test('a dispatch queue entry is one message or a batch of messages for one cluster', async (t) => {
  const single = parseDispatchEntry(placement);
  t.same(single, { ok: true, batch: false, cluster: 'east', messages: [placement], invalid: [] }, 'a lone message is an entry of one');
  t.match(parseDispatchEntry({ type: 'heartbeat', v: 1 }), { ok: false }, 'a report is no dispatch entry');

  const abort = { type: 'command', v: 1, cluster: placement.cluster, uid: 'u-1', namespace: 'team-a', name: 'mpi', epoch: 3, action: 'abort' };
  const other = { ...placement, cluster: 'elsewhere' };
  const batch = { type: 'batch', v: 1, cluster: placement.cluster, messages: [placement, { type: 'placement', v: 1 }, abort, other, { type: 'batch', v: 1, cluster: placement.cluster, messages: [] }] };
  const r = parseDispatchEntry(batch);
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.batch, true);
  t.same(r.messages, [placement, abort], 'valid messages for the batch\'s cluster stand, in order');
  t.equal(r.invalid.length, 3, 'an invalid message, one for another cluster and a nested batch are left out');
  t.match(r.invalid[0], /^messages\[1\]: invalid placement message/);
  t.match(r.invalid[1], /^messages\[3\]: for cluster elsewhere/);
  t.match(r.invalid[2], /^messages\[4\]: unknown message type "batch"/);

  t.match(parseDispatchEntry({ ...batch, v: 2 }), { ok: false, error: /unsupported schema version 2/ });
  t.match(parseDispatchEntry({ ...batch, cluster: 'Not_A_Name' }), { ok: false, error: /cluster/ });
  t.match(parseDispatchEntry({ ...batch, messages: 'x' }), { ok: false, error: /messages/ });
  t.match(parseDispatchEntry({ ...batch, messages: Array.from({ length: MAX_DISPATCH_BATCH + 1 }, () => placement) }),
    { ok: false, error: /at most/ }, 'a batch past the ceiling is refused as a whole');
});
