import t from 'tap';
import { Dispatcher } from '../../../gateway/dispatch/dispatcher.js';
import { ReportConsumer, orderReports, reportBacklog } from '../../../gateway/ingest/report-consumer.js';
import { StreamReportSink } from '../../../member-agent/reporter/stream-report-sink.js';
import {
  REPORT_FIELD,
  REPORT_GROUP,
  reportStreamKey,
  type NodeInventory,
  type PlacementMessage,
  type ReportMessage,
} from '../../../shared/messages/index.js';
import { useRedis } from '../../support/redis.js';
import { sleep, until } from '../../support/wait.js';
import { AcknowledgingMember } from '../../support/acknowledging-member.js';

const node = (name: string): NodeInventory => ({
  name, allocatable: { cpu: '8', memory: '32Gi', pods: 110 }, capacity: { cpu: '8', memory: '32Gi', pods: 110 },
  labels: {}, taints: [], unschedulable: false, requested: {}, ready: true,
});

function placement(uid: string, cluster: string, epoch: number): PlacementMessage {
  return {
    type: 'placement', v: 1, cluster, uid, namespace: 'ns', name: `job-${uid}`, epoch, attempt: epoch, queue: 'default',
    job: {
      apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', metadata: { name: `job-${uid}`, namespace: 'ns', uid },
      spec: { tasks: [{ name: 'w', replicas: 2, template: { spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] } } }] },
    },
    nodePlan: { w: ['n1', 'n2'] },
  };
}

t.test('placements reach each member queue once; the member answers on the report stream in batches', async (t) => {
  const r = await useRedis(t);
  const prefix = `{${r.prefix.slice(0, -1)}}`;
  const got: ReportMessage[] = [];
  let batches = 0;
  const consumer = new ReportConsumer({
    connection: r.connect(), prefix,
    handler: { handleReports: async (b) => { batches++; got.push(...b); } },
  });
  consumer.start();
  const east = new AcknowledgingMember({ cluster: 'east', connection: r.connect(), prefix, nodes: [node('n1'), node('n2')], heartbeatMs: 50 });
  const west = new AcknowledgingMember({ cluster: 'west', connection: r.connect(), prefix, nodes: [node('n1'), node('n2')], heartbeatMs: 50,
    reject: () => 'QueueClosed' });
  await east.start();
  await west.start();
  const dispatcher = new Dispatcher({ connection: r.client, prefix });
  t.teardown(async () => { await dispatcher.close(); await east.stop(); await west.stop(); await consumer.close(); });

  const eastPlacements = Array.from({ length: 50 }, (_, i) => placement(`e${i}`, 'east', 1));
  await dispatcher.send([...eastPlacements, placement('w0', 'west', 1)]);
  // the same batch again, and the same lone placement again: same job ids, not delivered twice
  await dispatcher.send(eastPlacements);
  await dispatcher.send([placement('w0', 'west', 1)]);
  await until(() => got.filter((m) => m.type === 'placement-result').length >= 51);
  await sleep(100);
  t.equal(east.received.length, 50, 'each east placement delivered exactly once');
  t.same(east.received.map((p) => p.uid), eastPlacements.map((p) => p.uid), 'in the order they were sent');
  t.equal(west.received.length, 1, 'the lone west placement delivered once');
  const eastQueue = dispatcher.queue('east');
  const entries = await eastQueue.getJobs(['completed', 'waiting', 'active']);
  t.same(entries.map((e) => e.name), ['batch'], 'the 50 east placements of one send travelled as one queue entry');
  const westEntries = await dispatcher.queue('west').getJobs(['completed', 'waiting', 'active']);
  t.same(westEntries.map((e) => [e.name, e.id]), [['placement', 'placement.w0.1.1']], 'a lone message travels as itself');
  t.equal(east.jobs.size, 50);
  const results = got.filter((m) => m.type === 'placement-result');
  t.equal(results.length, 51);
  t.match(results.find((m) => m.uid === 'w0'), { result: 'rejected', reason: 'QueueClosed', cluster: 'west' });
  t.ok(got.some((m) => m.type === 'nodes-full' && m.cluster === 'east'), 'inventory reported on start');
  t.ok(got.some((m) => m.type === 'heartbeat' && m.cluster === 'west'), 'heartbeats arrive');
  t.ok(got.some((m) => m.type === 'job-status' && m.uid === 'e3' && m.bound === 2), 'running jobs report their pods bound');
  t.ok(batches < got.length, `reports were handled in batches (${got.length} reports in ${batches} calls)`);

  // a newer epoch replaces the copy; an older one is ignored
  await dispatcher.send([placement('e1', 'east', 3)]);
  await dispatcher.send([placement('e1', 'east', 2)]);
  await until(() => east.received.filter((p) => p.uid === 'e1').length === 3);
  t.equal(east.jobs.get('e1')!.epoch, 3, 'the member keeps the newest epoch');
  await dispatcher.send([{ type: 'delete-superseded', v: 1, cluster: 'east', uid: 'e2', namespace: 'ns', name: 'job-e2', olderThanEpoch: 2 }]);
  await until(() => !east.jobs.has('e2'));
  t.pass('delete-superseded removed the older copy');
});

