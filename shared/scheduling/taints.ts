// Taints and tolerations, as the Kubernetes scheduler matches them.

import type { Taint, TaintEffect, Toleration } from '../api/core.js';

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== '' && toleration.effect !== taint.effect) return false;
  const operator = toleration.operator ?? 'Equal';
  if (toleration.key === undefined || toleration.key === '') return operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

/** The first taint with one of `effects` that no toleration tolerates. */
export function untoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[] | undefined,
  effects: readonly TaintEffect[],
): Taint | undefined {
  for (const taint of taints) {
    if (!effects.includes(taint.effect)) continue;
    if (tolerations === undefined || !tolerations.some((t) => tolerates(t, taint))) return taint;
  }
  return undefined;
}

/** Number of taints with `effect` that no toleration tolerates. */
export function countUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined, effect: TaintEffect): number {
  let n = 0;
  for (const taint of taints) {
    if (taint.effect !== effect) continue;
    if (tolerations === undefined || !tolerations.some((t) => tolerates(t, taint))) n++;
  }
  return n;
}
