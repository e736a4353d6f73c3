// What a session starts from for its nodes, before any task is counted: the nodes in session
// order, the name index, the domains with their node ranges, the resource names the nodes use, and
// (per resource space) the dense table rows with node, domain and overall totals.
//
// Building this is linear in the number of nodes and dominated the cost of a cycle over a large
// federation. Snapshots are immutable and a node list mostly differs from the previous cycle's in a
// few replaced nodes (an incremental SnapshotStore keeps unchanged nodes as the same objects in the
// same positions). So each list's base is derived from a recent list's: its row buffers are taken
// over (the older list builds fresh ones if it is ever used again), the rows of replaced nodes are
// filled again, and the totals are summed in node order exactly as a fresh build sums them, so a
// derived base equals a fresh one bit for bit. The NodeInfo objects and node table of a finished
// session travel with the lineage to the next session over the same positions.
//
// The cache holds no more than a few recent lists, the newest of each chain of derivations.

import type { NodeInfo, NodeTable } from './node-info.js';
import { ResourceSpace } from './resource-space.js';
import { type ClusterSnapshot, type DomainSnapshot, type NodeSnapshot, compareNodes, withImplicitDomains } from './snapshot.js';

/** Node-level facts of one node list (and domain list); independent of the resource space. */
export interface NodeLineage {
  /** the list as given */
  readonly list: readonly NodeSnapshot[];
  /** sorted by domain, then name (the given list when it already is) */
  readonly sorted: readonly NodeSnapshot[];
  readonly indexByName: ReadonlyMap<string, number>;
  /** the domain list as given */
  readonly domainsInput: readonly DomainSnapshot[];
  /** domain records sorted by name, with one for each domain only nodes mention */
  readonly domains: readonly DomainSnapshot[];
  /** per sorted node: index into `domains`, or -1 */
  readonly domainOf: Int32Array;
  /** per domain: [start, end) of its nodes in `sorted` (0, 0 when it has none) */
  readonly ranges: Int32Array;
  /** resource names of the nodes' vectors other than cpu, memory and pods */
  readonly extraNames: readonly string[];
  readonly nameCounts: ReadonlyMap<string, number>;
  /** dense rows per resource-space signature */
  readonly rows: Map<string, NodeRows>;
  /** rows of the lineage this one was derived from, until this one has its own */
  predecessorRows: Map<string, NodeRows> | undefined;
  /** indices of `sorted` whose node object differs from the predecessor's */
  changed: Int32Array | undefined;
  /**
   * NodeInfo objects of a finished session over these node positions, for the next session to
   * rebind instead of allocating one object per node per cycle.
   */
  pool: NodePool | undefined;
}

/**
 * NodeInfo objects a finished session left, with the table width and domain map they were set up
 * for, and its node table (its buffers are reused when the width is the same).
 */
export interface NodePool {
  readonly nodes: NodeInfo[];
  readonly dims: number;
  readonly domainOf: Int32Array;
  readonly table: NodeTable;
  /** the node list the objects show (they were refreshed against it) */
  readonly sorted: readonly NodeSnapshot[];
  /** for the list `list`, the only positions whose node differs from `sorted` (set when derived) */
  readonly stale?: { readonly list: readonly NodeSnapshot[]; readonly positions: Int32Array };
}

/** Dense rows of every node in one resource space, and their sums. */
export interface NodeRows {
  readonly signature: string;
  readonly dims: number;
  readonly allocatable: Float64Array;
  readonly used: Float64Array;
  readonly releasing: Float64Array;
  readonly podCount: Int32Array;
  readonly maxPods: Float64Array;
  readonly totalAllocatable: Float64Array;
  readonly totalUsed: Float64Array;
  readonly totalReleasing: Float64Array;
  /** per domain, dims values each */
  readonly domainAllocatable: Float64Array;
  readonly domainUsed: Float64Array;
  readonly domainReleasing: Float64Array;
}