t.test('a send larger than maxBatch is split into batches of at most that many, in order', async (t) => {
  const r = await useRedis(t);
  const prefix = `{${r.prefix.slice(0, -1)}}`;
  const member = new AcknowledgingMember({ cluster: 'east', connection: r.connect(), prefix, nodes: [node('n1'), node('n2')], heartbeatMs: 50, concurrency: 1 });
  await member.start();
  const dispatcher = new Dispatcher({ connection: r.client, prefix, maxBatch: 4 });
  t.teardown(async () => { await dispatcher.close(); await member.stop(); });
  const list = Array.from({ length: 9 }, (_, i) => placement(`p${i}`, 'east', 1));
  await dispatcher.send(list);
  await until(() => member.received.length >= 9);
  const entries = await dispatcher.queue('east').getJobs(['completed', 'waiting', 'active']);
  const sizes = entries.map((e) => (e.name === 'batch' ? (e.data as { messages: unknown[] }).messages.length : 1)).sort();
  t.same(sizes, [1, 4, 4], '9 messages with maxBatch 4: two batches of 4 and one lone message');
  t.same(member.received.map((p) => p.uid), list.map((p) => p.uid), 'delivered in order, each once');
});

t.test('a failing batch is handed again; invalid reports are dropped, not retried', async (t) => {
  const r = await useRedis(t);
  const prefix = `{${r.prefix.slice(0, -1)}}`;
  let calls = 0;
  const seen: ReportMessage[] = [];
  const consumer = new ReportConsumer({
    connection: r.connect(), prefix, retryDelayMs: 10,
    handler: { handleReports: async (b) => { calls++; if (calls === 1) throw new Error('redis hiccup'); seen.push(...b); } },
  });
  const sink = new StreamReportSink({ connection: r.client, prefix });
  t.teardown(() => consumer.close());
  await sink.send({ type: 'heartbeat', v: 1, cluster: 'east', agentId: 'a', seq: 1, sentAt: 1 });
  await r.client.xadd(reportStreamKey(prefix), '*', REPORT_FIELD, JSON.stringify({ type: 'heartbeat', v: 7 }));
  await r.client.xadd(reportStreamKey(prefix), '*', REPORT_FIELD, '{not json');
  await r.client.xadd(reportStreamKey(prefix), '*', 'other', 'x');
  consumer.start();
  await until(() => seen.length === 1);
  t.equal(calls, 2, 'the heartbeat was handed again after the first batch failed');
  t.equal(seen[0]!.type, 'heartbeat');
  await sleep(100);
  t.equal(seen.length, 1, 'the invalid reports never reached the handler');
  t.equal(consumer.dropped, 3);
  t.equal(await reportBacklog(r.client, prefix), 0, 'nothing is left pending');
});

