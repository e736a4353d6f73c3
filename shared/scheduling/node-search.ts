// Finding the best node for a task, fast.
//
// Node predicates and scores depend only on the task's shape and the node's state, so for each
// (shape, scope) the search keeps a max-heap of scored candidate nodes, each entry stamped with
// the node's version. Choosing a node pops stale or unfit entries until the top fits; every node
// change is appended to the session's change log, and a heap catches up by re-scoring just the
// nodes that changed since it was last used. Static predicate results are cached per shape and
// node for the whole cycle. Ties in score go to the node that sorts first.

import type { DomainInfo, NodeInfo } from './node-info.js';
import type { Session } from './session.js';
import type { TaskShape } from './task-shape.js';

/** A set of nodes a job may use: all of them, or one domain's contiguous range. */
export interface Scope {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  readonly domain: DomainInfo | undefined;
}

export interface NodeChoice {
  readonly node: NodeInfo;
  /** The request fits the node's idle resources (else only its future idle: pipeline). */
  readonly idleFit: boolean;
}

/** Why nodes of a scope cannot take a task: Kubernetes-style reason histogram. */
export interface FitSummary {
  readonly total: number;
  readonly available: number;
  /** [reason, node count], most frequent first. */
  readonly reasons: readonly (readonly [string, number])[];
  /** e.g. `0/12 nodes are available: 12 Insufficient nvidia.com/gpu` (Volcano's form) */
  readonly message: string;
  /** How many of the needed copies fit now (at most `needed`), and how many were needed. */
  readonly fitting: number;
  readonly needed: number;
}

const MAX_HEAP_ENTRIES = 4_000_000;
const PASS = 1;
const FAIL = 2;

class ScoredHeap {
  score: Float64Array;
  node: Int32Array;
  ver: Float64Array;
  size = 0;
  /** Position in the session's change log up to which this heap is current. */
  cursor = 0;

  constructor(capacity: number) {
    const c = Math.max(16, capacity);
    this.score = new Float64Array(c);
    this.node = new Int32Array(c);
    this.ver = new Float64Array(c);
  }

  get capacity(): number {
    return this.score.length;
  }

  clear(): void {
    this.size = 0;
  }

  /** Appends without ordering (call heapify after a batch). */
  append(s: number, n: number, v: number): void {
    if (this.size === this.score.length) this.grow();
    this.score[this.size] = s;
    this.node[this.size] = n;
    this.ver[this.size] = v;
    this.size++;
  }

  push(s: number, n: number, v: number): void {
    this.append(s, n, v);
    this.up(this.size - 1);
  }

  pop(): void {
    const last = --this.size;
    if (last > 0) {
      this.score[0] = this.score[last] as number;
      this.node[0] = this.node[last] as number;
      this.ver[0] = this.ver[last] as number;
      this.down(0);
    }
  }

