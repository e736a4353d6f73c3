// predicates: which nodes a task may use at all. Static checks (cached per task shape): node
// unschedulable, nodeSelector and required node affinity, NoSchedule/NoExecute taints. State
// check: the node's pod count limit. Resources are checked by the framework for every plugin
// configuration (Insufficient <resource>).

import type { PluginDefinition } from '../plugin.js';
import { matchesAnyTerm, matchesNodeSelector } from '../node-affinity.js';
import { untoleratedTaint } from '../taints.js';

export const NODE_UNSCHEDULABLE = 'node(s) were unschedulable';
export const NODE_AFFINITY_MISMATCH = "node(s) didn't match Pod's node affinity/selector";
export const TOO_MANY_PODS = 'Too many pods';

export const predicatesPlugin: PluginDefinition = {
  name: 'predicates',
  description: 'node filters: unschedulable, node selector and affinity, taints, pod count',
  arguments: {
    known: {
      'predicate.NodeAffinityEnable': 'boolean',
      'predicate.TaintTolerationEnable': 'boolean',
      'predicate.NodeUnschedulableEnable': 'boolean',
      'predicate.PodNumberEnable': 'boolean',
    },
    ignored: [
      'predicate.NodePortsEnable', 'predicate.PodAffinityEnable', 'predicate.NodeVolumeLimitsEnable',
      'predicate.VolumeZoneEnable', 'predicate.PodTopologySpreadEnable', 'predicate.VolumeBindingEnable',
      'predicate.DynamicResourceAllocationEnable', 'predicate.CacheEnable', 'predicate.GPUSharingEnable',
      'predicate.GPUNumberEnable', 'predicate.ProportionalEnable',
    ],
  },
  create: (option) => {
    const args = option.arguments;
    const affinity = args.boolean('predicate.NodeAffinityEnable', true);
    const taints = args.boolean('predicate.TaintTolerationEnable', true);
    const unschedulable = args.boolean('predicate.NodeUnschedulableEnable', true);
    const podNumber = args.boolean('predicate.PodNumberEnable', true);
    return {
      name: 'predicates',
      onSessionOpen(ssn) {
        ssn.add('predicates', 'predicate', (shape, node) => {
          if (unschedulable && node.unschedulable) return NODE_UNSCHEDULABLE;
          if (affinity) {
            if (!matchesNodeSelector(shape.nodeSelector, node)) return NODE_AFFINITY_MISMATCH;
            const required = shape.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
            if (required !== undefined && !matchesAnyTerm(required.nodeSelectorTerms, node)) return NODE_AFFINITY_MISMATCH;
          }
          if (taints && node.taints.length > 0) {
            const taint = untoleratedTaint(node.taints, shape.tolerations, ['NoSchedule', 'NoExecute']);
            if (taint !== undefined) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
          }
          return undefined;
        });
        if (podNumber) {
          ssn.add('predicates', 'nodeFit', (_shape, node) => (node.podCount + 1 > node.maxPods ? TOO_MANY_PODS : undefined));
        }
      },
    };
  },
};
