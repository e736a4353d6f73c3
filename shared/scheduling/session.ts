// A scheduling session: one cycle's immutable snapshot plus the mutable overlay every action
// works on (task statuses, node bookkeeping, plugin callbacks, decisions).
//
// Opening a session
//   1. builds the dense resource space and the node, domain, queue, job and task views,
//   2. creates each configured plugin (tier order) and calls its onSessionOpen, where it registers
//      callbacks with `add(plugin, point, fn)`,
//   3. freezes the callbacks into per-tier lists, dropping those whose option flag is off.
// Actions then run in order; `close()` lets plugins report, and run-cycle collects the outputs.

import type { Clock } from '../clock.js';
import type { Arguments } from './arguments.js';
import type { PodGroupCondition, PodGroupConditionType } from '../api/podgroup.js';
import type { ResourceVector } from '../resources/resource-vector.js';
import type { SchedulerConfig } from './config.js';
import type { Decision } from './decision.js';
import {
  ABSTAIN,
  type ExtensionPointName,
  type ExtensionPoints,
  FLAG_OF,
  type JobInvalid,
  PERMIT,
  REJECT,
  type Vote,
} from './extension-points.js';
import { JobInfo, StatusCounts } from './job-info.js';
import { DomainInfo, NodeContext, NodeInfo, NodeTable } from './node-info.js';
import { NodeSearch, type Scope } from './node-search.js';
import type { PluginOption, SchedulerPlugin } from './plugin.js';
import { QueueInfo } from './queue-info.js';
import type { Registry } from './registry-types.js';
import { type NodeLineage, nodeLineageOf, nodeRowsOf, returnNodePool, takeNodePool } from './node-base.js';
import { ResourceSpace, denseAdd } from './resource-space.js';
import type { ClusterSnapshot, JobSnapshot } from './snapshot.js';
import { Statement } from './statement.js';
import { TaskInfo } from './task-info.js';
import { ShapeRegistry, shapeKey, type TaskShape } from './task-shape.js';
import { STATUS_CODE, type TaskStatus, holdsAllocation, isAllocatedStatus, occupiesNode } from './task-status.js';

export interface SessionOptions {
  snapshot: ClusterSnapshot;
  config: SchedulerConfig;
  clock: Clock;
  registry: Registry;
}

/** What proportion or capacity reports about a queue. */
export interface QueueReport {
  deserved?: Float64Array;
  share?: number;
}

/** A condition as a plugin sets it; the session adds transitionID and lastTransitionTime. */
export interface ConditionInput {
  readonly type: PodGroupConditionType;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason?: string;
  readonly message?: string;
}

/** Deterministic counters of one cycle. */
export interface SessionCounters {
  statementsCommitted: number;
  statementsDiscarded: number;
  allocationAttempts: number;
  nodeScores: number;
  predicateChecks: number;
  heapBuilds: number;
}

type TierLists = { [K in ExtensionPointName]: ExtensionPoints[K][][] };
type FlatLists = { [K in ExtensionPointName]: ExtensionPoints[K][] };

interface OpenPlugin {
  readonly option: PluginOption;
  readonly plugin: SchedulerPlugin;
  readonly tier: number;
}

export class Session {
  /** Identifies this cycle in PodGroup conditions (transitionID). */
  readonly uid: string;
  /** The clock's time when the session opened (ms since the epoch). */
  readonly now: number;
  /** `now` as an RFC 3339 timestamp. */
  readonly nowText: string;
  readonly snapshot: ClusterSnapshot;
  readonly config: SchedulerConfig;
  readonly clock: Clock;
  readonly space: ResourceSpace;
  readonly nodeTable: NodeTable;
  readonly nodes: readonly NodeInfo[];
  readonly domains: readonly DomainInfo[];
  readonly queues: readonly QueueInfo[];
  readonly jobs: readonly JobInfo[];
  readonly shapes: ShapeRegistry;
  /** Σ allocatable, used, releasing and pipelined over all nodes (live). */
  readonly totalAllocatable: Float64Array;
  readonly totalUsed: Float64Array;
  readonly totalReleasing: Float64Array;
  readonly totalPipelined: Float64Array;
  /** All nodes; then one scope per domain (scope id = domain index + 1). */
  readonly globalScope: Scope;
  readonly domainScopes: readonly Scope[];
  readonly search: NodeSearch;
  readonly decisions: Decision[] = [];
  readonly counters: SessionCounters = {
    statementsCommitted: 0, statementsDiscarded: 0, allocationAttempts: 0, nodeScores: 0, predicateChecks: 0, heapBuilds: 0,
  };
  /** Node indices whose state changed, in order (read by the node search to refresh its caches). */
  changeLog = new Int32Array(1024);
  changeCount = 0;

