// A pod's effective request and limits, computed the way the Kubernetes scheduler and kubelet do.
//
// Requests: each regular init container runs alone (beside the sidecars started before it), the
// app containers run together with every sidecar, so per resource
//   request = max(sum of containers + sum of sidecars,
//                 max over init containers of (its request + sidecars started before it,
//                                              or, for a sidecar, all sidecars up to it))
//             + pod overhead.
// A sidecar is an init container with `restartPolicy: Always` (Kubernetes ≥ 1.29).
// A container that sets a limit but no request for a resource requests its limit (API defaulting).
// Limits follow the same formula over limits; overhead is added only to limits that are set and
// non-zero, since an absent limit means unbounded.

import type { Container, PodSpec, ResourceList } from '../api/core.js';
import { ResourceVector } from './resource-vector.js';

export type { PodSpec } from '../api/core.js';

/** The resources a pod needs on its node to be scheduled there. */
export function podRequest(spec: PodSpec): ResourceVector {
  const total = aggregate(spec, containerRequests);
  return spec.overhead === undefined ? total : total.add(ResourceVector.fromQuantities(spec.overhead));
}

/** The pod's limits, per resource that some container limits. */
export function podLimits(spec: PodSpec): ResourceVector {
  const total = aggregate(spec, containerLimits);
  if (spec.overhead === undefined) return total;
  const overhead = ResourceVector.fromQuantities(spec.overhead);
  let limits = total;
  for (const name of overhead.names()) {
    const limit = total.get(name);
    if (limit !== 0) limits = limits.with(name, limit + overhead.get(name));
  }
  return limits;
}

/** Requests as the API server defaults them: every limit without a request becomes the request. */
function containerRequests(c: Container): ResourceList | undefined {
  const requests = c.resources?.requests;
  const limits = c.resources?.limits;
  if (limits === undefined) return requests;
  if (requests === undefined) return limits;
  const merged: ResourceList = { ...requests };
  for (const name of Object.keys(limits)) {
    if (!(name in merged)) merged[name] = limits[name] as string | number;
  }
  return merged;
}

function containerLimits(c: Container): ResourceList | undefined {
  return c.resources?.limits;
}

function vectorOf(list: ResourceList | undefined): ResourceVector {
  return list === undefined ? ResourceVector.empty() : ResourceVector.fromQuantities(list);
}

function aggregate(spec: PodSpec, resourcesOf: (c: Container) => ResourceList | undefined): ResourceVector {
  let running = ResourceVector.empty();
  for (const c of spec.containers) running = running.add(vectorOf(resourcesOf(c)));

  let sidecars = ResourceVector.empty();
  let initPeak = ResourceVector.empty();
  for (const c of spec.initContainers ?? []) {
    const own = vectorOf(resourcesOf(c));
    let during: ResourceVector;
    if (c.restartPolicy === 'Always') {
      // a sidecar keeps running next to the app containers
      running = running.add(own);
      sidecars = sidecars.add(own);
      during = sidecars;
    } else {
      during = own.add(sidecars);
    }
    initPeak = initPeak.max(during);
  }
  return running.max(initPeak);
}
