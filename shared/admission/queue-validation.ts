/**
 * Volcano's validating rules for a Queue: weight 1..65535, valid non-negative quotas with
 * guarantee ≤ deserved ≤ capability, the hDRF hierarchy annotations, and, when the stored queues are
 * known, the `spec.parent` tree (parent exists, depth limit, child quotas within the parent's).
 */
import type { StatusCause } from '../errors/status.js';
import type { Quantity } from '../resources/quantity.js';
import { DEFAULT_QUEUE, ROOT_QUEUE, type Queue } from '../api/queue.js';
import { HIERARCHY_ANNOTATION, HIERARCHY_WEIGHTS_ANNOTATION } from '../api/well-known.js';
import { FieldErrors, childPath, indexPath, keyPath } from './field-errors.js';
import { isObject, jsonEqual, own, type JsonObject } from './json-value.js';
import { checkObjectMeta } from './metadata-validation.js';
import { dns1123SubdomainProblems } from './names.js';
import { checkResourceList } from './resource-validation.js';
import {
  checkArray,
  checkBoolean,
  checkEnum,
  checkInteger,
  checkObject,
  checkString,
  checkStringArray,
} from './value-checks.js';

export const DEFAULT_MAX_QUEUE_DEPTH = 5;
export const MAX_QUEUE_WEIGHT = 65535;

export interface QueueValidationOptions {
  operation: 'CREATE' | 'UPDATE';
  /** The stored queue, for UPDATE. */
  old?: Queue;
  /** Every stored queue; the hierarchy checks that need other queues are skipped without it. */
  listQueues?: () => readonly Queue[];
  /** Deepest allowed `spec.parent` chain below root (default 5). */
  maxQueueDepth?: number;
}

const STATES = ['Open', 'Closed'] as const;
const ALL_STATES = ['Open', 'Closed', 'Closing', 'Unknown'] as const;
const DEQUEUE_STRATEGIES = ['fifo', 'traverse'] as const;

export function validateQueue(queue: Queue, opts: QueueValidationOptions): StatusCause[] {
  const fe = new FieldErrors();
  checkQueue(fe, queue, opts);
  return fe.causes;
}

type Quotas = Map<string, Quantity>;

/** Exact thousandths for summing; whole units scaled up when thousandths would not fit a safe integer. */
function milli(q: Quantity): bigint {
  try {
    return BigInt(q.milliValue());
  } catch {
    return BigInt(q.value()) * 1000n;
  }
}

function milliOf(q: Quantity | undefined): bigint {
  return q === undefined ? 0n : milli(q);
}

interface QueueQuotas {
  capability?: Quotas;
  deserved?: Quotas;
  guarantee?: Quotas;
}

export function checkQueue(fe: FieldErrors, input: unknown, opts: QueueValidationOptions): void {
  if (!isObject(input)) {
    fe.typeInvalid('', input, 'an object');
    return;
  }
  const meta = checkObjectMeta(fe, own(input, 'metadata'), { namespaced: false });
  const name = own(meta, 'name');
  if (meta) checkHierarchyAnnotations(fe, meta, typeof name === 'string' ? name : '', opts);
  // Users may only ask for Open or Closed; an update may carry back what the controller wrote.
  const status = checkObject(fe, 'status', own(input, 'status'));
  if (status) checkEnum(fe, 'status.state', own(status, 'state'), opts.operation === 'UPDATE' ? ALL_STATES : STATES);
  if (opts.operation === 'UPDATE' && opts.old) {
    const oldName = own(opts.old.metadata, 'name');
    if (typeof oldName === 'string' && oldName !== '' && oldName !== name) fe.invalid('metadata.name', name, 'field is immutable');
  }
  const spec = checkObject(fe, 'spec', own(input, 'spec'), { required: true });
  if (!spec) return;

  checkInteger(fe, 'spec.weight', own(spec, 'weight'), { required: true, min: 1, max: MAX_QUEUE_WEIGHT });
  checkInteger(fe, 'spec.priority', own(spec, 'priority'), { min: 0 });
  checkBoolean(fe, 'spec.reclaimable', own(spec, 'reclaimable'));
  checkString(fe, 'spec.type', own(spec, 'type'));
  checkEnum(fe, 'spec.dequeueStrategy', own(spec, 'dequeueStrategy'), DEQUEUE_STRATEGIES);
  checkAffinity(fe, own(spec, 'affinity'));
  checkExtendClusters(fe, own(spec, 'extendClusters'));

  const quotas = checkQuotas(fe, spec);
  const parentPath = 'spec.parent';
  const parent = checkString(fe, parentPath, own(spec, 'parent'));
  let parentOk = own(spec, 'parent') === undefined || own(spec, 'parent') === null || parent !== undefined;
  if (parent) {
    const problems = dns1123SubdomainProblems(parent);
    const why = problems.length > 0 ? problems.join('; ') : parent === name ? 'a queue may not be its own parent' : name === ROOT_QUEUE ? 'the root queue may not have a parent' : undefined;
    if (why !== undefined) {
      fe.invalid(parentPath, parent, why);
      parentOk = false;
    }
  }
  if (typeof name === 'string' && name !== '' && parentOk && opts.listQueues) {
    checkTree(fe, { name, parent: parent || undefined, quotas }, opts.listQueues(), opts);
  }
  if (opts.operation === 'UPDATE' && name === ROOT_QUEUE && opts.old) {
    const old: unknown = opts.old.spec;
    for (const field of ['capability', 'deserved', 'guarantee']) {
      if (!jsonEqual(own(old, field), own(spec, field))) fe.forbidden(childPath('spec', field), 'the root queue\'s quotas are immutable');
    }
  }
}

