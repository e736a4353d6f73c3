// The pending backlog serves each queue's jobs exactly as a plain sorted list would (priority, then
// sweep, then submission order; jobs tried since nothing changed are passed over), through random
// arrivals, retries, removals and takes. (Its cost with 100,000 jobs waiting shows in the gateway
// benchmark's phase 4.)
import t from 'tap';
import { PendingBacklog, type BacklogItem } from '../../../gateway/scheduler/pending-backlog.js';
import { seededRandom } from '../../support/seeded-random.js';

/** The obvious implementation: one sorted array per queue. */
class ReferenceBacklog {
  private readonly lists = new Map<string, BacklogItem[]>();
  private readonly sweep = new Map<string, number>();

  add(item: BacklogItem): void {
    this.remove(item.id);
    const list = this.lists.get(item.queue) ?? [];
    list.push(item);
    list.sort((a, b) => b.priority - a.priority || a.round - b.round || a.order - b.order);
    this.lists.set(item.queue, list);
  }

  arrive(item: { id: string; queue: string; priority: number; order: number }): void {
    this.add({ ...item, round: this.sweep.get(item.queue) ?? 0, triedAt: -1 });
  }

  retry(item: { id: string; queue: string; priority: number; order: number }, version: number): void {
    this.add({ ...item, round: (this.sweep.get(item.queue) ?? 0) + 1, triedAt: version });
  }

  remove(id: string): boolean {
    for (const [q, list] of this.lists) {
      const i = list.findIndex((x) => x.id === id);
      if (i >= 0) {
        list.splice(i, 1);
        if (list.length === 0) this.lists.delete(q);
        return true;
      }
    }
    return false;
  }

  take(queue: string, n: number, version: number): BacklogItem[] {
    const list = this.lists.get(queue);
    if (!list || n <= 0) return [];
    if (list[0] && list[0].round > (this.sweep.get(queue) ?? 0)) this.sweep.set(queue, list[0].round);
    const out: BacklogItem[] = [];
    let skipped = 0;
    for (let i = 0; i < list.length && out.length < n && skipped < n * 4; i++) {
      if ((list[i] as BacklogItem).triedAt < version) out.push(list[i] as BacklogItem);
      else skipped++;
    }
    for (const it of out) this.remove(it.id);
    return out;
  }

  countIn(queue: string): number {
    return this.lists.get(queue)?.length ?? 0;
  }

  queues(): string[] {
    return [...this.lists.keys()].sort();
  }
}

for (const seed of [1, 2, 3, 4, 5]) {
  t.test(`the backlog serves jobs as a sorted list would (seed ${seed})`, async (t) => {
    const rnd = seededRandom(seed);
    const a = new PendingBacklog();
    const b = new ReferenceBacklog();
    const queues = ['q1', 'q2'];
    const known: Array<{ id: string; queue: string; priority: number; order: number }> = [];
    let order = 0;
    let version = 0;
    for (let step = 0; step < 3000; step++) {
      const r = rnd();
      if (r < 0.45) {
        const item = { id: `j${order}`, queue: queues[Math.floor(rnd() * 2)] as string, priority: rnd() < 0.2 ? 10 : 0, order: order++ };
        known.push(item);
        a.arrive(item);
        b.arrive(item);
      } else if (r < 0.55 && known.length > 0) {
        const item = known[Math.floor(rnd() * known.length)]!;
        t.equal(a.remove(item.id), b.remove(item.id));
      } else if (r < 0.62) {
        version++;
      } else {
        const queue = queues[Math.floor(rnd() * 2)] as string;
        const n = 1 + Math.floor(rnd() * 20);
        const got = a.take(queue, n, version);
        const want = b.take(queue, n, version);
        t.same(got.map((x) => x.id), want.map((x) => x.id), `step ${step}: take ${n} from ${queue}`);
        // most taken jobs are not placed: they wait for the next sweep
        for (const it of got) {
          if (rnd() < 0.8) {
            a.retry(it, version);
            b.retry(it, version);
          }
        }
      }
      if (step % 100 === 0) {
        for (const q of queues) t.equal(a.countIn(q), b.countIn(q), `step ${step}: count in ${q}`);
        t.same([...a.queues()].sort(), b.queues());
      }
    }
  });
}