t.test('a report that keeps failing is dropped after maxDeliveries; the stream goes on', async (t) => {
  const r = await useRedis(t);
  const prefix = `{${r.prefix.slice(0, -1)}}`;
  const seen: number[] = [];
  let calls = 0;
  const consumer = new ReportConsumer({
    connection: r.connect(), prefix, retryDelayMs: 5, maxDeliveries: 3, maxBatch: 1,
    handler: {
      handleReports: async (b) => {
        calls++;
        for (const m of b) if (m.type === 'heartbeat' && m.seq === 1) throw new Error('cannot apply');
        for (const m of b) if (m.type === 'heartbeat') seen.push(m.seq);
      },
    },
  });
  const sink = new StreamReportSink({ connection: r.client, prefix });
  t.teardown(() => consumer.close());
  await sink.sendMany([0, 1, 2].map((seq) => ({ type: 'heartbeat', v: 1, cluster: 'east', agentId: 'a', seq, sentAt: 1 })));
  consumer.start();
  await until(() => seen.length === 2);
  t.same(seen, [0, 2], 'the reports around the bad one are applied, in order');
  t.equal(calls, 1 + 3 + 1, 'the bad report was handed three times');
  t.equal(consumer.dropped, 1);
});

t.test('a new reign takes over reports an earlier one read and never acknowledged, and trims what is handled', async (t) => {
  const r = await useRedis(t);
  const prefix = `{${r.prefix.slice(0, -1)}}`;
  const key = reportStreamKey(prefix);
  const sink = new StreamReportSink({ connection: r.client, prefix });
  const hb = (seq: number): ReportMessage => ({ type: 'heartbeat', v: 1, cluster: 'east', agentId: 'a', seq, sentAt: 1 });
  // the first reign reads two reports and dies before handling them
  const first = new ReportConsumer({
    connection: r.connect(), prefix, consumerName: 'first',
    handler: { handleReports: () => new Promise<void>(() => undefined) }, // never finishes
  });
  await sink.sendMany([hb(1), hb(2)]);
  first.start();
  await until(() => false, 300).catch(() => undefined);
  const pending = (await r.client.xpending(key, REPORT_GROUP)) as [number, ...unknown[]];
  t.equal(Number(pending[0]), 2, 'the first reign holds both reports unacknowledged');
  void first.close();
  await sink.send(hb(3));

  const seen: number[] = [];
  const second = new ReportConsumer({
    connection: r.connect(), prefix, consumerName: 'second',
    handler: { handleReports: async (b) => { for (const m of b) if (m.type === 'heartbeat') seen.push(m.seq); } },
  });
  t.teardown(() => second.close());
  second.start();
  await until(() => seen.length === 3);
  t.same(seen, [1, 2, 3], 'the taken-over reports come first, in order, then the new one');
  t.equal(await reportBacklog(r.client, prefix), 0);
  // trimming is approximate (whole stream nodes); with more than one node's worth handled, the stream shrinks
  await sink.sendMany(Array.from({ length: 300 }, (_, i) => hb(10 + i)));
  await until(() => seen.length === 303);
  await sink.sendMany(Array.from({ length: 300 }, (_, i) => hb(400 + i)));
  await until(() => seen.length === 603, 8000);
  await sleep(1200);
  await sink.send(hb(1000));
  await until(() => seen.length === 604);
  await sleep(50);
  const left = Number(await r.client.xlen(key));
  t.ok(left < 604, `handled reports are trimmed from the stream (${left} of 604 left)`);
  const consumers = ((await r.client.xinfo('CONSUMERS', key, REPORT_GROUP)) as unknown[][]).map((c) => String(c[1]));
  t.notOk(consumers.includes('first'), 'the dead reign\'s consumer is forgotten');
});

t.test('reports of one agent are handled in seq order, others keep arrival order', async (t) => {
  const hb = (agentId: string, seq: number): ReportMessage => ({ type: 'heartbeat', v: 1, cluster: 'c', agentId, seq, sentAt: 0 });
  const status: ReportMessage = {
    type: 'job-status', v: 1, cluster: 'c', uid: 'u', namespace: 'n', name: 'j', epoch: 1, phase: 'Running',
    counts: { pending: 0, running: 1, succeeded: 0, failed: 0, terminating: 0, unknown: 0 }, conditions: [], retryCount: 0,
  };
  const ordered = orderReports([hb('a', 3), status, hb('b', 9), hb('a', 1), hb('b', 2)]);
  t.same(ordered.map((m) => ('seq' in m ? `${m.agentId}${m.seq}` : m.type)), ['a1', 'job-status', 'b2', 'a3', 'b9']);
});
