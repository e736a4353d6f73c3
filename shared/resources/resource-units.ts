// How each resource name is counted in a ResourceVector.

/** The unit a resource's integer amount is kept in. */
export type ResourceUnit =
  | 'milli' // thousandths of the quantity (cpu: milli-cores)
  | 'bytes' // whole bytes (memory, ephemeral-storage, hugepages-*)
  | 'units'; // whole units, rounded up (pods, nvidia.com/gpu, ...)

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';
export const HUGEPAGES_PREFIX = 'hugepages-';

export function resourceUnit(name: string): ResourceUnit {
  if (name === CPU) return 'milli';
  if (name === MEMORY || name === EPHEMERAL_STORAGE || name === 'storage' || name.startsWith(HUGEPAGES_PREFIX)) {
    return 'bytes';
  }
  return 'units';
}
