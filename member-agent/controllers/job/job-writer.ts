/**
 * What the job controller needs from the cluster, and nothing more. Methods return the object as
 * the server stored it, so the controller's caches can take it at once instead of waiting for the
 * watch. Absent objects are not errors for deletes; an existing object is not an error for creates.
 */
import type { Pod } from '../../../shared/api/core.js';
import type { Job } from '../../../shared/api/job.js';
import type { PodGroup } from '../../../shared/api/podgroup.js';
import type { OwnedKind, OwnedObject } from './job-effects.js';

export interface JobWriter {
  /** the created pod, or undefined when one of that name already exists */
  createPod(pod: Pod): Promise<Pod | undefined>;
  /** annotates the pod out-of-sync; undefined when it is gone */
  markPodOutOfSync(namespace: string, name: string): Promise<Pod | undefined>;
  /** deletes the pod (only if its uid matches); the terminating pod, or undefined when it is gone */
  deletePod(namespace: string, name: string, uid?: string): Promise<Pod | undefined>;
  createPodGroup(pg: PodGroup): Promise<PodGroup | undefined>;
  /** replaces the PodGroup's spec (optimistic: fails on a stale resourceVersion) */
  replacePodGroup(pg: PodGroup): Promise<PodGroup>;
  deletePodGroup(namespace: string, name: string): Promise<void>;
  ensureObject(obj: OwnedObject, ifExists: 'replace' | 'keep'): Promise<void>;
  deleteObject(kind: OwnedKind, namespace: string, name: string): Promise<void>;
  /** writes the job's status (optimistic: fails with a conflict on a stale resourceVersion) */
  replaceJobStatus(job: Job): Promise<Job>;
  getJob(namespace: string, name: string): Promise<Job | undefined>;
}
