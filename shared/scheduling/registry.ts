// The one explicit list of actions and plugins a configuration may name. Adding an action or a
// plugin is one file plus one line here (see docs/scheduling.md).

import { allocateAction } from './actions/allocate.js';
import { backfillAction } from './actions/backfill.js';
import { enqueueAction } from './actions/enqueue.js';
import { preemptAction } from './actions/preempt.js';
import { reclaimAction } from './actions/reclaim.js';
import type { Action, PluginDefinition } from './plugin.js';
import { binpackPlugin } from './plugins/binpack.js';
import { capacityPlugin } from './plugins/capacity.js';
import { conformancePlugin } from './plugins/conformance.js';
import { domainPlugin } from './plugins/domain.js';
import { drfPlugin } from './plugins/drf.js';
import { gangPlugin } from './plugins/gang.js';
import { nodeorderPlugin } from './plugins/nodeorder.js';
import { overcommitPlugin } from './plugins/overcommit.js';
import { predicatesPlugin } from './plugins/predicates.js';
import { priorityPlugin } from './plugins/priority.js';
import { proportionPlugin } from './plugins/proportion.js';
import { slaPlugin } from './plugins/sla.js';
import type { Registry } from './registry-types.js';

export type { Registry } from './registry-types.js';

export const ACTIONS: Readonly<Record<string, Action>> = Object.freeze({
  enqueue: enqueueAction,
  allocate: allocateAction,
  backfill: backfillAction,
  preempt: preemptAction,
  reclaim: reclaimAction,
});

export const PLUGINS: Readonly<Record<string, PluginDefinition>> = Object.freeze({
  priority: priorityPlugin,
  gang: gangPlugin,
  conformance: conformancePlugin,
  drf: drfPlugin,
  proportion: proportionPlugin,
  capacity: capacityPlugin,
  predicates: predicatesPlugin,
  nodeorder: nodeorderPlugin,
  binpack: binpackPlugin,
  overcommit: overcommitPlugin,
  sla: slaPlugin,
  domain: domainPlugin,
});

export const defaultRegistry: Registry = Object.freeze({ actions: ACTIONS, plugins: PLUGINS });

/** A registry with extra (or replaced) actions and plugins, for embedding custom ones. */
export function extendRegistry(base: Registry, extra: { actions?: readonly Action[]; plugins?: readonly PluginDefinition[] }): Registry {
  const actions: Record<string, Action> = { ...base.actions };
  const plugins: Record<string, PluginDefinition> = { ...base.plugins };
  for (const a of extra.actions ?? []) actions[a.name] = a;
  for (const p of extra.plugins ?? []) plugins[p.name] = p;
  return Object.freeze({ actions: Object.freeze(actions), plugins: Object.freeze(plugins) });
}
