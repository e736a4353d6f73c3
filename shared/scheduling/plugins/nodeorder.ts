// nodeorder: Kubernetes-style node scores, each 0..100 times its weight, summed.
// least requested and most requested (cpu and memory after placing the task), balanced
// allocation (how even cpu and memory use would be), preferred node affinity (share of the
// preferred weight the node matches) and PreferNoSchedule taints (fewer untolerated is better).
// Every score reads only the task shape and the node, so the framework can cache it per node.

import type { NodeInfo } from '../node-info.js';
import { preferredWeights } from '../node-affinity.js';
import type { PluginDefinition } from '../plugin.js';
import type { TaskShape } from '../task-shape.js';
import { countUntolerated } from '../taints.js';

const MAX = 100;

/** Fraction of cpu (d 0) and memory (d 1) in use on the node once the shape is placed. */
function fraction(shape: TaskShape, node: NodeInfo, d: number): number {
  const alloc = node.allocatableOf(d);
  if (alloc <= 0) return 1;
  return (node.usedOf(d) + (shape.dense[d] as number)) / alloc;
}

export const nodeorderPlugin: PluginDefinition = {
  name: 'nodeorder',
  description: 'node scores: least/most requested, balanced allocation, preferred affinity, taints',
  arguments: {
    known: {
      'leastrequested.weight': 'number',
      'mostrequested.weight': 'number',
      'nodeaffinity.weight': 'number',
      'balancedresource.weight': 'number',
      'tainttoleration.weight': 'number',
    },
    ignored: ['podaffinity.weight', 'imagelocality.weight', 'podtopologyspread.weight', 'selectorspread.weight'],
  },
  create: (option) => {
    const a = option.arguments;
    const least = a.number('leastrequested.weight', 1);
    const most = a.number('mostrequested.weight', 0);
    const affinity = a.number('nodeaffinity.weight', 2);
    const balanced = a.number('balancedresource.weight', 1);
    const taint = a.number('tainttoleration.weight', 3);
    return {
      name: 'nodeorder',
      onSessionOpen(ssn) {
        const staticScores = new Map<number, Float64Array>();
        const staticScore = (shape: TaskShape, node: NodeInfo): number => {
          let cache = staticScores.get(shape.id);
          if (cache === undefined) staticScores.set(shape.id, (cache = new Float64Array(ssn.nodes.length).fill(Number.NaN)));
          let s = cache[node.index] as number;
          if (Number.isNaN(s)) {
            s = 0;
            const preferred = shape.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
            if (affinity !== 0 && preferred !== undefined && preferred.length > 0) {
              const w = preferredWeights(preferred, node);
              if (w.total > 0) s += (affinity * MAX * w.matched) / w.total;
            }
            if (taint !== 0) s += (taint * MAX) / (1 + countUntolerated(node.taints, shape.tolerations, 'PreferNoSchedule'));
            cache[node.index] = s;
          }
          return s;
        };
        ssn.add('nodeorder', 'nodeOrder', (shape, node) => {
          const fc = fraction(shape, node, 0);
          const fm = fraction(shape, node, 1);
          let score = staticScore(shape, node);
          if (least !== 0) score += (least * MAX * (Math.max(0, 1 - fc) + Math.max(0, 1 - fm))) / 2;
          if (most !== 0) score += (most * MAX * (Math.min(1, fc) + Math.min(1, fm))) / 2;
          if (balanced !== 0 && fc <= 1 && fm <= 1) score += balanced * MAX * (1 - Math.abs(fc - fm) / 2);
          return score;
        });
      },
    };
  },
};