function checkQuotas(fe: FieldErrors, spec: JsonObject): QueueQuotas {
  const capability = checkResourceList(fe, 'spec.capability', own(spec, 'capability'), { container: false });
  const deserved = checkResourceList(fe, 'spec.deserved', own(spec, 'deserved'), { container: false });
  const g = checkObject(fe, 'spec.guarantee', own(spec, 'guarantee'));
  const guarantee = g ? checkResourceList(fe, 'spec.guarantee.resource', own(g, 'resource'), { container: false }) : undefined;

  if (guarantee) {
    for (const [r, q] of guarantee) {
      const p = keyPath('spec.guarantee.resource', r);
      const d = deserved?.get(r);
      if (deserved && deserved.size > 0 && d === undefined) {
        fe.invalid(p, q.toString(), `a guaranteed resource must also be set in spec.deserved`);
      } else if (d !== undefined && q.cmp(d) > 0) {
        fe.invalid(p, q.toString(), `must be less than or equal to deserved ${r} (${d.toString()})`);
      }
      const c = capability?.get(r);
      if (c !== undefined && q.cmp(c) > 0) fe.invalid(p, q.toString(), `must be less than or equal to capability ${r} (${c.toString()})`);
    }
  }
  if (deserved && capability) {
    for (const [r, q] of deserved) {
      const c = capability.get(r);
      if (c !== undefined && q.cmp(c) > 0) {
        fe.invalid(keyPath('spec.deserved', r), q.toString(), `must be less than or equal to capability ${r} (${c.toString()})`);
      }
    }
  }
  const out: QueueQuotas = {};
  if (capability) out.capability = capability;
  if (deserved) out.deserved = deserved;
  if (guarantee) out.guarantee = guarantee;
  return out;
}

function checkAffinity(fe: FieldErrors, v: unknown): void {
  const path = 'spec.affinity';
  const a = checkObject(fe, path, v);
  if (!a) return;
  for (const group of ['nodeGroupAffinity', 'nodeGroupAntiAffinity']) {
    const gp = childPath(path, group);
    const g = checkObject(fe, gp, own(a, group));
    if (!g) continue;
    for (const kind of ['requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution']) {
      checkStringArray(fe, childPath(gp, kind), own(g, kind));
    }
  }
}

function checkExtendClusters(fe: FieldErrors, v: unknown): void {
  const path = 'spec.extendClusters';
  checkArray(fe, path, v)?.forEach((item, i) => {
    const p = indexPath(path, i);
    const c = checkObject(fe, p, item);
    if (!c) return;
    checkString(fe, childPath(p, 'name'), own(c, 'name'));
    checkInteger(fe, childPath(p, 'weight'), own(c, 'weight'), { min: 0 });
    checkResourceList(fe, childPath(p, 'capacity'), own(c, 'capacity'), { container: false });
  });
}

