/**
 * Job volumes (`spec.volumes`): a `volumeClaim` makes the controller create a PVC for the job. Its
 * name is derived from the job's uid and the volume's position, so it is the same on every sync and
 * needs no write-back into the spec.
 */
import { createHash } from 'node:crypto';
import type { Job } from '../../../shared/api/job.js';
import type { JobEffect } from './job-effects.js';
import { jobName, jobNamespace, jobOwnerReference } from './job-shape.js';

function suffix(job: Job, index: number, salt: string): string {
  return createHash('sha256').update(`${job.metadata.uid ?? ''}/${index}/${salt}`).digest('hex').slice(0, 12);
}

/** Name of the PVC the controller creates for volume `index`. */
export function jobClaimName(job: Job, index: number): string {
  return `${jobName(job)}-pvc-${suffix(job, index, 'pvc')}`;
}

/** Name of the pod volume that mounts volume `index`. */
export function jobVolumeName(job: Job, index: number): string {
  return `${jobName(job).slice(0, 49)}-${suffix(job, index, 'vol')}`;
}

/** The job with every `volumeClaim`-only volume pointing at the claim the controller makes. */
export function withClaimNames(job: Job): Job {
  const vols = job.spec.volumes;
  if (!vols?.some((v) => !v.volumeClaimName && v.volumeClaim)) return job;
  return {
    ...job,
    spec: {
      ...job.spec,
      volumes: vols.map((v, i) => (v.volumeClaimName || !v.volumeClaim ? v : { ...v, volumeClaimName: jobClaimName(job, i) })),
    },
  };
}

/** PVCs to create for volumes that carry a claim spec. */
export function claimEffects(job: Job): JobEffect[] {
  const out: JobEffect[] = [];
  (job.spec.volumes ?? []).forEach((v, i) => {
    if (!v.volumeClaim) return;
    out.push({
      kind: 'ensureObject',
      ifExists: 'keep',
      object: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: v.volumeClaimName || jobClaimName(job, i), namespace: jobNamespace(job), ownerReferences: [jobOwnerReference(job)] },
        spec: v.volumeClaim,
      },
    });
  });
  return out;
}
