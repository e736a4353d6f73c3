/**
 * What job admission needs to know about queues (does it exist, is it open, is it a leaf), kept in
 * memory from the change feed so a job create costs no queue reads.
 *
 * The directory loads the queue list once (on the first lookup) and then follows the feed. A
 * lookup it can answer with "open leaf queue" is answered from memory; anything else (a queue it
 * does not know, a closed one, a parent, or a directory not yet loaded or whose feed failed) is
 * checked against the store, so a queue created a moment ago is never refused and a refusal is
 * always the store's word. The only window: a queue closed or deleted in the last moments may
 * still take a job, which the scheduler then keeps pending like any job of a closed queue.
 */
import type { QueueLookup as QueueFacts } from '../../shared/admission/job-validation.js';
import type { Queue } from '../../shared/api/queue.js';
import type { GatewayStore, Subscription } from '../store/gateway-store.js';

export type QueueLookup = (name: string) => QueueFacts | undefined;

export class QueueDirectory {
  private readonly queues = new Map<string, Queue>();
  /** queue name → number of queues naming it as parent */
  private readonly children = new Map<string, number>();
  private loading: Promise<void> | undefined;
  private subscription: Subscription | undefined;
  private live = false;
  private closed = false;
  /** lookups answered from memory and from the store (for tests and metrics) */
  readonly answered = { memory: 0, store: 0 };

  constructor(private readonly store: GatewayStore, private readonly opts: { retryMs?: number } = {}) {}

  /** A lookup for one admission: from memory when it can say "open leaf", else from the store. */
  async lookupFor(queue: string): Promise<QueueLookup> {
    if (!this.live) this.start();
    const q = this.live ? this.queues.get(queue) : undefined;
    if (q !== undefined && (q.status?.state ?? 'Open') === 'Open' && !this.children.has(queue)) {
      this.answered.memory++;
      return (name) => (name === queue ? { state: 'Open', hasChildren: false } : this.factsOf(name));
    }
    this.answered.store++;
    return storeLookup(this.store);
  }

  /** A queue this gateway just wrote (it would arrive through the feed a moment later). */
  observe(q: Queue): void {
    if (!this.live) return;
    const current = this.queues.get(q.metadata.name ?? '');
    if (current !== undefined && Number(current.metadata.resourceVersion ?? 0) > Number(q.metadata.resourceVersion ?? 0)) return;
    this.put(q);
  }

  /** A queue this gateway just deleted. */
  forget(name: string): void {
    this.drop(name);
  }

  /** Stops following the feed. */
  close(): void {
    this.closed = true;
    this.live = false;
    this.subscription?.close();
    this.subscription = undefined;
  }

  private factsOf(name: string): QueueFacts | undefined {
    const q = this.queues.get(name);
    return q === undefined ? undefined : { state: q.status?.state ?? 'Open', hasChildren: this.children.has(name) };
  }

  private start(): void {
    if (this.loading !== undefined || this.closed) return;
    this.loading = this.load()
      .catch(() => {
        // a failed load or feed: lookups go to the store; try again a little later
        this.live = false;
        this.subscription?.close();
        this.subscription = undefined;
        const retry = setTimeout(() => { this.loading = undefined; }, this.opts.retryMs ?? 1000);
        retry.unref();
      });
  }

  private async load(): Promise<void> {
    const page = await this.store.listQueues();
    this.queues.clear();
    this.children.clear();
    for (const q of page.items) this.put(q);
    const subscription = await this.store.subscribe({
      afterRv: Number(page.resourceVersion),
      onChange: (c) => {
        if (c.kind !== 'queue') return;
        const name = c.key;
        const current = this.queues.get(name);
        // the list may already hold a newer version than a change delivered after it
        if (current !== undefined && Number(current.metadata.resourceVersion ?? 0) > c.rv) return;
        if (c.type === 'DELETED') this.drop(name);
        else this.put(c.object);
      },
      onError: () => {
        this.live = false;
        this.subscription = undefined;
        const retry = setTimeout(() => { this.loading = undefined; }, this.opts.retryMs ?? 1000);
        retry.unref();
      },
    });
    if (this.closed) {
      subscription.close();
      return;
    }
    this.subscription = subscription;
    this.live = true;
  }

  private put(q: Queue): void {
    const name = q.metadata.name ?? '';
    this.drop(name);
    this.queues.set(name, q);
    const parent = q.spec.parent;
    if (parent !== undefined && parent !== '') this.children.set(parent, (this.children.get(parent) ?? 0) + 1);
  }

  private drop(name: string): void {
    const old = this.queues.get(name);
    if (old === undefined) return;
    this.queues.delete(name);
    const parent = old.spec.parent;
    if (parent === undefined || parent === '') return;
    const n = (this.children.get(parent) ?? 0) - 1;
    if (n <= 0) this.children.delete(parent);
    else this.children.set(parent, n);
  }
}

/** The store's word on every queue, read once for one admission. */
async function storeLookup(store: GatewayStore): Promise<QueueLookup> {
  const queues: Queue[] = (await store.listQueues()).items;
  const byName = new Map(queues.map((q) => [q.metadata.name ?? '', q]));
  return (name: string) => {
    const q = byName.get(name);
    if (q === undefined) return undefined;
    return { state: q.status?.state ?? 'Open', hasChildren: queues.some((c) => c.spec.parent === name) };
  };
}