/**
 * Most recent first, the newest lineage of each chain of derivations; a list's own lineage is found
 * here, and a new list is derived from one of these when it can be. (Not a WeakMap from list to
 * lineage: its entries would keep each list, an array over every node copied once per changed
 * snapshot, alive through young-generation collections into the old generation.)
 */
const recent: NodeLineage[] = [];
const RECENT = 8;

/** Forgets every cached base (for tests that compare derived and fresh builds). */
export function clearNodeBaseCache(): void {
  recent.length = 0;
}

/** The lineage of a node list (and domain list): cached, derived from a recent one, or built. */
export function nodeLineageOf(
  list: readonly NodeSnapshot[],
  domains: readonly DomainSnapshot[],
  changes?: ClusterSnapshot['nodeChanges'],
): NodeLineage {
  const cached = recent.find((l) => l.list === list);
  if (cached !== undefined && cached.domainsInput === domains) return cached;
  let lineage: NodeLineage | undefined;
  let from: NodeLineage | undefined;
  if (cached !== undefined) lineage = derive((from = cached), list, domains);
  for (let k = 0; lineage === undefined && k < recent.length; k++) lineage = derive((from = recent[k]!), list, domains, changes);
  if (lineage === undefined) from = undefined;
  lineage ??= build(list, domains);
  // the lineage it was derived from is superseded: each chain keeps only its newest lineage, so an
  // old list dies young
  for (const gone of [from, lineage]) {
    const at = gone === undefined ? -1 : recent.indexOf(gone);
    if (at >= 0) recent.splice(at, 1);
  }
  recent.unshift(lineage);
  if (recent.length > RECENT) recent.length = RECENT;
  return lineage;
}

/** Takes the lineage's pooled node objects, if a finished session left them. */
export function takeNodePool(lineage: NodeLineage): NodePool | undefined {
  const pool = lineage.pool;
  lineage.pool = undefined;
  return pool !== undefined && pool.nodes.length === lineage.sorted.length && pool.nodes.length > 0 ? pool : undefined;
}

/** A finished session hands its node objects back (the session must not be used afterwards). */
export function returnNodePool(lineage: NodeLineage, pool: NodePool): void {
  if (lineage.pool === undefined && pool.nodes.length === lineage.sorted.length) lineage.pool = pool;
}

/** The rows of a lineage in a resource space (cached per space signature). */
export function nodeRowsOf(lineage: NodeLineage, space: ResourceSpace): NodeRows {
  const cached = lineage.rows.get(space.signature);
  if (cached !== undefined) return cached;
  const n = lineage.sorted.length;
  const D = space.size;
  const before = lineage.predecessorRows?.get(space.signature);
  let allocatable: Float64Array, used: Float64Array, releasing: Float64Array, podCount: Int32Array, maxPods: Float64Array;
  if (before !== undefined && lineage.changed !== undefined) {
    // the predecessor's rows are taken over (it computes fresh ones if it is ever used again):
    // copying them would cost a few large buffers per cycle
    lineage.predecessorRows!.delete(space.signature);
    ({ allocatable, used, releasing, podCount, maxPods } = before);
    const changed = lineage.changed;
    for (let k = 0; k < changed.length; k++) {
      const i = changed[k] as number;
      fillRow(allocatable, used, releasing, podCount, maxPods, i, lineage.sorted[i]!, space);
    }
  } else {
    allocatable = new Float64Array(n * D);
    used = new Float64Array(n * D);
    releasing = new Float64Array(n * D);
    podCount = new Int32Array(n);
    maxPods = new Float64Array(n);
    for (let i = 0; i < n; i++) fillRow(allocatable, used, releasing, podCount, maxPods, i, lineage.sorted[i]!, space);
  }
  const domainCount = lineage.domains.length;
  const rows: NodeRows = {
    signature: space.signature,
    dims: D,
    allocatable, used, releasing, podCount, maxPods,
    totalAllocatable: new Float64Array(D),
    totalUsed: new Float64Array(D),
    totalReleasing: new Float64Array(D),
    domainAllocatable: new Float64Array(domainCount * D),
    domainUsed: new Float64Array(domainCount * D),
    domainReleasing: new Float64Array(domainCount * D),
  };
  sumRows(rows, lineage.domainOf);
  lineage.rows.set(space.signature, rows);
  lineage.predecessorRows = undefined;
  lineage.changed = undefined;
  return rows;
}

