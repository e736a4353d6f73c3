/**
 * Strategic merge patch for built-in kinds, covering what kubectl (apply, patch, label, annotate) and
 * client-node send: maps merge, `null` deletes, lists of objects merge by their Kubernetes merge key
 * (containers by name, conditions by type, ...), `finalizers` merge as a set, other lists replace;
 * directives `$patch: replace|delete`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`
 * and `$retainKeys`. Merge keys are chosen by field name, which is unambiguous for the kinds served here.
 */
import { isPlainObject } from './sim-object.js';

const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  taints: 'key',
  addresses: 'type',
  podIPs: 'ip',
  hostIPs: 'ip',
  resourceClaims: 'name',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of scalars that merge as sets instead of being replaced. */
const SET_LISTS = new Set(['finalizers']);

const DELETE = Symbol('delete');

function mergeKeyFor(field: string, orig: unknown[], patch: unknown[]): string | undefined {
  if (field === 'ports') {
    const any = [...orig, ...patch].find(isPlainObject);
    return any && 'containerPort' in any ? 'containerPort' : 'port';
  }
  return MERGE_KEYS[field];
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((v) => !(isPlainObject(v) && v.$patch !== undefined && Object.keys(v).length === 1)).map(stripDirectives);
  }
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$') && v !== null) out[k] = stripDirectives(v);
  return out;
}

function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== undefined && b !== undefined && String(a) === String(b));
}

function mergeList(field: string, orig: unknown, patch: unknown[]): unknown[] {
  const original = Array.isArray(orig) ? orig : [];
  if (SET_LISTS.has(field)) {
    const out = [...original];
    for (const v of patch) if (!out.includes(v)) out.push(v);
    return out;
  }
  const key = mergeKeyFor(field, original, patch);
  if (key === undefined || patch.some((e) => isPlainObject(e) && e.$patch === 'replace')) {
    return stripDirectives(patch) as unknown[];
  }
  const out = [...original];
  for (const el of patch) {
    if (!isPlainObject(el)) continue;
    const idx = out.findIndex((o) => isPlainObject(o) && sameKey(o[key], el[key]));
    if (el.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) {
      const merged = mergeMap(out[idx] as Record<string, unknown>, el);
      if (merged === DELETE) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(stripDirectives(el));
    }
  }
  return out;
}

function reorder(list: unknown, order: unknown, field: string): unknown {
  if (!Array.isArray(list) || !Array.isArray(order)) return list;
  const key = mergeKeyFor(field, list, order);
  const ident = (v: unknown): unknown => (key !== undefined && isPlainObject(v) ? v[key] : v);
  const rank = new Map<string, number>();
  order.forEach((o, i) => rank.set(String(ident(o)), i));
  const indexed = list.map((v, i) => ({ v, i, r: rank.get(String(ident(v))) ?? order.length + i }));
  return indexed.sort((a, b) => a.r - b.r).map((e) => e.v);
}

function mergeMap(orig: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> | typeof DELETE {
  if (patch.$patch === 'delete') return DELETE;
  if (patch.$patch === 'replace') return stripDirectives(patch) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...orig };
  const orders: [string, unknown][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      orders.push([key.slice('$setElementOrder/'.length), value]);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(value) ? value : [];
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((v) => !drop.includes(v));
      continue;
    }
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(out[key]) ? out[key] : {}, value);
      if (merged === DELETE) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = mergeList(key, out[key], value);
    } else {
      out[key] = value;
    }
  }
  for (const [field, order] of orders) if (field in out) out[field] = reorder(out[field], order, field);
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const merged = mergeMap(isPlainObject(target) ? target : {}, patch);
  return merged === DELETE ? {} : merged;
}