  private versionCounter = 0;
  private readonly lineage: NodeLineage;
  private released = false;
  private readonly registry: Registry;
  private readonly registrations = new Map<string, Partial<ExtensionPoints>>();
  private readonly openPlugins: OpenPlugin[] = [];
  private tiers: TierLists | undefined;
  private flat: FlatLists | undefined;
  private readonly jobById = new Map<string, JobInfo>();
  private readonly queueByName = new Map<string, QueueInfo>();
  /** Node name → index in `nodes` (the last node of a name wins). */
  private readonly nodeIndex: ReadonlyMap<string, number>;
  private readonly domainByName = new Map<string, DomainInfo>();
  private readonly notes = new Map<JobInfo, string[]>();
  private readonly conditions = new Map<JobInfo, PodGroupCondition[]>();
  private readonly queueReports = new Map<QueueInfo, QueueReport>();
  private readonly sortedTaskCache = new Map<JobInfo, TaskInfo[]>();
  private readonly enqueuedJobs = new Set<JobInfo>();
  /** nodes whose task list this session filled (emptied again on release, the rest are empty) */
  private readonly nodesWithTasks: NodeInfo[] = [];

  constructor(opts: SessionOptions) {
    this.snapshot = opts.snapshot;
    this.config = opts.config;
    this.clock = opts.clock;
    this.registry = opts.registry;
    this.now = opts.clock.now();
    this.uid = `cycle-${this.now}`;
    this.nowText = new Date(this.now).toISOString();
    const snap = opts.snapshot;

    // Nodes, sorted by domain then name so each domain is a contiguous range; their rows and totals
    // come from a base shared with (or derived from) recent cycles' node lists.
    const lineage = nodeLineageOf(snap.nodes, snap.domains, snap.nodeChanges);
    this.space = new ResourceSpace(spaceNames(snap, lineage.extraNames));
    const D = this.space.size;
    const rows = nodeRowsOf(lineage, this.space);
    this.totalAllocatable = rows.totalAllocatable.slice();
    this.totalUsed = rows.totalUsed.slice();
    this.totalReleasing = rows.totalReleasing.slice();
    this.totalPipelined = new Float64Array(D);

    this.domains = lineage.domains.map((d, i) => {
      const info = new DomainInfo(i, d, D);
      info.nodeStart = lineage.ranges[2 * i] as number;
      info.nodeEnd = lineage.ranges[2 * i + 1] as number;
      info.allocatable.set(rows.domainAllocatable.subarray(i * D, (i + 1) * D));
      info.used.set(rows.domainUsed.subarray(i * D, (i + 1) * D));
      info.releasing.set(rows.domainReleasing.subarray(i * D, (i + 1) * D));
      return info;
    });
    for (const d of this.domains) this.domainByName.set(d.name, d);
    const nodeSnaps = lineage.sorted;
    // the node objects (and table buffers) of the previous session over these positions are reused
    const pooled = takeNodePool(lineage);
    const reuseTable = pooled !== undefined && pooled.table.dims === D && pooled.table.count === nodeSnaps.length;
    this.nodeTable = reuseTable ? pooled.table : new NodeTable(nodeSnaps.length, D);
    const t = this.nodeTable;
    if (reuseTable) {
      t.pipelined.fill(0);
      t.version.fill(0);
    }
    t.allocatable.set(rows.allocatable);
    t.used.set(rows.used);
    t.releasing.set(rows.releasing);
    t.podCount.set(rows.podCount);
    t.maxPods.set(rows.maxPods);
    // the reused node objects share one context object, so pointing them at this session's table
    // is three writes, not three per node
    let nodes: NodeInfo[];
    if (pooled !== undefined) {
      nodes = pooled.nodes;
      const ctx = nodes[0]!.context;
      ctx.table = t;
      ctx.space = this.space;
      ctx.domains = this.domains;
      const relocate = pooled.dims !== D || pooled.domainOf !== lineage.domainOf;
      if (!relocate && pooled.sorted === nodeSnaps) {
        // the objects show this very list already
      } else if (!relocate && pooled.stale !== undefined && pooled.stale.list === nodeSnaps) {
        // derived from the list they show: only the replaced nodes are refreshed, not every node
        const positions = pooled.stale.positions;
        for (let k = 0; k < positions.length; k++) {
          const i = positions[k] as number;
          nodes[i]!.refresh(nodeSnaps[i]!);
        }
      } else {
        for (let i = 0; i < nodeSnaps.length; i++) {
          const node = nodes[i]!;
          node.refresh(nodeSnaps[i]!);
          if (relocate) node.relocate(i, lineage.domainOf[i] as number);
        }
      }
    } else {
      const ctx = new NodeContext(t, this.space, this.domains);
      nodes = new Array<NodeInfo>(nodeSnaps.length);
      for (let i = 0; i < nodeSnaps.length; i++) nodes[i] = new NodeInfo(i, nodeSnaps[i]!, lineage.domainOf[i] as number, ctx);
    }
    this.lineage = lineage;
    this.nodeIndex = lineage.indexByName;
    this.nodes = nodes;

    this.queues = snap.queues.map((q, i) => new QueueInfo(i, q));
    for (const q of this.queues) this.queueByName.set(q.name, q);

    this.shapes = new ShapeRegistry(this.space);
    const jobs: JobInfo[] = [];
    for (const js of snap.jobs) {
      const queue = this.queueByName.get(js.queue);
      const job = new JobInfo(js, queue, D);
      jobs.push(job);
      this.jobById.set(job.id, job);
      queue?.jobs.push(job);
      const resolved = resolveTasks(js, this.nodeIndex);
      for (let k = 0; k < js.tasks.length; k++) {
        const ts = js.tasks[k]!;
        const at = resolved.nodes[k] as number;
        const node = at < 0 ? undefined : nodes[at];
        const task = new TaskInfo(ts, job, this.shapes.shapeOf(ts, resolved.keys[k]), k, node);
        job.tasks.push(task);
        this.count(task, 1);
        if (node !== undefined) {
          if (node.tasks.length === 0) this.nodesWithTasks.push(node);
          node.tasks.push(task);
          this.addToNode(task, task.status, node, 1);
        }
      }
    }
    this.jobs = jobs;

    this.changeCount = 0;

    this.globalScope = { id: 0, start: 0, end: nodes.length, domain: undefined };
    this.domainScopes = this.domains.map((d) => ({ id: d.index + 1, start: d.nodeStart, end: d.nodeEnd, domain: d }));
    this.search = new NodeSearch(this);
  }