/** Sums, in node order, every row into the totals and each node's domain. */
function sumRows(r: NodeRows, domainOf: Int32Array): void {
  const D = r.dims;
  for (let i = 0; i < domainOf.length; i++) {
    const at = i * D;
    const d = domainOf[i] as number;
    for (let k = 0; k < D; k++) {
      const a = r.allocatable[at + k] as number;
      const u = r.used[at + k] as number;
      const rl = r.releasing[at + k] as number;
      r.totalAllocatable[k] = (r.totalAllocatable[k] as number) + a;
      r.totalUsed[k] = (r.totalUsed[k] as number) + u;
      r.totalReleasing[k] = (r.totalReleasing[k] as number) + rl;
      if (d >= 0) {
        const dk = d * D + k;
        r.domainAllocatable[dk] = (r.domainAllocatable[dk] as number) + a;
        r.domainUsed[dk] = (r.domainUsed[dk] as number) + u;
        r.domainReleasing[dk] = (r.domainReleasing[dk] as number) + rl;
      }
    }
  }
}

/** Node `i`'s allocatable, other usage, pod count and pod limit (the row is overwritten whole). */
function fillRow(
  allocatable: Float64Array, used: Float64Array, releasing: Float64Array, podCount: Int32Array, maxPods: Float64Array,
  i: number, ns: NodeSnapshot, space: ResourceSpace,
): void {
  const D = space.size;
  const at = i * D;
  allocatable.set(space.dense(ns.allocatable), at);
  if (ns.otherUsed === undefined) used.fill(0, at, at + D);
  else used.set(space.dense(ns.otherUsed), at);
  if (ns.otherReleasing === undefined) releasing.fill(0, at, at + D);
  else releasing.set(space.dense(ns.otherReleasing), at);
  podCount[i] = ns.otherPods ?? 0;
  maxPods[i] = ns.maxPods ?? (ns.allocatable.has('pods') ? ns.allocatable.get('pods') : Number.POSITIVE_INFINITY);
}

/** A lineage built from nothing and not cached (to compare with derived ones). */
export function freshNodeLineage(list: readonly NodeSnapshot[], domains: readonly DomainSnapshot[]): NodeLineage {
  return build(list, domains);
}

/** A fresh lineage. */
function build(list: readonly NodeSnapshot[], domainsInput: readonly DomainSnapshot[]): NodeLineage {
  const sorted = sortedNodes(list);
  const indexByName = new Map<string, number>();
  const nameCounts = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) {
    const ns = sorted[i]!;
    indexByName.set(ns.name, i);
    countNames(nameCounts, ns, 1);
  }
  return withDomains({ list, sorted, indexByName, nameCounts, predecessorRows: undefined, changed: undefined, pool: undefined }, domainsInput, undefined);
}

/**
 * A lineage derived from `p`, when `list` holds the same node names in the same positions as p's
 * (sorted) list; undefined otherwise.
 */
