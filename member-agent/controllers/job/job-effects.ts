/**
 * What a job-controller step wants done to the cluster, as data. A phase computes a list of these;
 * the controller runs them in order of their `stage` and stops at the first failure, so a status is
 * never written for work that did not happen.
 */
import type { Pod } from '../../../shared/api/core.js';
import type { PodGroup } from '../../../shared/api/podgroup.js';

/** A namespaced object the job owns besides pods and its PodGroup (Service, ConfigMap, Secret, ...). */
export interface OwnedObject {
  apiVersion: string;
  kind: OwnedKind;
  metadata: { name: string; namespace: string; [key: string]: unknown };
  [key: string]: unknown;
}

export type OwnedKind = 'Service' | 'ConfigMap' | 'Secret' | 'NetworkPolicy' | 'PersistentVolumeClaim';

export type JobEffect =
  /** create the object; if it exists, replace its content (`replace`) or leave it as it is (`keep`) */
  | { kind: 'ensureObject'; object: OwnedObject; ifExists: 'replace' | 'keep' }
  /** delete the object; absent is fine */
  | { kind: 'deleteObject'; objectKind: OwnedKind; name: string }
  | { kind: 'createPodGroup'; podGroup: PodGroup }
  | { kind: 'updatePodGroupSpec'; podGroup: PodGroup }
  | { kind: 'deletePodGroup'; name: string }
  /** the pod is annotated out-of-sync first, so its delete event triggers no PodEvicted policy */
  | { kind: 'deletePod'; name: string; uid?: string }
  | { kind: 'createPod'; pod: Pod };

/** Order in which effect kinds run: owned objects before the PodGroup before pods. */
export function effectStage(effect: JobEffect): number {
  switch (effect.kind) {
    case 'ensureObject':
    case 'deleteObject':
      return 0;
    case 'createPodGroup':
    case 'updatePodGroupSpec':
      return 1;
    case 'deletePod':
      return 2;
    case 'createPod':
      return 3;
    case 'deletePodGroup':
      return 4;
  }
}
