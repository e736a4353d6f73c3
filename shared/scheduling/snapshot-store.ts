// An incrementally maintained snapshot: callers apply node, domain, queue and job changes as they
// arrive and take an immutable ClusterSnapshot for each cycle without rebuilding the world.
//
// `snapshot()` returns frozen arrays that later changes never touch (copy on write): a category
// unchanged since the previous call returns the very same array; a category whose members were
// only replaced costs one array copy; adding or removing nodes re-sorts them once.

import {
  type ClusterSnapshot,
  type DomainSnapshot,
  type JobSnapshot,
  type NodeSnapshot,
  type QueueSnapshot,
  compareNodes,
  withImplicitDomains,
} from './snapshot.js';

/** A task located by its job. */
export interface TaskRef {
  readonly job: string;
  readonly task: string;
}

class Category<T> {
  readonly byKey = new Map<string, T>();
  private list: T[] | undefined;
  private position = new Map<string, number>();
  private shared = false;
  /** Bumped whenever members are added, removed or moved (not when one is replaced in place). */
  generation = 0;
  /** the list last handed out, and the positions replaced in place since (none moved or came or went) */
  private handedOut: T[] | undefined;
  private replaced: number[] = [];
  /** what `view()` last returned differs from the list before it only at these positions, if known */
  lastChanges: { readonly since: readonly T[]; readonly positions: Int32Array } | undefined;

  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly order?: (a: T, b: T) => number,
    /** keep `lastChanges` (only the node list's are read) */
    private readonly describeChanges = false,
  ) {}

  upsert(item: T): T | undefined {
    const key = this.keyOf(item);
    const previous = this.byKey.get(key);
    this.byKey.set(key, item);
    if (this.list === undefined) return previous;
    const at = this.position.get(key);
    if (previous !== undefined && at !== undefined && (this.order === undefined || this.order(previous, item) === 0)) {
      if (this.shared) {
        this.list = this.list.slice();
        this.shared = false;
      }
      this.list[at] = item;
      if (this.describeChanges) this.replaced.push(at);
    } else {
      this.list = undefined;
      this.generation++;
    }
    return previous;
  }

  remove(key: string): T | undefined {
    const previous = this.byKey.get(key);
    if (previous === undefined) return undefined;
    this.byKey.delete(key);
    this.list = undefined;
    this.generation++;
    return previous;
  }

  view(): readonly T[] {
    if (this.list === undefined) {
      const list = [...this.byKey.values()];
      if (this.order !== undefined) list.sort(this.order);
      this.position = new Map(list.map((item, i) => [this.keyOf(item), i]));
      this.list = list;
      this.lastChanges = undefined;
    } else if (this.describeChanges && this.list !== this.handedOut) {
      // a copy of the list handed out before with a few members replaced in place (a list rebuilt
      // since would have been undefined until now)
      this.lastChanges = this.handedOut === undefined
        ? undefined
        : { since: this.handedOut, positions: Int32Array.from(new Set(this.replaced)).sort() };
    }
    if (this.replaced.length > 0) this.replaced = [];
    this.handedOut = this.list;
    this.shared = true;
    return this.list;
  }
}

export class SnapshotStore {
  private readonly nodes = new Category<NodeSnapshot>((n) => n.name, compareNodes, true);
  private readonly domains = new Category<DomainSnapshot>((d) => d.name);
  private readonly queues = new Category<QueueSnapshot>((q) => q.name);
  private readonly jobs = new Category<JobSnapshot>((j) => j.id);
  private readonly jobsByQueue = new Map<string, Set<string>>();
  private readonly nodesByDomain = new Map<string, Set<string>>();
  private readonly tasksByNode = new Map<string, Map<string, TaskRef>>();
  private cached: ClusterSnapshot | undefined;
  /** the domain list of the last snapshot, with what it was made from */
  private domainList: { domains: readonly DomainSnapshot[]; nodeGeneration: number; list: readonly DomainSnapshot[] } | undefined;
  private changes = 0;

  /** Number of changes applied so far; a caller can tell whether anything moved since a cycle. */
  get version(): number {
    return this.changes;
  }

