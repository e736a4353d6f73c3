// conformance: never evicts critical system pods (kube-system, system-*-critical classes).

import type { PluginDefinition } from '../plugin.js';
import type { TaskInfo } from '../task-info.js';

const CRITICAL_CLASSES = new Set(['system-cluster-critical', 'system-node-critical']);

function evictable(t: TaskInfo): boolean {
  return t.job.namespace !== 'kube-system' && !CRITICAL_CLASSES.has(t.snapshot.priorityClassName ?? '');
}

export const conformancePlugin: PluginDefinition = {
  name: 'conformance',
  description: 'protects kube-system and system-critical pods from preemption and reclaim',
  arguments: {},
  create: () => ({
    name: 'conformance',
    onSessionOpen(ssn) {
      ssn.add('conformance', 'preemptable', (_p, candidates) => candidates.filter(evictable));
      ssn.add('conformance', 'reclaimable', (_p, candidates) => candidates.filter(evictable));
    },
  }),
};
