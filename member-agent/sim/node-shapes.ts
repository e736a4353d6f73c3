/**
 * Node shapes of a simulated cluster, written as `count x {resources, labels, taints}`:
 *   `20x{cpu: 32, memory: 128Gi, nvidia.com/gpu: 8}`
 *   `4x{cpu: 8, memory: 32Gi, labels: {zone: a}, taints: ["dedicated=infra:NoSchedule"]}; 2x{cpu: 4}`
 * Inside the braces (YAML flow syntax) `labels`, `taints`, `prefix` and `unschedulable` are special;
 * every other key is a resource quantity. `pods` defaults to 110 and `ephemeral-storage` to 100Gi.
 */
import YAML from 'yaml';
import type { Taint, TaintEffect } from '../../shared/api/core.js';
import { isValidQuantity } from '../../shared/resources/quantity.js';
import { isPlainObject } from './sim-object.js';

export interface NodeGroupSpec {
  count: number;
  /** resource name → quantity (cpu, memory, pods, nvidia.com/gpu, ...) */
  capacity: Record<string, string | number>;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** node names are `<prefix><index>`; default `<cluster>-node-` */
  prefix?: string;
  unschedulable?: boolean;
}

export class NodeShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeShapeError';
  }
}

const EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** `key=value:Effect` or `key:Effect`, or an object `{key, value, effect}`. */
function parseTaint(x: unknown): Taint {
  if (typeof x === 'string') {
    const m = /^([^=:]+)(?:=([^:]*))?:(\w+)$/.exec(x.trim());
    if (!m || !EFFECTS.includes(m[3] as TaintEffect)) throw new NodeShapeError(`taint "${x}" is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
    return { key: m[1] as string, ...(m[2] ? { value: m[2] } : {}), effect: m[3] as TaintEffect };
  }
  if (isPlainObject(x) && typeof x.key === 'string' && EFFECTS.includes(x.effect as TaintEffect)) {
    return { key: x.key, ...(typeof x.value === 'string' ? { value: x.value } : {}), effect: x.effect as TaintEffect };
  }
  throw new NodeShapeError(`taint ${JSON.stringify(x)} needs a key and an effect`);
}

/** Checks and completes one group (defaults for pods and ephemeral-storage). */
export function normalizeNodeGroup(input: NodeGroupSpec): NodeGroupSpec {
  if (!Number.isInteger(input.count) || input.count < 0) throw new NodeShapeError(`node count must be a non-negative integer, got ${input.count}`);
  const capacity: Record<string, string | number> = { pods: 110, 'ephemeral-storage': '100Gi', ...input.capacity };
  for (const [name, q] of Object.entries(capacity)) {
    if (!isValidQuantity(q)) throw new NodeShapeError(`resource ${name}: "${String(q)}" is not a quantity`);
  }
  return { ...input, capacity, taints: (input.taints ?? []).map(parseTaint) };
}

function groupFromMap(count: number, map: Record<string, unknown>): NodeGroupSpec {
  const capacity: Record<string, string | number> = {};
  const group: NodeGroupSpec = { count, capacity };
  for (const [key, value] of Object.entries(map)) {
    if (key === 'labels') {
      if (!isPlainObject(value)) throw new NodeShapeError('labels must be a map');
      group.labels = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
    } else if (key === 'taints') {
      if (!Array.isArray(value)) throw new NodeShapeError('taints must be a list');
      group.taints = value.map(parseTaint);
    } else if (key === 'prefix') {
      group.prefix = String(value);
    } else if (key === 'unschedulable') {
      group.unschedulable = value === true;
    } else if (typeof value === 'string' || typeof value === 'number') {
      capacity[key] = value;
    } else {
      throw new NodeShapeError(`resource ${key}: ${JSON.stringify(value)} is not a quantity`);
    }
  }
  return normalizeNodeGroup(group);
}

/** Parses one or more `N x {...}` groups, separated by `;`, `,` or spaces. */
export function parseNodeShapes(text: string): NodeGroupSpec[] {
  const groups: NodeGroupSpec[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    while (i < s.length && /[\s;,]/.test(s[i] as string)) i++;
    if (i >= s.length) break;
    const head = /^(\d+)\s*[xX*]\s*/.exec(s.slice(i));
    let count = 1;
    if (head) {
      count = Number(head[1]);
      i += head[0].length;
    }
    if (s[i] !== '{') throw new NodeShapeError(`expected "{" at position ${i} of node shape "${text}"`);
    let depth = 0;
    let j = i;
    for (; j < s.length; j++) {
      if (s[j] === '{') depth++;
      else if (s[j] === '}' && --depth === 0) break;
    }
    if (depth !== 0) throw new NodeShapeError(`unbalanced braces in node shape "${text}"`);
    let map: unknown;
    try {
      map = YAML.parse(s.slice(i, j + 1));
    } catch (err) {
      throw new NodeShapeError(`node shape "${s.slice(i, j + 1)}": ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!isPlainObject(map)) throw new NodeShapeError(`node shape "${s.slice(i, j + 1)}" is not a map`);
    groups.push(groupFromMap(count, map));
    i = j + 1;
  }
  if (groups.length === 0) throw new NodeShapeError('no node shape given');
  return groups;
}