  // ---------------------------------------------------------------- plugins and extension points

  /** Creates the configured plugins and lets each register its callbacks. */
  open(): void {
    const tiers = this.config.tiers;
    for (let ti = 0; ti < tiers.length; ti++) {
      for (const option of tiers[ti]!.plugins) {
        const def = this.registry.plugins[option.name];
        if (def === undefined) throw new Error(`plugin "${option.name}" is not registered`);
        this.openPlugins.push({ option, plugin: def.create(option), tier: ti });
      }
    }
    for (const p of this.openPlugins) p.plugin.onSessionOpen(this);
    this.freeze();
  }

  /**
   * Ends the session for good: its node objects go to the next session over the same nodes.
   * Nothing of the session may be used afterwards (run-cycle calls this once it has its results).
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const node of this.nodesWithTasks) node.tasks.length = 0;
    returnNodePool(this.lineage, { nodes: this.nodes as NodeInfo[], dims: this.space.size, domainOf: this.lineage.domainOf, table: this.nodeTable, sorted: this.lineage.sorted });
  }

  /** Lets plugins report (conditions, queue shares) at the end of the cycle. */
  close(): void {
    for (const p of this.openPlugins) p.plugin.onSessionClose?.(this);
  }

  /** Registers `fn` for `point` on behalf of `plugin` (call from onSessionOpen). */
  add<K extends ExtensionPointName>(plugin: string, point: K, fn: ExtensionPoints[K]): void {
    if (this.tiers !== undefined) throw new Error(`plugin "${plugin}" registered ${point} after the session opened`);
    let reg = this.registrations.get(plugin);
    if (reg === undefined) this.registrations.set(plugin, (reg = {}));
    reg[point] = fn;
  }