  upsertNode(node: NodeSnapshot): void {
    const previous = this.nodes.upsert(node);
    if (previous?.domain !== undefined) this.nodesByDomain.get(previous.domain)?.delete(previous.name);
    if (node.domain !== undefined) indexAdd(this.nodesByDomain, node.domain, node.name);
    this.touch();
  }

  removeNode(name: string): boolean {
    const previous = this.nodes.remove(name);
    if (previous === undefined) return false;
    if (previous.domain !== undefined) this.nodesByDomain.get(previous.domain)?.delete(name);
    this.touch();
    return true;
  }

  upsertDomain(domain: DomainSnapshot): void {
    this.domains.upsert(domain);
    this.touch();
  }

  removeDomain(name: string): boolean {
    const removed = this.domains.remove(name) !== undefined;
    if (removed) this.touch();
    return removed;
  }

  upsertQueue(queue: QueueSnapshot): void {
    this.queues.upsert(queue);
    this.touch();
  }

  removeQueue(name: string): boolean {
    const removed = this.queues.remove(name) !== undefined;
    if (removed) this.touch();
    return removed;
  }

  upsertJob(job: JobSnapshot): void {
    const previous = this.jobs.upsert(job);
    if (previous !== undefined) this.unindexJob(previous);
    indexAdd(this.jobsByQueue, job.queue, job.id);
    for (const t of job.tasks) {
      if (t.node === undefined) continue;
      let onNode = this.tasksByNode.get(t.node);
      if (onNode === undefined) this.tasksByNode.set(t.node, (onNode = new Map()));
      onNode.set(`${job.id}\u0000${t.id}`, { job: job.id, task: t.id });
    }
    this.touch();
  }

  removeJob(id: string): boolean {
    const previous = this.jobs.remove(id);
    if (previous === undefined) return false;
    this.unindexJob(previous);
    this.touch();
    return true;
  }

  node(name: string): NodeSnapshot | undefined {
    return this.nodes.byKey.get(name);
  }

  domain(name: string): DomainSnapshot | undefined {
    return this.domains.byKey.get(name);
  }

  queue(name: string): QueueSnapshot | undefined {
    return this.queues.byKey.get(name);
  }

  job(id: string): JobSnapshot | undefined {
    return this.jobs.byKey.get(id);
  }

  /** Ids of the jobs in `queue`. */
  jobsInQueue(queue: string): string[] {
    return [...(this.jobsByQueue.get(queue) ?? [])];
  }

  /** Names of the nodes in `domain`. */
  nodesInDomain(domain: string): string[] {
    return [...(this.nodesByDomain.get(domain) ?? [])];
  }

  /** Tasks that name `node`, in any status. */
  tasksOnNode(node: string): TaskRef[] {
    return [...(this.tasksByNode.get(node)?.values() ?? [])];
  }

  /** The current state as an immutable snapshot; cheap when little changed since the last call. */
  snapshot(): ClusterSnapshot {
    if (this.cached !== undefined) return this.cached;
    const nodes = this.nodes.view();
    const domains = this.domains.view();
    // nodes replaced in place keep their domain (the order compares it), so the implicit domains
    // change only when nodes come, go or move
    const d = this.domainList;
    if (d === undefined || d.domains !== domains || d.nodeGeneration !== this.nodes.generation) {
      this.domainList = { domains, nodeGeneration: this.nodes.generation, list: withImplicitDomains(domains, nodes) };
    }
    const nodeChanges = this.nodes.lastChanges;
    this.cached = Object.freeze({
      nodes,
      domains: this.domainList!.list,
      queues: this.queues.view(),
      jobs: this.jobs.view(),
      ...(nodeChanges !== undefined ? { nodeChanges } : {}),
    });
    return this.cached;
  }

  private touch(): void {
    this.changes++;
    this.cached = undefined;
  }

  private unindexJob(job: JobSnapshot): void {
    this.jobsByQueue.get(job.queue)?.delete(job.id);
    for (const t of job.tasks) {
      if (t.node !== undefined) this.tasksByNode.get(t.node)?.delete(`${job.id}\u0000${t.id}`);
    }
  }
}

function indexAdd(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (set === undefined) index.set(key, (set = new Set()));
  set.add(value);
}
