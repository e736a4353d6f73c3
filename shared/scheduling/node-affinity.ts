// Kubernetes node selector and node affinity matching against a node's name and labels.

import type { NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm } from '../api/core.js';

interface NodeLike {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Every key/value of `selector` is a label of the node. */
export function matchesNodeSelector(selector: Readonly<Record<string, string>> | undefined, node: NodeLike): boolean {
  if (selector === undefined) return true;
  for (const key in selector) if (node.labels[key] !== selector[key]) return false;
  return true;
}

/** Terms are ORed; an empty list of terms matches nothing. */
export function matchesAnyTerm(terms: readonly NodeSelectorTerm[], node: NodeLike): boolean {
  for (const term of terms) if (matchesTerm(term, node)) return true;
  return false;
}

/** Requirements of a term are ANDed; a term without requirements matches nothing. */
export function matchesTerm(term: NodeSelectorTerm, node: NodeLike): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!matchesRequirement(r, node.labels[r.key])) return false;
  for (const r of fields) if (!matchesRequirement(r, r.key === 'metadata.name' ? node.name : undefined)) return false;
  return true;
}

/** Σ weights of the preferred terms the node matches, and Σ of all weights. */
export function preferredWeights(terms: readonly PreferredSchedulingTerm[], node: NodeLike): { matched: number; total: number } {
  let matched = 0;
  let total = 0;
  for (const t of terms) {
    total += t.weight;
    if (matchesTerm(t.preference, node)) matched += t.weight;
  }
  return { matched, total };
}

function matchesRequirement(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0] as string, 10);
      if (!Number.isFinite(have) || !Number.isFinite(want)) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}