  /** Whether some enabled plugin registered `point`. */
  has(point: ExtensionPointName): boolean {
    return this.flatLists()[point].length > 0;
  }

  /** The configured options of a plugin, if it is in some tier. */
  pluginOption(name: string): PluginOption | undefined {
    return this.openPlugins.find((p) => p.option.name === name)?.option;
  }

  /** Arguments given to an action under `configurations`. */
  actionArguments(action: string): Arguments | undefined {
    return this.config.configurations[action];
  }

  /** Whether jobs are placed one domain at a time (a plugin filters or orders domains). */
  get domainMode(): boolean {
    return this.domains.length > 0 && (this.has('domainFilter') || this.has('domainOrder'));
  }

  private freeze(): void {
    const tiers = {} as Record<ExtensionPointName, unknown[][]>;
    const flat = {} as Record<ExtensionPointName, unknown[]>;
    const byTier: OpenPlugin[][] = this.config.tiers.map(() => []);
    for (const p of this.openPlugins) byTier[p.tier]!.push(p);
    for (const point of Object.keys(FLAG_OF) as ExtensionPointName[]) {
      const flag = FLAG_OF[point];
      tiers[point] = byTier.map((ps) =>
        ps
          .filter((p) => flag === undefined || p.option.flags[flag] !== false)
          .map((p) => this.registrations.get(p.option.name)?.[point])
          .filter((fn) => fn !== undefined),
      );
      flat[point] = tiers[point].flat();
    }
    this.tiers = tiers as unknown as TierLists;
    this.flat = flat as unknown as FlatLists;
  }

  // (two accessors, not one returning both: these run per comparison of jobs and tasks)
  private tierLists(): TierLists {
    if (this.tiers === undefined) throw new Error('the session is not open');
    return this.tiers;
  }

  private flatLists(): FlatLists {
    if (this.flat === undefined) throw new Error('the session is not open');
    return this.flat;
  }

  // ---------------------------------------------------------------- combined extension points

  /** < 0: l is served first. Ties go to the older queue, then by name. */
  queueOrder(l: QueueInfo, r: QueueInfo): number {
    for (const fn of this.flatLists().queueOrder) {
      const c = fn(l, r);
      if (c !== 0) return c;
    }
    if (l.creationTimestamp !== r.creationTimestamp) return l.creationTimestamp - r.creationTimestamp;
    return l.name < r.name ? -1 : l.name > r.name ? 1 : 0;
  }

  jobOrder(l: JobInfo, r: JobInfo): number {
    for (const fn of this.flatLists().jobOrder) {
      const c = fn(l, r);
      if (c !== 0) return c;
    }
    if (l.creationTimestamp !== r.creationTimestamp) return l.creationTimestamp - r.creationTimestamp;
    return l.id < r.id ? -1 : l.id > r.id ? 1 : 0;
  }

  taskOrder(l: TaskInfo, r: TaskInfo): number {
    for (const fn of this.flatLists().taskOrder) {
      const c = fn(l, r);
      if (c !== 0) return c;
    }
    if (l.index !== r.index) return l.index - r.index;
    return l.id < r.id ? -1 : l.id > r.id ? 1 : 0;
  }

