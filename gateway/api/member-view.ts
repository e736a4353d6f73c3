/**
 * How a member cluster is served: its stored record plus what is computed when it is read —
 * heartbeat age, the sums of its nodes' capacity / allocatable / requested, and, until the health
 * component has judged it, a phase derived from the heartbeat age alone.
 */
import type { ResourceList } from '../../shared/api/core.js';
import type { Clock } from '../../shared/clock.js';
import type { NodeInventory } from '../../shared/messages/node-inventory.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import type { MemberCluster, MemberPhase } from '../store/records.js';

export interface MemberHealthTimes {
  /** heartbeat age after which a member is NotReady */
  notReadyAfterMs: number;
  /** heartbeat age after which a member is Lost */
  lostAfterMs: number;
}

export interface NodeTotals {
  capacity: ResourceList;
  allocatable: ResourceList;
  allocated: ResourceList;
  nodeCount: number;
  readyNodeCount: number;
}

export function nodeTotals(nodes: readonly NodeInventory[]): NodeTotals {
  let capacity = ResourceVector.empty();
  let allocatable = ResourceVector.empty();
  let allocated = ResourceVector.empty();
  let ready = 0;
  for (const n of nodes) {
    try {
      const c = ResourceVector.fromQuantities(n.capacity);
      const a = ResourceVector.fromQuantities(n.allocatable);
      const r = ResourceVector.fromQuantities(n.requested);
      capacity = capacity.add(c);
      allocatable = allocatable.add(a);
      allocated = allocated.add(r);
    } catch {
      // a node with an unreadable quantity is left out of the sums, not out of the count
    }
    if (n.ready) ready++;
  }
  return {
    capacity: capacity.toQuantities(),
    allocatable: allocatable.toQuantities(),
    allocated: allocated.toQuantities(),
    nodeCount: nodes.length,
    readyNodeCount: ready,
  };
}

export function phaseFromHeartbeat(ageMs: number | undefined, times: MemberHealthTimes): MemberPhase {
  if (ageMs === undefined) return 'Unknown';
  if (ageMs >= times.lostAfterMs) return 'Lost';
  if (ageMs >= times.notReadyAfterMs) return 'NotReady';
  return 'Ready';
}

export function presentMember(m: MemberCluster, nodes: readonly NodeInventory[], opts: { clock: Clock; times: MemberHealthTimes }): MemberCluster {
  const status = { ...m.status };
  const hb = status.lastHeartbeatTime !== undefined ? Date.parse(status.lastHeartbeatTime) : NaN;
  const ageMs = Number.isNaN(hb) ? undefined : Math.max(0, opts.clock.now() - hb);
  if (ageMs !== undefined) status.heartbeatAgeSeconds = Math.floor(ageMs / 1000);
  status.phase ??= phaseFromHeartbeat(ageMs, opts.times);
  status.ready = status.phase === 'Ready';
  Object.assign(status, nodeTotals(nodes));
  return { ...m, spec: { cordoned: false, ...m.spec }, status };
}
