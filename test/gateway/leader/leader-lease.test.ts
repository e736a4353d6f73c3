import t from 'tap';
import { LeaderLease, type DeposeReason, type LeaderTerm } from '../../../gateway/leader/leader-lease.js';
import { useRedis } from '../../support/redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

t.test('one of two replicas leads; the other takes over within the lease time after a crash, with a higher term', async (t) => {
  const r = await useRedis(t);
  const keys = { leaseKey: `${r.prefix}lease`, termKey: `${r.prefix}term` };
  const events: string[] = [];
  const make = (id: string) => new LeaderLease({
    redis: r.client, ...keys, holderId: id, ttlMs: 300, renewEveryMs: 50,
    onElected: (l: LeaderTerm) => { events.push(`${id} elected ${l.term}`); },
    onDeposed: (l: LeaderTerm, why: DeposeReason) => { events.push(`${id} deposed ${l.term} ${why}`); },
  });
  const a = make('a');
  const b = make('b');
  await a.start();
  await b.start();
  t.ok(a.isLeader(), 'the first to campaign leads');
  t.notOk(b.isLeader(), 'the second waits');
  await sleep(400);
  t.ok(a.isLeader(), 'renewals keep the lease past its ttl');
  t.notOk(b.isLeader());
  const first = a.leadership()!;

  await a.stop({ release: false }); // a crash: the lease is not given back
  const took = await until(() => b.isLeader(), 2000);
  t.ok(took <= 300 + 60, `b took over within the lease time (+ one retry period): ${took} ms`);
  t.ok(b.leadership()!.term > first.term, 'the new reign has a higher term');
  t.notOk(a.isLeader());
  await b.stop();
  t.same(events, ['a elected 1', 'a deposed 1 stopped', 'b elected 2', 'b deposed 2 stopped']);
});

t.test('a leader whose lease was taken over steps down and its token no longer matches', async (t) => {
  const r = await useRedis(t);
  const keys = { leaseKey: `${r.prefix}lease`, termKey: `${r.prefix}term` };
  let deposed: DeposeReason | undefined;
  const a = new LeaderLease({ redis: r.client, ...keys, holderId: 'a', ttlMs: 300, renewEveryMs: 50, onDeposed: (_l, why) => { deposed = why; } });
  await a.start();
  const token = a.leadership()!.token;
  t.equal(await r.client.get(keys.leaseKey), token, 'the lease key holds the token fenced writes compare against');
  // someone else grabs the key (e.g. after a long pause of a)
  await r.client.set(keys.leaseKey, 'z|99', 'PX', 1000);
  await until(() => deposed !== undefined, 1000);
  t.equal(deposed, 'lost');
  t.notOk(a.isLeader());
  await a.stop();
});

t.test('a graceful stop releases the lease so another replica takes over at once', async (t) => {
  const r = await useRedis(t);
  const keys = { leaseKey: `${r.prefix}lease`, termKey: `${r.prefix}term` };
  const a = new LeaderLease({ redis: r.client, ...keys, holderId: 'a', ttlMs: 5000, renewEveryMs: 50 });
  const b = new LeaderLease({ redis: r.client, ...keys, holderId: 'b', ttlMs: 5000, renewEveryMs: 50 });
  await a.start();
  await b.start();
  await a.stop();
  const took = await until(() => b.isLeader(), 1000);
  t.ok(took < 1000, `b leads ${took} ms after a released a 5 s lease`);
  await b.stop();
});

t.test('a lease whose renewal cannot be confirmed stops counting as leadership before it expires', async (t) => {
  const r = await useRedis(t);
  const conn = r.connect({ maxRetriesPerRequest: 0 });
  const keys = { leaseKey: `${r.prefix}lease`, termKey: `${r.prefix}term` };
  let deposed: DeposeReason | undefined;
  const a = new LeaderLease({ redis: conn, ...keys, holderId: 'a', ttlMs: 300, renewEveryMs: 50, onDeposed: (_l, why) => { deposed = why; } });
  await a.start();
  t.ok(a.isLeader());
  conn.disconnect(); // Redis unreachable from a
  const took = await until(() => !a.isLeader() && deposed !== undefined, 1000);
  t.ok(took < 300, `a stopped leading after ${took} ms, before the ttl of 300 ms`);
  t.equal(deposed, 'expired');
  const ttl = await r.client.pttl(keys.leaseKey);
  t.ok(ttl > 0, 'while the lease key itself was still live in Redis');
  await a.stop({ release: false });
});
