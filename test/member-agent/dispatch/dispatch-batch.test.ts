import t from 'tap';
import { Queue } from 'bullmq';
import { DispatchConsumer, handleInJobOrder } from '../../../member-agent/dispatch/dispatch-consumer.js';
import { dispatchQueueName, type DispatchBatch, type DispatchMessage } from '../../../shared/messages/index.js';
import { useRedis } from '../../support/redis.js';
import { sleep, until } from '../../support/wait.js';

const command = (uid: string, action: 'abort' | 'resume' | 'delete', cluster = 'm1'): DispatchMessage => ({
  type: 'command', v: 1, cluster, uid, namespace: 'ns', name: `job-${uid}`, epoch: 1, action,
});

t.test('handleInJobOrder: one job in order, jobs side by side, a failure holds back that job\'s later messages', async (t) => {
  const seen: string[] = [];
  let inFlight = 0;
  let most = 0;
  const msgs = [command('a', 'abort'), command('b', 'abort'), command('a', 'resume'), command('c', 'abort'), command('b', 'resume'), command('a', 'delete')];
  const failed = await handleInJobOrder(msgs, 2, async (m) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await sleep(5);
    inFlight--;
    if (m.uid === 'b' && m.type === 'command' && m.action === 'abort') throw new Error('boom');
    seen.push(`${m.uid}:${m.type === 'command' ? m.action : m.type}`);
  });
  t.same(seen.filter((s) => s.startsWith('a:')), ['a:abort', 'a:resume', 'a:delete'], 'a job\'s messages in batch order');
  t.notOk(seen.includes('b:resume'), 'after b\'s abort failed, its resume is not handled out of order');
  t.ok(seen.includes('c:abort'));
  t.equal(most, 2, 'two jobs were handled side by side, never more than the concurrency');
  t.same(failed.map((f) => `${f.message.uid}:${(f.message as { action: string }).action}`), ['b:abort', 'b:resume'], 'failures in batch order');
  t.match(String(failed[0]?.err), /boom/);
});

t.test('the consumer handles a batch; a retry repeats only the messages that failed', async (t) => {
  const r = await useRedis(t);
  const prefix = `{${r.prefix.slice(0, -1)}}`;
  const handled: string[] = [];
  let failuresLeft = 1;
  const consumer = new DispatchConsumer({
    connection: r.connect(), prefix, cluster: 'm1', concurrency: 4,
    handle: async (m) => {
      const label = `${m.uid}:${m.type === 'command' ? m.action : m.type}`;
      if (label === 'b:abort' && failuresLeft-- > 0) throw new Error('the API server is busy');
      handled.push(label);
    },
  });
  consumer.start();
  const queue = new Queue(dispatchQueueName('m1'), { connection: r.connect(), prefix });
  t.teardown(async () => { await consumer.stop(); await queue.close(); });

  const batch: DispatchBatch = {
    type: 'batch', v: 1, cluster: 'm1',
    messages: [command('a', 'abort'), command('b', 'abort'), command('b', 'resume'), command('c', 'abort'),
      command('d', 'abort', 'm2'), { type: 'command', v: 1 } as unknown as DispatchMessage],
  };
  await queue.add('batch', batch, { jobId: 'batch-1', attempts: 3, backoff: { type: 'fixed', delay: 50 } });
  await until(() => handled.length >= 4);
  await sleep(200);
  t.same(handled.slice(0, 2).sort(), ['a:abort', 'c:abort'], 'the first pass handled the jobs that did not fail');
  t.same(handled.slice(2), ['b:abort', 'b:resume'], 'the retry handled only b\'s messages, in order');
  t.equal(handled.length, 4, 'nothing handled twice; the message for another cluster and the invalid one dropped');
  const done = await queue.getJob('batch-1');
  t.equal(done?.attemptsMade, 2, 'the entry took two attempts');
  t.equal(await done?.isCompleted(), true);
});
