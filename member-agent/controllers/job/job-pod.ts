/**
 * Builds replica `index` of a task as the job controller creates it: name `<job>-<task>-<i>`, the
 * template's labels and annotations plus Volcano's identity keys, owner = the Job, the job's
 * scheduler, priority class and volumes, then each plugin's edits.
 */
import type { Pod, PodSpec } from '../../../shared/api/core.js';
import type { Job, TaskSpec } from '../../../shared/api/job.js';
import {
  COOLDOWN_TIME_KEY,
  JDB_MAX_UNAVAILABLE_KEY,
  JDB_MIN_AVAILABLE_KEY,
  JOB_NAME_LABEL,
  JOB_NAMESPACE_LABEL,
  JOB_RETRY_COUNT_ANNOTATION,
  JOB_VERSION_ANNOTATION,
  NUMA_TOPOLOGY_POLICY_ANNOTATION,
  PARTITION_ID_LABEL,
  POD_GROUP_NAME_ANNOTATION,
  podName,
  PREEMPTABLE_KEY,
  QUEUE_NAME_LABEL,
  REVOCABLE_ZONE_KEY,
  TASK_INDEX_LABEL,
  TASK_SPEC_LABEL,
  TEMPLATE_UID_ANNOTATION,
} from '../../../shared/api/well-known.js';
import { jobName, jobNamespace, jobOwnerReference, podGroupNameOf, taskName } from './job-shape.js';
import type { PluginDeps } from './plugins/job-plugin.js';
import { PluginArgs } from './plugins/plugin-args.js';
import { jobPlugins } from './plugins/plugin-registry.js';
import { jobVolumeName } from './job-volumes.js';

export interface BuildPodInput {
  job: Job;
  task: TaskSpec;
  index: number;
  deps: PluginDeps;
}

export function buildJobPod({ job, task, index, deps }: BuildPodInput): Pod {
  const tmpl = structuredClone(task.template ?? {});
  const tname = taskName(task);
  const name = podName(jobName(job), tname, index);
  const queue = job.spec.queue ?? 'default';
  const version = String(job.status?.version ?? 0);

  const annotations: Record<string, string> = { ...(tmpl.metadata?.annotations ?? {}) };
  Object.assign(annotations, {
    [TASK_INDEX_LABEL]: String(index),
    [TASK_SPEC_LABEL]: tname,
    [POD_GROUP_NAME_ANNOTATION]: podGroupNameOf(job),
    [JOB_NAME_LABEL]: jobName(job),
    [QUEUE_NAME_LABEL]: queue,
    [JOB_VERSION_ANNOTATION]: version,
    [TEMPLATE_UID_ANNOTATION]: `${jobName(job)}-${tname}`,
    [JOB_RETRY_COUNT_ANNOTATION]: String(job.status?.retryCount ?? 0),
  });
  if (task.topologyPolicy) annotations[NUMA_TOPOLOGY_POLICY_ANNOTATION] = task.topologyPolicy;
  const jobAnn = job.metadata.annotations ?? {};
  for (const key of [PREEMPTABLE_KEY, COOLDOWN_TIME_KEY, REVOCABLE_ZONE_KEY]) {
    if (jobAnn[key] !== undefined) annotations[key] = jobAnn[key];
  }
  // A disruption budget is one of the two forms, never both.
  if (jobAnn[JDB_MIN_AVAILABLE_KEY] !== undefined) annotations[JDB_MIN_AVAILABLE_KEY] = jobAnn[JDB_MIN_AVAILABLE_KEY];
  else if (jobAnn[JDB_MAX_UNAVAILABLE_KEY] !== undefined) annotations[JDB_MAX_UNAVAILABLE_KEY] = jobAnn[JDB_MAX_UNAVAILABLE_KEY];

  const labels: Record<string, string> = { ...(tmpl.metadata?.labels ?? {}) };
  Object.assign(labels, {
    [TASK_INDEX_LABEL]: String(index),
    [JOB_NAME_LABEL]: jobName(job),
    [TASK_SPEC_LABEL]: tname,
    [JOB_NAMESPACE_LABEL]: jobNamespace(job),
    [QUEUE_NAME_LABEL]: queue,
  });
  const jobLabels = job.metadata.labels ?? {};
  for (const key of [PREEMPTABLE_KEY, COOLDOWN_TIME_KEY]) {
    if (jobLabels[key] !== undefined) labels[key] = jobLabels[key];
  }
  if (task.partitionPolicy && task.partitionPolicy.partitionSize > 0) {
    labels[PARTITION_ID_LABEL] = String(Math.floor(index / task.partitionPolicy.partitionSize));
  }

  const spec: PodSpec = tmpl.spec ?? { containers: [] };
  spec.containers ??= [];
  if (!spec.schedulerName && job.spec.schedulerName) spec.schedulerName = job.spec.schedulerName;
  if (!spec.priorityClassName && job.spec.priorityClassName) spec.priorityClassName = job.spec.priorityClassName;
  mountJobVolumes(job, spec);

  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: jobNamespace(job), labels, annotations, ownerReferences: [jobOwnerReference(job)] },
    spec,
  };
  for (const { plugin, args } of jobPlugins(job.spec.plugins)) {
    plugin.onPodCreate?.(pod, { job, args: new PluginArgs(args), deps });
  }
  return pod;
}

/** Every `spec.volumes` entry becomes a PVC volume mounted in every container. */
function mountJobVolumes(job: Job, spec: PodSpec): void {
  (job.spec.volumes ?? []).forEach((vol, i) => {
    const claim = vol.volumeClaimName;
    if (!claim) return;
    const name = jobVolumeName(job, i);
    const volumes = (spec.volumes ??= []);
    if (!volumes.some((v) => v.name === name)) volumes.push({ name, persistentVolumeClaim: { claimName: claim } });
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const mounts = (c.volumeMounts ??= []);
      if (!mounts.some((m) => m.mountPath === vol.mountPath)) mounts.push({ name, mountPath: vol.mountPath });
    }
  });
}
