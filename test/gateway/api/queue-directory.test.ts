// Job admission's queue facts: answered from memory once the directory follows the change feed,
// checked against the store for anything but an open leaf queue, current after other replicas'
// writes, and read-your-writes for this gateway's own queue writes.
import t from 'tap';
import { QueueDirectory } from '../../../gateway/api/queue-directory.js';
import { bootstrapQueues } from '../../../gateway/api/queue-routes.js';
import { newObjectMeta } from '../../../gateway/api/object-meta.js';
import { RedisGatewayStore } from '../../../gateway/store/redis-gateway-store.js';
import { SCHEDULING_API_VERSION } from '../../../shared/api/podgroup.js';
import { QUEUE_KIND, type Queue } from '../../../shared/api/queue.js';
import { systemClock } from '../../../shared/clock.js';
import { useRedis } from '../../support/redis.js';
import { JOBS, QUEUES, simpleJob, startTestGateway } from '../gateway-harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function queue(name: string, spec: Queue['spec'] = {}): Queue {
  return { apiVersion: SCHEDULING_API_VERSION, kind: QUEUE_KIND, metadata: newObjectMeta({ name }, { clock: systemClock }), spec: { weight: 1, ...spec }, status: { state: 'Open' } };
}

async function until(what: string, cond: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

t.test('open leaf queues are answered from memory; the rest from the store; feed changes arrive', async (t) => {
  const redis = await useRedis(t);
  const store = new RedisGatewayStore({ client: redis.connect(), prefix: redis.prefix });
  for (const q of bootstrapQueues(systemClock)) await store.ensureQueue(q);
  const dir = new QueueDirectory(store);
  t.teardown(async () => { dir.close(); await store.close(); });

  // not loaded yet: the store answers
  const first = await dir.lookupFor('default');
  t.same(first('default'), { state: 'Open', hasChildren: false });
  t.equal(dir.answered.store, 1);
  await until('the directory answers from memory', async () => (await dir.lookupFor('default'))('default') !== undefined && dir.answered.memory > 0);

  // an unknown queue: the store's word (none)
  const memory0 = dir.answered.memory;
  t.equal((await dir.lookupFor('nope'))('nope'), undefined);
  t.equal(dir.answered.memory, memory0, 'an unknown queue is not refused from memory');

  // another replica creates a queue: known at once (store) and soon from memory
  await store.createQueue(queue('team'));
  t.same((await dir.lookupFor('team'))('team'), { state: 'Open', hasChildren: false });
  await until('the new queue in memory', async () => {
    const before = dir.answered.memory;
    (await dir.lookupFor('team'))('team');
    return dir.answered.memory > before;
  });

  // closed elsewhere: once the feed says so, the store is asked and says Closed
  await store.mutateQueue('team', (q) => ({ ...q, status: { state: 'Closed' } }));
  await until('the closed queue is checked against the store', async () => (await dir.lookupFor('team'))('team')?.state === 'Closed');

  // a parent is not a leaf: the child makes the store answer hasChildren
  await store.createQueue(queue('org'));
  await store.createQueue(queue('org-a', { parent: 'org' }));
  await until('the parent is known as a parent', async () => (await dir.lookupFor('org'))('org')?.hasChildren === true);

  // deleted elsewhere: gone
  await store.deleteQueue('org-a');
  await store.deleteQueue('org');
  await until('the deleted queue is gone', async () => (await dir.lookupFor('org'))('org') === undefined);

  // closed: no memory answers any more
  dir.close();
  const memory1 = dir.answered.memory;
  t.same((await dir.lookupFor('default'))('default'), { state: 'Open', hasChildren: false });
  t.equal(dir.answered.memory, memory1);
});

t.test("this gateway's own queue writes are seen by the next job create at once", async (t) => {
  const gw = await startTestGateway(t);
  const queueBody = { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name: 'team' }, spec: {} };
  // warm the directory, so that later answers come from memory
  t.equal((await gw.request({ method: 'POST', url: `${JOBS}/namespaces/a/jobs`, body: simpleJob('warm') })).statusCode, 201);
  await sleep(50);
  for (let round = 0; round < 5; round++) {
    t.equal((await gw.request({ method: 'POST', url: QUEUES, body: queueBody })).statusCode, 201);
    t.equal((await gw.request({ method: 'POST', url: `${JOBS}/namespaces/a/jobs`, body: simpleJob(`j${round}`, { queue: 'team' }) })).statusCode, 201, 'a new queue takes jobs at once');
    t.equal((await gw.request({ method: 'POST', url: `${QUEUES}/team/close` })).statusCode, 200);
    const refused = await gw.request({ method: 'POST', url: `${JOBS}/namespaces/a/jobs`, body: simpleJob(`k${round}`, { queue: 'team' }) });
    t.equal(refused.statusCode, 422, 'a queue closed a moment ago refuses jobs');
    t.match(refused.json().details.causes, [{ field: 'spec.queue' }]);
    t.equal((await gw.request({ method: 'DELETE', url: `${JOBS}/namespaces/a/jobs/j${round}` })).statusCode, 200);
    t.equal((await gw.request({ method: 'DELETE', url: `${QUEUES}/team` })).statusCode, 200);
    t.equal((await gw.request({ method: 'POST', url: `${JOBS}/namespaces/a/jobs`, body: simpleJob(`m${round}`, { queue: 'team' }) })).statusCode, 422, 'a deleted queue refuses jobs');
  }
});
