/**
 * The leader's picture for the gateway's metrics: queues (deserved, allocated, share), member
 * inventories and what is held on them, and reservations per member. Published with queue usage
 * (every few seconds), not per cycle.
 */
import type { QueueStatusUpdate } from '../../shared/scheduling/index.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import type { GatewayMetrics, QueueResourceView } from '../metrics.js';
import type { FederationState } from './federation-state.js';
import { internedVector } from './node-view.js';

export function publishFederationMetrics(metrics: GatewayMetrics, state: FederationState, queueStatus: readonly QueueStatusUpdate[] | undefined): void {
  let total = ResourceVector.empty();
  const members: Array<{ cluster: string; allocatable: Record<string, number>; allocated: Record<string, number> }> = [];
  for (const m of state.members.values()) {
    let allocatable = ResourceVector.empty();
    let used = ResourceVector.empty();
    for (const node of m.nodes.values()) {
      allocatable = allocatable.add(internedVector(node.allocatable));
      let u = internedVector(node.requested);
      const bound = m.bound.get(node.name);
      const reserved = m.reserved.get(node.name);
      if (bound) u = u.max(bound.request);
      if (reserved) u = u.add(reserved.request);
      used = used.add(u);
    }
    total = total.add(allocatable);
    members.push({ cluster: m.name, allocatable: allocatable.toAmounts(), allocated: used.toAmounts() });
    let reservations = 0;
    for (const id of m.placed) if (state.jobs.get(id)?.reserved) reservations++;
    metrics.reservations.set({ cluster: m.name }, reservations);
  }
  metrics.recordMemberResources(members);
  const status = new Map((queueStatus ?? []).map((q) => [q.queue, q]));
  const views: QueueResourceView[] = [];
  for (const [queue, u] of state.queueUsage()) {
    const q = status.get(queue);
    views.push({
      queue,
      weight: state.queues.get(queue)?.spec.weight ?? 1,
      allocated: u.allocated.toAmounts(),
      ...(q?.deserved ? { deserved: q.deserved.toAmounts() } : {}),
      ...(q?.share !== undefined ? { share: q.share } : {}),
    });
  }
  metrics.recordQueues({ queues: views, total: total.toAmounts() });
}
