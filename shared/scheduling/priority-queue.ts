// A binary heap ordered by a comparator (< 0: a comes out first). Used for queue and job order,
// where the comparator reads live session state, so order is decided when an item is pushed.

export class PriorityQueue<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number, initial?: Iterable<T>) {
    if (initial !== undefined) {
      for (const x of initial) this.items.push(x);
      for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
    }
  }

  get size(): number {
    return this.items.length;
  }

  isEmpty(): boolean {
    return this.items.length === 0;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(a[i] as T, a[p] as T) >= 0) break;
      const t = a[i] as T;
      a[i] = a[p] as T;
      a[p] = t;
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  private down(start: number): void {
    const a = this.items;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.compare(a[l] as T, a[m] as T) < 0) m = l;
      if (r < a.length && this.compare(a[r] as T, a[m] as T) < 0) m = r;
      if (m === i) return;
      const t = a[i] as T;
      a[i] = a[m] as T;
      a[m] = t;
      i = m;
    }
  }
}
