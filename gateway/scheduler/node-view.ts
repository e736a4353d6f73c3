/**
 * A member's node as the scheduling core sees it. Node names are made unique across the
 * federation as `<cluster>/<node>`; the domain is the cluster.
 *
 * What the node has in use: the agent reports `requested` (every pod on the node, Caldera's or
 * not), which includes the pods of gangs the member reported bound; gangs placed but not yet bound
 * are held on top (reservations). A report that does not show our bound pods yet counts them
 * anyway: used = max(requested, bound) + reserved.
 */
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import type { NodeInventory } from '../../shared/messages/node-inventory.js';
import type { NodeSnapshot } from '../../shared/scheduling/snapshot.js';

/** `<cluster>/<node>` */
export function federatedNodeName(cluster: string, node: string): string {
  return `${cluster}/${node}`;
}

/** The cluster and member-local node name of a federated node name. */
export function splitNodeName(name: string): { cluster: string; node: string } {
  const i = name.indexOf('/');
  return { cluster: name.slice(0, i), node: name.slice(i + 1) };
}

/** Requests and pod count of placed gangs' pods on one node. */
export interface BoundLoad {
  request: ResourceVector;
  pods: number;
}

/** Vectors are immutable: equal quantity lists share one vector, so a session densifies it once. */
const vectors = new Map<string, ResourceVector>();
const MAX_INTERNED = 10_000;

export function internedVector(list: Readonly<Record<string, string | number>>): ResourceVector {
  const key = JSON.stringify(list);
  let v = vectors.get(key);
  if (v === undefined) {
    v = ResourceVector.fromQuantities(list);
    if (vectors.size < MAX_INTERNED) vectors.set(key, v);
  }
  return v;
}

/**
 * What a node snapshot takes from the agent's record of a node. A node's snapshot is rebuilt each
 * time a gang is placed on it or its pods bind, while the record changes only with the agent's
 * reports: this part is computed once per record.
 */
interface NodeBase {
  name: string;
  allocatable: ResourceVector;
  requested: ResourceVector;
}

const bases = new WeakMap<NodeInventory, NodeBase>();

function nodeBase(cluster: string, node: NodeInventory): NodeBase {
  let b = bases.get(node);
  if (b === undefined || !b.name.startsWith(cluster) || b.name.length !== cluster.length + 1 + node.name.length) {
    b = { name: federatedNodeName(cluster, node.name), allocatable: internedVector(node.allocatable), requested: internedVector(node.requested) };
    bases.set(node, b);
  }
  return b;
}

/** What a node has in use: max(requested, bound) + reserved (see the top of this file). */
export function usedOn(requested: ResourceVector, bound: BoundLoad | undefined, reserved: BoundLoad | undefined): ResourceVector {
  let used = requested;
  if (bound) used = used.max(bound.request);
  if (reserved) used = used.add(reserved.request);
  return used;
}

/** A node as a cycle sees it (rebuilt whenever placed gangs change what it holds). */
export function nodeSnapshot(cluster: string, node: NodeInventory, bound: BoundLoad | undefined, reserved: BoundLoad | undefined): NodeSnapshot {
  const base = nodeBase(cluster, node);
  const otherUsed = usedOn(base.requested, bound, reserved);
  const otherPods = Math.max(node.podCount ?? 0, bound?.pods ?? 0) + (reserved?.pods ?? 0);
  return {
    name: base.name,
    domain: cluster,
    allocatable: base.allocatable,
    otherUsed,
    otherPods,
    labels: node.labels,
    taints: node.taints,
    // a NotReady node takes no new pods, like a cordoned one
    unschedulable: node.unschedulable || !node.ready,
  };
}