function derive(
  p: NodeLineage,
  list: readonly NodeSnapshot[],
  domainsInput: readonly DomainSnapshot[],
  changes?: ClusterSnapshot['nodeChanges'],
): NodeLineage | undefined {
  const n = list.length;
  if (p.list !== p.sorted || p.list.length !== n) return undefined;
  if (n > 0 && (list[0]!.name !== p.list[0]!.name || list[n - 1]!.name !== p.list[n - 1]!.name)) return undefined;
  let changed: ArrayLike<number>;
  if (changes !== undefined && changes.since === p.list) {
    // the snapshot says where this list differs from p's: no need to compare every node
    for (let k = 0; k < changes.positions.length; k++) {
      const i = changes.positions[k] as number;
      const a = list[i]!;
      const b = p.list[i]!;
      if (a.name !== b.name || a.domain !== b.domain) return undefined;
    }
    changed = changes.positions;
  } else {
    const found: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = list[i]!;
      const b = p.list[i]!;
      if (a === b) continue;
      if (a.name !== b.name || a.domain !== b.domain) return undefined;
      found.push(i);
    }
    changed = found;
  }
  let nameCounts = p.nameCounts;
  for (let k = 0; k < changed.length; k++) {
    const i = changed[k] as number;
    const a = list[i]!;
    const b = p.list[i]!;
    if (!hasExtraNames(a) && !hasExtraNames(b)) continue;
    if (nameCounts === p.nameCounts) nameCounts = new Map(p.nameCounts);
    countNames(nameCounts as Map<string, number>, b, -1);
    countNames(nameCounts as Map<string, number>, a, 1);
  }
  // the node positions are the same: a finished session's node objects move on to this lineage
  const positions = Int32Array.from(changed);
  let pool = p.pool;
  p.pool = undefined;
  // objects that show p's list need refreshing only where this list differs from it
  if (pool !== undefined && pool.sorted === p.sorted) pool = { ...pool, stale: { list, positions } };
  return withDomains(
    { list, sorted: list, indexByName: p.indexByName, nameCounts, predecessorRows: p.rows, changed: positions, pool },
    domainsInput,
    p,
  );
}

type LineageCore = Pick<NodeLineage, 'list' | 'sorted' | 'indexByName' | 'nameCounts' | 'predecessorRows' | 'changed' | 'pool'>;

/** Completes a lineage with its domains (those of `p` when the domain list is the same). */
function withDomains(core: LineageCore, domainsInput: readonly DomainSnapshot[], p: NodeLineage | undefined): NodeLineage {
  const extraNames = p !== undefined && core.nameCounts === p.nameCounts ? p.extraNames : [...core.nameCounts.keys()];
  const base = { ...core, extraNames, rows: new Map<string, NodeRows>() };
  if (p !== undefined && sameItems(p.domainsInput, domainsInput)) {
    return { ...base, domainsInput, domains: p.domains, domainOf: p.domainOf, ranges: p.ranges };
  }
  const domains = withImplicitDomains(domainsInput, core.sorted);
  const index = new Map<string, number>();
  domains.forEach((d, i) => index.set(d.name, i));
  const domainOf = new Int32Array(core.sorted.length);
  const ranges = new Int32Array(domains.length * 2);
  for (let i = 0; i < core.sorted.length; i++) {
    const name = core.sorted[i]!.domain;
    const d = name === undefined ? -1 : (index.get(name) as number);
    domainOf[i] = d;
    if (d < 0) continue;
    if (ranges[2 * d + 1] === 0) ranges[2 * d] = i;
    ranges[2 * d + 1] = i + 1;
  }
  return { ...base, domainsInput, domains, domainOf, ranges };
}

/** Whether two lists hold the same records (the same objects) in the same order. */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hasExtraNames(ns: NodeSnapshot): boolean {
  return ResourceSpace.extraNames(ns.allocatable).length > 0
    || (ns.otherUsed !== undefined && ResourceSpace.extraNames(ns.otherUsed).length > 0)
    || (ns.otherReleasing !== undefined && ResourceSpace.extraNames(ns.otherReleasing).length > 0);
}

function countNames(counts: Map<string, number>, ns: NodeSnapshot, sign: 1 | -1): void {
  const seen = new Set<string>();
  for (const v of [ns.allocatable, ns.otherUsed, ns.otherReleasing]) {
    if (v === undefined) continue;
    for (const name of ResourceSpace.extraNames(v)) seen.add(name);
  }
  for (const name of seen) {
    const c = (counts.get(name) ?? 0) + sign;
    if (c <= 0) counts.delete(name);
    else counts.set(name, c);
  }
}

/** The nodes sorted by domain, then name (the list itself when it already is). */
function sortedNodes(list: readonly NodeSnapshot[]): readonly NodeSnapshot[] {
  for (let i = 1; i < list.length; i++) {
    if (compareNodes(list[i - 1]!, list[i]!) > 0) return [...list].sort(compareNodes);
  }
  return list;
}
