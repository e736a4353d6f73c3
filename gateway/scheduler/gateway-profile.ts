/**
 * The scheduler configuration the gateway runs over the whole federation: admission (enqueue) and
 * gang-complete placement (allocate); fair share by queue weight over the federation's total
 * (proportion, drf), job priority, node-accurate fit (predicates, binpack), one cluster per gang
 * (domain) and waiting-time guarantees (sla).
 *
 * Reclaim across queues is the gateway's own step after each cycle (gateway/reclaim): it evicts
 * whole gangs through their members. The core's task-level `reclaim` action is left out because
 * the cycle does not see running gangs task by task (they are accounted on nodes and in queue
 * ledgers), so it would find nothing to evict; a configuration may still name it.
 */
import {
  defaultRegistry,
  parseSchedulerConfig,
  type Registry,
  type SchedulerConfig,
} from '../../shared/scheduling/index.js';

export const GATEWAY_SCHEDULER_CONF = `actions: "enqueue, allocate"
tiers:
- plugins:
  - name: priority
  - name: gang
- plugins:
  - name: drf
  - name: predicates
  - name: proportion
  - name: binpack
  - name: domain
  - name: sla
`;

/** The gateway profile, or the configuration text given (Volcano's actions + tiers YAML). */
export function gatewaySchedulerConfig(text: string = GATEWAY_SCHEDULER_CONF, registry: Registry = defaultRegistry): SchedulerConfig {
  return parseSchedulerConfig(text, { registry });
}