function checkHierarchyAnnotations(fe: FieldErrors, meta: JsonObject, name: string, opts: QueueValidationOptions): void {
  const annotations = own(meta, 'annotations');
  const hierarchy = own(annotations, HIERARCHY_ANNOTATION);
  const weights = own(annotations, HIERARCHY_WEIGHTS_ANNOTATION);
  if (hierarchy === undefined && weights === undefined) return;
  const hPath = keyPath('metadata.annotations', HIERARCHY_ANNOTATION);
  const wPath = keyPath('metadata.annotations', HIERARCHY_WEIGHTS_ANNOTATION);
  if (typeof hierarchy !== 'string' || hierarchy === '') {
    fe.required(hPath, `must be set together with ${HIERARCHY_WEIGHTS_ANNOTATION}`);
    return;
  }
  if (typeof weights !== 'string' || weights === '') {
    fe.required(wPath, `must be set together with ${HIERARCHY_ANNOTATION}`);
    return;
  }
  const nodes = hierarchy.split('/');
  const ws = weights.split('/');
  if (nodes.some((n) => n === '')) fe.invalid(hPath, hierarchy, 'path segments must not be empty');
  if (nodes.length !== ws.length) {
    fe.invalid(wPath, weights, `must have as many segments as ${HIERARCHY_ANNOTATION} (${nodes.length})`);
  }
  ws.forEach((w) => {
    const n = Number(w);
    if (w.trim() === '' || !Number.isFinite(n) || n <= 0) fe.invalid(wPath, weights, `weight "${w}" must be a number greater than 0`);
  });
  if (!opts.listQueues) return;
  for (const other of opts.listQueues()) {
    const otherName = own(other.metadata, 'name');
    const otherPath = own(own(other.metadata, 'annotations'), HIERARCHY_ANNOTATION);
    if (otherName === name || typeof otherPath !== 'string') continue;
    if (otherPath.startsWith(`${hierarchy}/`)) {
      fe.invalid(hPath, hierarchy, `may not be a parent path of queue "${String(otherName)}" (${otherPath})`);
    }
  }
}

interface TreeNode {
  name: string;
  parent: string | undefined;
  quotas: QueueQuotas;
}

/** Quotas of a stored queue, read leniently: entries that do not parse are ignored. */
function storedQuotas(q: Queue): QueueQuotas {
  const scratch = new FieldErrors();
  const spec: unknown = q.spec;
  const out: QueueQuotas = {};
  const capability = checkResourceList(scratch, '', own(spec, 'capability'), { container: false });
  const deserved = checkResourceList(scratch, '', own(spec, 'deserved'), { container: false });
  const guarantee = checkResourceList(scratch, '', own(own(spec, 'guarantee'), 'resource'), { container: false });
  if (capability) out.capability = capability;
  if (deserved) out.deserved = deserved;
  if (guarantee) out.guarantee = guarantee;
  return out;
}

function parentOf(q: Queue): string | undefined {
  const p = own(q.spec, 'parent');
  return typeof p === 'string' && p !== '' ? p : undefined;
}

function checkTree(fe: FieldErrors, self: TreeNode, queues: readonly Queue[], opts: QueueValidationOptions): void {
  const byName = new Map<string, Queue>();
  for (const q of queues) {
    const n = own(q.metadata, 'name');
    if (typeof n === 'string' && n !== self.name) byName.set(n, q);
  }
  const childrenOf = (name: string): Queue[] =>
    [...byName.values()].filter((q) => (parentOf(q) ?? (own(q.metadata, 'name') === ROOT_QUEUE ? undefined : ROOT_QUEUE)) === name);

  if (self.name !== ROOT_QUEUE) checkAgainstParent(fe, self, byName, childrenOf, opts);
  checkAgainstChildren(fe, self, childrenOf);
}