  heapify(): void {
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private better(i: number, j: number): boolean {
    const si = this.score[i] as number;
    const sj = this.score[j] as number;
    return si > sj || (si === sj && (this.node[i] as number) < (this.node[j] as number));
  }

  private swap(i: number, j: number): void {
    const s = this.score[i] as number;
    const n = this.node[i] as number;
    const v = this.ver[i] as number;
    this.score[i] = this.score[j] as number;
    this.node[i] = this.node[j] as number;
    this.ver[i] = this.ver[j] as number;
    this.score[j] = s;
    this.node[j] = n;
    this.ver[j] = v;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.better(l, m)) m = l;
      if (r < n && this.better(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private grow(): void {
    const c = this.score.length * 2;
    const s = new Float64Array(c);
    const n = new Int32Array(c);
    const v = new Float64Array(c);
    s.set(this.score);
    n.set(this.node);
    v.set(this.ver);
    this.score = s;
    this.node = n;
    this.ver = v;
  }
}

export class NodeSearch {
  private readonly staticState: (Uint8Array | undefined)[] = [];
  private readonly staticReasons: (Map<number, string> | undefined)[] = [];
  private readonly heaps = new Map<number, ScoredHeap>();
  private heapEntries = 0;
  private lastKey = -1;
  private readonly seen: Float64Array;
  private seenStamp = 0;
  private aside = new ScoredHeap(16);

  constructor(private readonly ssn: Session) {
    this.seen = new Float64Array(ssn.nodes.length);
  }

  /** The static predicates pass for the shape on node i (cached for the cycle). */
  staticPass(shape: TaskShape, i: number): boolean {
    let state = this.staticState[shape.id];
    if (state === undefined) state = this.staticState[shape.id] = new Uint8Array(this.ssn.nodes.length);
    let s = state[i] as number;
    if (s === 0) {
      const reason = this.ssn.staticPredicate(shape, this.ssn.nodes[i]!);
      s = reason === undefined ? PASS : FAIL;
      state[i] = s;
      if (reason !== undefined) {
        let reasons = this.staticReasons[shape.id];
        if (reasons === undefined) reasons = this.staticReasons[shape.id] = new Map();
        reasons.set(i, reason);
      }
    }
    return s === PASS;
  }

  /** Why the static predicates fail for the shape on node i, if they do. */
  staticReason(shape: TaskShape, i: number): string | undefined {
    return this.staticPass(shape, i) ? undefined : this.staticReasons[shape.id]?.get(i);
  }

  /** 2: the request fits idle (and future idle); 1: it fits only future idle; 0: it does not fit. */
  fitLevel(shape: TaskShape, i: number): 0 | 1 | 2 {
    const t = this.ssn.nodeTable;
    const base = i * t.dims;
    const dims = shape.dims;
    const amounts = shape.amounts;
    let level: 0 | 1 | 2 = 2;
    for (let k = 0; k < dims.length; k++) {
      const b = base + (dims[k] as number);
      const req = amounts[k] as number;
      const idle = (t.allocatable[b] as number) - (t.used[b] as number);
      if (req > idle + (t.releasing[b] as number) - (t.pipelined[b] as number)) return 0;
      if (req > idle) level = 1;
    }
    return level;
  }

  /** The best node of the scope for the shape, or undefined when none fits. */
  best(shape: TaskShape, scope: Scope): NodeChoice | undefined {
    const heap = this.heapFor(shape, scope);
    const t = this.ssn.nodeTable;
    const checkFit = this.ssn.hasNodeFit;
    const aside = this.aside;
    aside.clear();
    let found = -1;
    let idleFit = false;
    while (heap.size > 0) {
      const n = heap.node[0] as number;
      if ((heap.ver[0] as number) !== (t.version[n] as number)) {
        heap.pop();
        continue;
      }
      let level = this.fitLevel(shape, n);
      if (level !== 0 && checkFit && this.ssn.nodeFit(shape, this.ssn.nodes[n]!) !== undefined) level = 0;
      if (level === 2) {
        found = n;
        idleFit = true;
        break;
      }
      if (level === 1) aside.append(heap.score[0] as number, n, heap.ver[0] as number);
      heap.pop();
    }
    if (aside.size > 0) {
      if (found === -1) found = aside.node[0] as number;
      for (let i = 0; i < aside.size; i++) heap.push(aside.score[i] as number, aside.node[i] as number, aside.ver[i] as number);
    }
    return found === -1 ? undefined : { node: this.ssn.nodes[found]!, idleFit };
  }

  /** The node if the shape fits its idle resources there now (every predicate included), else undefined. */
  fitsNow(shape: TaskShape, scope: Scope, node: NodeInfo): NodeChoice | undefined {
    const i = node.index;
    if (i < scope.start || i >= scope.end || !this.staticPass(shape, i) || this.fitLevel(shape, i) !== 2) return undefined;
    if (this.ssn.hasNodeFit && this.ssn.nodeFit(shape, node) !== undefined) return undefined;
    return { node, idleFit: true };
  }

  /** Nodes of the scope that pass the static predicates, best score first. */
  candidates(shape: TaskShape, scope: Scope): NodeInfo[] {
    const scored: { node: NodeInfo; score: number }[] = [];
    for (let i = scope.start; i < scope.end; i++) {
      if (!this.staticPass(shape, i)) continue;
      const node = this.ssn.nodes[i]!;
      scored.push({ node, score: this.ssn.nodeScore(shape, node) });
    }
    scored.sort((a, b) => b.score - a.score || a.node.index - b.node.index);
    return scored.map((s) => s.node);
  }

  /**
   * Why the shape does not fit in the scope now. With `needed` > 1 the question is whether that
   * many copies fit: if they do not, every node is counted as if the copies that do fit had
   * already been placed, which is what the last unplaceable task of a gang would see.
   */
  summary(shape: TaskShape, scope: Scope, needed = 1): FitSummary {
    const ssn = this.ssn;
    const t = ssn.nodeTable;
    const reasons = new Map<string, number>();
    const add = (r: string): void => {
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    };
    const copies: number[] = [];
    const fitNodes: number[] = [];
    let capacity = 0;
    for (let i = scope.start; i < scope.end; i++) {
      const staticReason = this.staticReason(shape, i);
      if (staticReason !== undefined) {
        add(staticReason);
        continue;
      }
      const fitReason = ssn.hasNodeFit ? ssn.nodeFit(shape, ssn.nodes[i]!) : undefined;
      if (fitReason !== undefined) {
        add(fitReason);
        continue;
      }
      let c = (t.maxPods[i] as number) - (t.podCount[i] as number);
      for (let k = 0; k < shape.dims.length; k++) {
        const d = shape.dims[k] as number;
        c = Math.min(c, Math.floor(ssn.nodes[i]!.futureIdleOf(d) / (shape.amounts[k] as number)));
      }
      c = Math.max(0, c);
      fitNodes.push(i);
      copies.push(c);
      capacity += c;
    }
    let available = 0;
    const filled = capacity < needed;
    for (let j = 0; j < fitNodes.length; j++) {
      const i = fitNodes[j]!;
      const placed = filled ? copies[j]! : 0;
      const node = ssn.nodes[i]!;
      let ok = true;
      for (let k = 0; k < shape.dims.length; k++) {
        const d = shape.dims[k] as number;
        const amount = shape.amounts[k] as number;
        if (amount > node.futureIdleOf(d) - placed * amount) {
          add(`Insufficient ${ssn.space.names[d]}`);
          ok = false;
        }
      }
      if ((t.podCount[i] as number) + placed >= (t.maxPods[i] as number)) {
        add('Too many pods');
        ok = false;
      }
      if (ok) available++;
    }
    const total = scope.end - scope.start;
    const sorted = [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const text = sorted.map(([r, n]) => `${n} ${r}`).join(', ');
    return {
      total,
      available,
      reasons: sorted,
      message: `${available}/${total} nodes are available${text === '' ? '' : `: ${text}`}`,
      fitting: Math.min(capacity, needed),
      needed,
    };
  }

  private heapFor(shape: TaskShape, scope: Scope): ScoredHeap {
    const key = shape.id * (this.ssn.domainScopes.length + 1) + scope.id;
    let heap = this.heaps.get(key);
    const size = scope.end - scope.start;
    if (heap === undefined) {
      heap = new ScoredHeap(Math.min(size, 1024));
      this.heapEntries += heap.capacity;
      this.rebuild(heap, shape, scope);
      this.heaps.set(key, heap);
      this.evictHeaps(key);
    } else {
      if (key !== this.lastKey) {
        this.heaps.delete(key);
        this.heaps.set(key, heap);
      }
      const pending = this.ssn.changeCount - heap.cursor;
      if (pending > size || heap.size > 2 * size + 64) this.rebuild(heap, shape, scope);
      else if (pending > 0) this.catchUp(heap, shape, scope);
    }
    this.lastKey = key;
    return heap;
  }

  private rebuild(heap: ScoredHeap, shape: TaskShape, scope: Scope): void {
    this.ssn.counters.heapBuilds++;
    const before = heap.capacity;
    heap.clear();
    const t = this.ssn.nodeTable;
    for (let i = scope.start; i < scope.end; i++) {
      if (!this.staticPass(shape, i)) continue;
      if (this.fitLevel(shape, i) === 0) continue;
      heap.append(this.ssn.nodeScore(shape, this.ssn.nodes[i]!), i, t.version[i] as number);
    }
    heap.heapify();
    heap.cursor = this.ssn.changeCount;
    this.heapEntries += heap.capacity - before;
  }

  private catchUp(heap: ScoredHeap, shape: TaskShape, scope: Scope): void {
    const log = this.ssn.changeLog;
    const end = this.ssn.changeCount;
    const t = this.ssn.nodeTable;
    const stamp = ++this.seenStamp;
    const before = heap.capacity;
    for (let c = heap.cursor; c < end; c++) {
      const i = log[c] as number;
      if (i < scope.start || i >= scope.end || this.seen[i] === stamp) continue;
      this.seen[i] = stamp;
      if (!this.staticPass(shape, i) || this.fitLevel(shape, i) === 0) continue;
      heap.push(this.ssn.nodeScore(shape, this.ssn.nodes[i]!), i, t.version[i] as number);
    }
    heap.cursor = end;
    this.heapEntries += heap.capacity - before;
  }

  private evictHeaps(keep: number): void {
    if (this.heapEntries <= MAX_HEAP_ENTRIES) return;
    for (const [key, heap] of this.heaps) {
      if (this.heapEntries <= MAX_HEAP_ENTRIES) break;
      if (key === keep) continue;
      this.heaps.delete(key);
      this.heapEntries -= heap.capacity;
    }
  }
}
