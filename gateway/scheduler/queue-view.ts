/** A Volcano Queue as the scheduling core sees it. */
import type { ResourceList } from '../../shared/api/core.js';
import type { Queue } from '../../shared/api/queue.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import type { QueueSnapshot } from '../../shared/scheduling/snapshot.js';

function vector(list: ResourceList | undefined): ResourceVector | undefined {
  if (list === undefined || Object.keys(list).length === 0) return undefined;
  try {
    return ResourceVector.fromQuantities(list);
  } catch {
    return undefined; // admission validated it; an unreadable list is treated as absent
  }
}

export function queueSnapshot(q: Queue): QueueSnapshot {
  const created = Date.parse(q.metadata.creationTimestamp ?? '');
  const capability = vector(q.spec.capability);
  const deserved = vector(q.spec.deserved);
  const guarantee = vector(q.spec.guarantee?.resource);
  return {
    name: q.metadata.name ?? '',
    weight: q.spec.weight ?? 1,
    ...(capability ? { capability } : {}),
    ...(deserved ? { deserved } : {}),
    ...(guarantee ? { guarantee } : {}),
    reclaimable: q.spec.reclaimable ?? true,
    state: q.status?.state ?? 'Open',
    ...(q.spec.parent !== undefined ? { parent: q.spec.parent } : {}),
    priority: q.spec.priority ?? 0,
    ...(q.metadata.annotations ? { annotations: q.metadata.annotations } : {}),
    creationTimestamp: Number.isFinite(created) ? created : 0,
  };
}