function checkAgainstParent(
  fe: FieldErrors,
  self: TreeNode,
  byName: Map<string, Queue>,
  childrenOf: (name: string) => Queue[],
  opts: QueueValidationOptions,
): void {
  const parentName = self.parent ?? ROOT_QUEUE;
  const parentPath = 'spec.parent';
  const parent = byName.get(parentName);
  if (!parent && parentName !== ROOT_QUEUE) {
    fe.notFound(parentPath, parentName, 'parent queue does not exist');
    return;
  }
  // Depth: edges from root down to this queue, following stored parents.
  const maxDepth = opts.maxQueueDepth ?? DEFAULT_MAX_QUEUE_DEPTH;
  let depth = 1;
  const visited = new Set<string>([self.name]);
  let cur: string | undefined = parentName;
  while (cur !== undefined && cur !== ROOT_QUEUE) {
    if (visited.has(cur)) {
      fe.invalid(parentPath, parentName, 'the parent chain forms a cycle');
      return;
    }
    visited.add(cur);
    depth++;
    const q = byName.get(cur);
    cur = q ? (parentOf(q) ?? ROOT_QUEUE) : undefined;
  }
  if (depth > maxDepth) fe.invalid(parentPath, parentName, `queue depth ${depth} exceeds the maximum of ${maxDepth}`);
  if (!parent) return;

  const siblings = childrenOf(parentName);
  if (siblings.length === 0 && parentName !== ROOT_QUEUE && hasAllocation(parent)) {
    fe.invalid(parentPath, parentName, 'a queue that already has allocated resources cannot become a parent queue');
  }
  // Capability may not exceed that of the nearest ancestor that sets it.
  for (const [r, c] of self.quotas.capability ?? []) {
    let anc: Queue | undefined = parent;
    const seen = new Set<string>();
    while (anc) {
      const ancName = String(own(anc.metadata, 'name'));
      if (seen.has(ancName)) break;
      seen.add(ancName);
      const ac = storedQuotas(anc).capability?.get(r);
      if (ac !== undefined) {
        if (c.cmp(ac) > 0) fe.invalid(keyPath('spec.capability', r), c.toString(), `must be less than or equal to the capability of ancestor queue "${ancName}" (${ac.toString()})`);
        break;
      }
      const next = parentOf(anc);
      anc = next ? byName.get(next) : undefined;
    }
  }
  // The children of one parent together may not be promised more than the parent is.
  const parentQuotas = storedQuotas(parent);
  for (const field of ['guarantee', 'deserved'] as const) {
    const limit = parentQuotas[field];
    if (!limit) continue;
    for (const [r, pl] of limit) {
      const mine = self.quotas[field]?.get(r);
      if (mine === undefined) continue;
      let sum = milli(mine);
      for (const s of siblings) sum += milliOf(storedQuotas(s)[field]?.get(r));
      if (sum > milli(pl)) {
        const path = field === 'guarantee' ? keyPath('spec.guarantee.resource', r) : keyPath('spec.deserved', r);
        fe.invalid(path, mine.toString(), `together with its sibling queues exceeds the ${field} of parent queue "${parentName}" (${pl.toString()})`);
      }
    }
  }
}

function checkAgainstChildren(fe: FieldErrors, self: TreeNode, childrenOf: (name: string) => Queue[]): void {
  const children = childrenOf(self.name);
  if (children.length === 0) return;
  // Capability must cover every queue below it.
  for (const [r, c] of self.quotas.capability ?? []) {
    const stack = [...children];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const q = stack.pop();
      if (!q) break;
      const qn = String(own(q.metadata, 'name'));
      if (seen.has(qn)) continue;
      seen.add(qn);
      const qc = storedQuotas(q).capability?.get(r);
      if (qc !== undefined && qc.cmp(c) > 0) {
        fe.invalid(keyPath('spec.capability', r), c.toString(), `must be at least the capability of descendant queue "${qn}" (${qc.toString()})`);
      }
      stack.push(...childrenOf(qn));
    }
  }
  for (const field of ['guarantee', 'deserved'] as const) {
    for (const [r, limit] of self.quotas[field] ?? []) {
      let sum = 0n;
      for (const ch of children) sum += milliOf(storedQuotas(ch)[field]?.get(r));
      if (sum > milli(limit)) {
        const path = field === 'guarantee' ? keyPath('spec.guarantee.resource', r) : keyPath('spec.deserved', r);
        fe.invalid(path, limit.toString(), `must be at least the summed ${field} of its child queues`);
      }
    }
  }
}

function hasAllocation(q: Queue): boolean {
  const allocated = own(q.status, 'allocated');
  if (!isObject(allocated)) return false;
  const scratch = new FieldErrors();
  const list = checkResourceList(scratch, '', allocated, { container: false });
  return [...(list?.values() ?? [])].some((v) => v.sign() !== 0);
}

/** Names that can never be deleted. */
export const UNDELETABLE_QUEUES: readonly string[] = [DEFAULT_QUEUE, ROOT_QUEUE];

/** Why a queue may not be deleted, or undefined when it may. */
export function queueDeleteRefusal(name: string, opts: { listQueues?: () => readonly Queue[] } = {}): string | undefined {
  if (UNDELETABLE_QUEUES.includes(name)) return `queue "${name}" can not be deleted`;
  const children = (opts.listQueues?.() ?? []).filter((q) => parentOf(q) === name).map((q) => String(own(q.metadata, 'name')));
  if (children.length > 0) return `queue "${name}" has child queues (${children.join(', ')}) and can not be deleted`;
  return undefined;
}
