// binpack: prefers nodes that are fuller once the task is placed, per resource weight:
//   score = Σ_r w_r · (used_r + request_r) / allocatable_r  /  Σ_r w_r  · 100 · binpack.weight
// over the resources the task requests that have a weight; a resource that would overflow makes
// the node's score 0. Extended resources join with `binpack.resources: "nvidia.com/gpu, ..."` and
// `binpack.resources.<name>: <weight>`.

import type { PluginDefinition } from '../plugin.js';

export const binpackPlugin: PluginDefinition = {
  name: 'binpack',
  description: 'scores nodes by how full they would be, with per-resource weights',
  arguments: {
    known: { 'binpack.weight': 'number', 'binpack.cpu': 'number', 'binpack.memory': 'number', 'binpack.resources': 'string' },
    prefixes: { 'binpack.resources.': 'number' },
  },
  create: (option) => {
    const a = option.arguments;
    const weight = a.number('binpack.weight', 1);
    const resourceWeights = new Map<string, number>([
      ['cpu', a.number('binpack.cpu', 1)],
      ['memory', a.number('binpack.memory', 1)],
    ]);
    for (const name of a.string('binpack.resources', '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      resourceWeights.set(name, a.number(`binpack.resources.${name}`, 1));
    }
    return {
      name: 'binpack',
      onSessionOpen(ssn) {
        if (weight === 0) return;
        const byDim = new Float64Array(ssn.space.size);
        for (const [name, w] of resourceWeights) {
          const d = ssn.space.dim(name);
          if (d >= 0 && w > 0) byDim[d] = w;
        }
        ssn.add('binpack', 'nodeOrder', (shape, node) => {
          let score = 0;
          let weights = 0;
          const dims = shape.dims;
          for (let k = 0; k < dims.length; k++) {
            const d = dims[k] as number;
            const w = byDim[d] as number;
            if (w === 0) continue;
            const capacity = node.allocatableOf(d);
            if (capacity <= 0) continue;
            const after = node.usedOf(d) + (shape.amounts[k] as number);
            if (after > capacity) return 0;
            score += (w * after) / capacity;
            weights += w;
          }
          return weights === 0 ? 0 : (score / weights) * 100 * weight;
        });
      },
    };
  },
};