  prePredicate(task: TaskInfo): string | undefined {
    for (const fn of this.flatLists().prePredicate) {
      const reason = fn(task);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  /** Static predicates (cached by the node search; call it rather than this for placement). */
  staticPredicate(shape: TaskShape, node: NodeInfo): string | undefined {
    this.counters.predicateChecks++;
    for (const fn of this.flatLists().predicate) {
      const reason = fn(shape, node);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  /** State-dependent node predicates. */
  nodeFit(shape: TaskShape, node: NodeInfo): string | undefined {
    const fns = this.flatLists().nodeFit;
    for (let i = 0; i < fns.length; i++) {
      const reason = fns[i]!(shape, node);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  get hasNodeFit(): boolean {
    return this.flatLists().nodeFit.length > 0;
  }

  nodeScore(shape: TaskShape, node: NodeInfo): number {
    this.counters.nodeScores++;
    const fns = this.flatLists().nodeOrder;
    let score = 0;
    for (let i = 0; i < fns.length; i++) score += fns[i]!(shape, node);
    return score;
  }

  domainFilter(job: JobInfo, domain: DomainInfo): string | undefined {
    for (const fn of this.flatLists().domainFilter) {
      const reason = fn(job, domain);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }

  domainScore(job: JobInfo, domain: DomainInfo): number {
    let score = 0;
    for (const fn of this.flatLists().domainOrder) score += fn(job, domain);
    return score;
  }

  /**
   * Victims for a preemptor: tiers in order; within a tier the intersection of the voting plugins'
   * answers, where an empty answer ends the tier undecided; the first tier with victims decides.
   */
  preemptable(preemptor: TaskInfo, candidates: readonly TaskInfo[]): TaskInfo[] {
    return this.victims(this.tierLists().preemptable, preemptor, candidates, false);
  }

  /**
   * Victims for a reclaimer. Unlike preemptable, every tier that answers must agree (the
   * intersection over all answering tiers): a queue-share plugin in a later tier keeps its veto
   * even when gang or conformance answered in an earlier one.
   */
  reclaimable(reclaimer: TaskInfo, candidates: readonly TaskInfo[]): TaskInfo[] {
    return this.victims(this.tierLists().reclaimable, reclaimer, candidates, true);
  }

  private victims(
    tiers: ((t: TaskInfo, c: readonly TaskInfo[]) => readonly TaskInfo[] | undefined)[][],
    evictor: TaskInfo,
    candidates: readonly TaskInfo[],
    allTiers: boolean,
  ): TaskInfo[] {
    let decided: Set<TaskInfo> | undefined;
    for (const tier of tiers) {
      let inTier: Set<TaskInfo> | undefined;
      let empty = false;
      for (const fn of tier) {
        const answer = fn(evictor, candidates);
        if (answer === undefined) continue;
        if (answer.length === 0) {
          empty = true;
          break;
        }
        inTier = inTier === undefined ? new Set(answer) : new Set(answer.filter((v) => inTier!.has(v)));
        if (inTier.size === 0) {
          empty = true;
          break;
        }
      }
      if (allTiers) {
        if (empty) return [];
        if (inTier !== undefined) decided = decided === undefined ? inTier : new Set([...inTier].filter((v) => decided!.has(v)));
        continue;
      }
      if (!empty && inTier !== undefined) return candidates.filter((c) => inTier!.has(c));
    }
    return decided === undefined ? [] : candidates.filter((c) => decided!.has(c));
  }

  overused(queue: QueueInfo): boolean {
    for (const fn of this.flatLists().overused) if (fn(queue)) return true;
    return false;
  }

  allocatable(queue: QueueInfo, task: TaskInfo): boolean {
    const fns = this.flatLists().allocatable;
    for (let i = 0; i < fns.length; i++) if (!fns[i]!(queue, task)) return false;
    return true;
  }

  preemptive(queue: QueueInfo, task: TaskInfo): boolean {
    for (const fn of this.flatLists().preemptive) if (!fn(queue, task)) return false;
    return true;
  }

  jobValid(job: JobInfo): JobInvalid | undefined {
    for (const fn of this.flatLists().jobValid) {
      const r = fn(job);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  jobReady(job: JobInfo): boolean {
    const fns = this.flatLists().jobReady;
    for (let i = 0; i < fns.length; i++) if (!fns[i]!(job)) return false;
    return true;
  }

  jobPipelined(job: JobInfo): boolean {
    return this.vote(this.tierLists().jobPipelined, job);
  }

  jobEnqueueable(job: JobInfo): boolean {
    return this.vote(this.tierLists().jobEnqueueable, job);
  }

  private vote(tiers: ((job: JobInfo) => Vote)[][], job: JobInfo): boolean {
    for (const tier of tiers) {
      let permit = false;
      for (const fn of tier) {
        const v = fn(job);
        if (v === REJECT) return false;
        if (v === PERMIT) permit = true;
        else if (v !== ABSTAIN) throw new Error(`invalid vote ${String(v)}`);
      }
      if (permit) return true;
    }
    return true;
  }

  /** The first tier with a starving check decides (all of its checks must hold); none: false. */
  jobStarving(job: JobInfo): boolean {
    for (const tier of this.tierLists().jobStarving) {
      if (tier.length === 0) continue;
      for (const fn of tier) if (!fn(job)) return false;
      return true;
    }
    return false;
  }

  /** Marks the job admitted: phase Inqueue, and every jobEnqueued callback runs. */
  jobEnqueued(job: JobInfo): void {
    job.phase = 'Inqueue';
    this.enqueuedJobs.add(job);
    for (const fn of this.flatLists().jobEnqueued) fn(job);
  }

  /** Jobs this cycle moved to Inqueue. */
  wasEnqueued(job: JobInfo): boolean {
    return this.enqueuedJobs.has(job);
  }

  // ---------------------------------------------------------------- lookups and helpers

  job(id: string): JobInfo | undefined {
    return this.jobById.get(id);
  }

  queue(name: string): QueueInfo | undefined {
    return this.queueByName.get(name);
  }

  node(name: string): NodeInfo | undefined {
    const i = this.nodeIndex.get(name);
    return i === undefined ? undefined : this.nodes[i];
  }

  domain(name: string): DomainInfo | undefined {
    return this.domainByName.get(name);
  }

  /** The job's tasks in task order (computed once: task order reads only fixed task attributes). */
  sortedTasks(job: JobInfo): readonly TaskInfo[] {
    let sorted = this.sortedTaskCache.get(job);
    if (sorted === undefined) {
      sorted = [...job.tasks].sort((a, b) => this.taskOrder(a, b));
      this.sortedTaskCache.set(job, sorted);
    }
    return sorted;
  }

  /** Σ requests of the tasks the job still needs to reach minMember (at least one pending task). */
  jobNeed(job: JobInfo): Float64Array {
    const need = new Float64Array(this.space.size);
    let k = Math.max(1, job.minMember - job.counts.ready - job.counts.waiting);
    for (const t of this.sortedTasks(job)) {
      if (k === 0) break;
      if (t.status !== 'Pending' || t.bestEffort) continue;
      denseAdd(need, t.dense);
      k--;
    }
    return need;
  }

  /** Σ futureIdle over the scope covers `need` (a necessary condition for the gang to fit). */
  scopeMayFit(scope: Scope, need: Float64Array): boolean {
    const d = scope.domain;
    for (let i = 0; i < need.length; i++) {
      const x = need[i] as number;
      if (x <= 0) continue;
      const free = d === undefined
        ? (this.totalAllocatable[i] as number) - (this.totalUsed[i] as number) + (this.totalReleasing[i] as number) - (this.totalPipelined[i] as number)
        : (d.allocatable[i] as number) - (d.used[i] as number) + (d.releasing[i] as number) - (d.pipelined[i] as number);
      if (x > free) return false;
    }
    return true;
  }

  /**
   * Where the job may be placed: every node at the agent level; at the gateway the domains
   * that pass the domain filters, best score first, or only the domain it already runs in (if
   * that domain still passes them).
   * The order is produced lazily: most jobs fit in the first domain tried.
   */
  scopesForJob(job: JobInfo): Iterable<Scope> {
    if (!this.domainMode) return [this.globalScope];
    const placed = job.placedDomain;
    if (placed !== undefined) return this.domainFilter(job, placed) === undefined ? [this.domainScopes[placed.index]!] : [];
    const scores = new Float64Array(this.domainScopes.length).fill(Number.NEGATIVE_INFINITY);
    let candidates = 0;
    for (const scope of this.domainScopes) {
      if (this.domainFilter(job, scope.domain!) !== undefined) continue;
      scores[scope.id - 1] = this.domainScore(job, scope.domain!);
      candidates++;
    }
    return lazyBestFirst(this.domainScopes, scores, candidates);
  }

  /** Records a reason that explains why a job did not progress (for diagnostics). */
  explain(job: JobInfo, message: string): void {
    let list = this.notes.get(job);
    if (list === undefined) this.notes.set(job, (list = []));
    if (!list.includes(message)) list.push(message);
  }

  notesFor(job: JobInfo): readonly string[] {
    return this.notes.get(job) ?? [];
  }

  /** Sets (replaces by type) a PodGroup condition written at the end of the cycle. */
  setCondition(job: JobInfo, condition: ConditionInput): void {
    let list = this.conditions.get(job);
    if (list === undefined) this.conditions.set(job, (list = []));
    const full: PodGroupCondition = {
      ...condition,
      transitionID: this.uid,
      lastTransitionTime: this.nowText,
    };
    const at = list.findIndex((c) => c.type === condition.type);
    if (at >= 0) list[at] = full;
    else list.push(full);
  }

  conditionsFor(job: JobInfo): readonly PodGroupCondition[] {
    return this.conditions.get(job) ?? [];
  }

  reportQueue(queue: QueueInfo, report: QueueReport): void {
    this.queueReports.set(queue, { ...this.queueReports.get(queue), ...report });
  }

  queueReport(queue: QueueInfo): QueueReport | undefined {
    return this.queueReports.get(queue);
  }

  /** A new transaction over this session. */
  statement(): Statement {
    return new Statement(this);
  }

  vector(a: Float64Array): ResourceVector {
    return this.space.toVector(a);
  }

  // ---------------------------------------------------------------- the one place state changes

  /**
   * Moves a task to `status` on `node`, keeping job counts, node and domain bookkeeping, the
   * change log and plugin state (through allocate/deallocate events) in step. Statements call
   * this; actions should use a Statement.
   */
  setTaskStatus(task: TaskInfo, status: TaskStatus, node: NodeInfo | undefined): void {
    const oldStatus = task.status;
    const oldNode = task.node;
    if (oldStatus === status && oldNode === node) return;
    if (oldNode !== undefined) this.addToNode(task, oldStatus, oldNode, -1);
    this.count(task, -1);
    task.status = status;
    task.node = node;
    this.count(task, 1);
    if (node !== undefined) this.addToNode(task, status, node, 1);
    const was = holdsAllocation(oldStatus);
    const now = holdsAllocation(status);
    if (was !== now) {
      const fns = now ? this.flatLists().allocateEvent : this.flatLists().deallocateEvent;
      const event = { task, node: (now ? node : oldNode) as NodeInfo };
      for (let i = 0; i < fns.length; i++) fns[i]!(event);
    }
  }

  /** Appends a decision (statements call this when they commit). */
  emit(decision: Decision): void {
    this.decisions.push(decision);
  }

  private count(task: TaskInfo, sign: 1 | -1): void {
    const job = task.job;
    const code = STATUS_CODE[task.status];
    const bestEffort = task.status === 'Pending' && task.bestEffort;
    countInto(job.counts, code, sign, bestEffort);
    if (job.roleCounts !== undefined) {
      let rc = job.roleCounts.get(task.role);
      if (rc === undefined) job.roleCounts.set(task.role, (rc = new StatusCounts()));
      countInto(rc, code, sign, bestEffort);
    }
    if (isAllocatedStatus(task.status)) denseAdd(job.allocated, task.dense, sign);
  }

  private addToNode(task: TaskInfo, status: TaskStatus, node: NodeInfo, sign: 1 | -1): void {
    const t = this.nodeTable;
    const D = t.dims;
    const base = node.index * D;
    const req = task.dense;
    const domain = node.domain;
    if (occupiesNode(status)) {
      denseAdd(t.used, req, sign, base);
      denseAdd(this.totalUsed, req, sign);
      if (domain !== undefined) denseAdd(domain.used, req, sign);
    }
    if (status === 'Releasing') {
      denseAdd(t.releasing, req, sign, base);
      denseAdd(this.totalReleasing, req, sign);
      if (domain !== undefined) denseAdd(domain.releasing, req, sign);
    } else if (status === 'Pipelined') {
      denseAdd(t.pipelined, req, sign, base);
      denseAdd(this.totalPipelined, req, sign);
      if (domain !== undefined) denseAdd(domain.pipelined, req, sign);
    }
    if (occupiesNode(status) || status === 'Pipelined') t.podCount[node.index] = (t.podCount[node.index] as number) + sign;
    if (domain !== undefined && status !== 'Succeeded' && status !== 'Failed') {
      const placed = (task.job.placedByDomain.get(domain) ?? 0) + sign;
      if (placed === 0) task.job.placedByDomain.delete(domain);
      else task.job.placedByDomain.set(domain, placed);
    }
    t.version[node.index] = ++this.versionCounter;
    if (this.changeCount === this.changeLog.length) {
      const grown = new Int32Array(this.changeLog.length * 2);
      grown.set(this.changeLog);
      this.changeLog = grown;
    }
    this.changeLog[this.changeCount++] = node.index;
  }
}

/** Yields scopes by descending score (ties: lower id first), skipping -Infinity, one scan per item. */
function* lazyBestFirst(scopes: readonly Scope[], scores: Float64Array, count: number): Generator<Scope> {
  for (let k = 0; k < count; k++) {
    let best = -1;
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] === Number.NEGATIVE_INFINITY) continue;
      if (best === -1 || (scores[i] as number) > (scores[best] as number)) best = i;
    }
    if (best === -1) return;
    scores[best] = Number.NEGATIVE_INFINITY;
    yield scopes[best]!;
  }
}

/**
 * Per job snapshot (immutable, and most jobs are unchanged from one cycle to the next): its tasks'
 * shape keys, and their node indices for the name index they were looked up in (-1: no such node).
 */
interface ResolvedTasks {
  readonly keys: readonly string[];
  nodeIndex: ReadonlyMap<string, number> | undefined;
  nodes: Int32Array;
}

const resolvedTasks = new WeakMap<JobSnapshot, ResolvedTasks>();

function resolveTasks(js: JobSnapshot, nodeIndex: ReadonlyMap<string, number>): ResolvedTasks {
  let r = resolvedTasks.get(js);
  if (r === undefined) {
    r = { keys: js.tasks.map(shapeKey), nodeIndex: undefined, nodes: new Int32Array(js.tasks.length) };
    resolvedTasks.set(js, r);
  }
  if (r.nodeIndex !== nodeIndex) {
    for (let k = 0; k < js.tasks.length; k++) {
      const name = js.tasks[k]!.node;
      r.nodes[k] = name === undefined ? -1 : (nodeIndex.get(name) ?? -1);
    }
    r.nodeIndex = nodeIndex;
  }
  return r;
}

/**
 * Names of the resource dimensions of a snapshot (other than cpu, memory and pods, which every
 * space has): the nodes' (from their base) and those of queues and jobs. Job snapshots are
 * immutable and mostly outlive a cycle, so their names are cached per job.
 */
const jobNames = new WeakMap<JobSnapshot, readonly string[]>();

function namesOf(vectors: Iterable<ResourceVector | undefined>): string[] {
  const names = new Set<string>();
  for (const v of vectors) {
    if (v === undefined) continue;
    const extra = ResourceSpace.extraNames(v);
    for (let i = 0; i < extra.length; i++) names.add(extra[i] as string);
  }
  return [...names];
}

function* jobVectors(j: JobSnapshot): Iterable<ResourceVector | undefined> {
  yield j.minResources;
  for (const t of j.tasks) yield t.request;
}

function spaceNames(snap: ClusterSnapshot, fromNodes: readonly string[]): Set<string> {
  const names = new Set<string>(fromNodes);
  for (const q of snap.queues) for (const n of namesOf([q.capability, q.deserved, q.guarantee])) names.add(n);
  for (const j of snap.jobs) {
    let fromJob = jobNames.get(j);
    if (fromJob === undefined) jobNames.set(j, (fromJob = namesOf(jobVectors(j))));
    for (const n of fromJob) names.add(n);
  }
  return names;
}

/** Adds one task of status `code` (sign 1) to counts, or removes it (sign −1). */
function countInto(c: StatusCounts, code: number, sign: 1 | -1, pendingBestEffort: boolean): void {
  c.byStatus[code] = (c.byStatus[code] as number) + sign;
  c.total += sign;
  if (pendingBestEffort) c.pendingBestEffort += sign;
}
