/**
 * One node of a member cluster as its agent reports it: what the scheduler needs to decide
 * node-accurate placements (allocatable, labels, taints, what is already requested, readiness).
 */
import { Type, type Static } from 'typebox';

/** Resource name → Kubernetes quantity (`'4'`, `'500m'`, `'16Gi'`, or a plain number). */
export const ResourceListSchema = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]));

export const TaintSchema = Type.Object({
  key: Type.String({ minLength: 1 }),
  value: Type.Optional(Type.String()),
  effect: Type.Union([Type.Literal('NoSchedule'), Type.Literal('PreferNoSchedule'), Type.Literal('NoExecute')]),
});

export const NodeInventorySchema = Type.Object({
  /** node name, unique inside its cluster */
  name: Type.String({ minLength: 1 }),
  /** what the kubelet offers to pods (`status.allocatable`) */
  allocatable: ResourceListSchema,
  /** raw machine size (`status.capacity`) */
  capacity: ResourceListSchema,
  labels: Type.Record(Type.String(), Type.String()),
  taints: Type.Array(TaintSchema),
  /** `spec.unschedulable` (kubectl cordon) */
  unschedulable: Type.Boolean(),
  /** Σ requests of every non-terminated pod bound to the node, Caldera's or not */
  requested: ResourceListSchema,
  /** number of non-terminated pods on the node */
  podCount: Type.Optional(Type.Integer({ minimum: 0 })),
  /** the node's Ready condition is True */
  ready: Type.Boolean(),
});

export type ResourceListWire = Static<typeof ResourceListSchema>;
export type NodeTaint = Static<typeof TaintSchema>;
export type NodeInventory = Static<typeof NodeInventorySchema>;
