/**
 * Facts derived from a vcjob's spec that several parts of the controller need: names, replica
 * counts, host names, the owner reference its objects carry.
 */
import type { Container, OwnerReference, Pod } from '../../../shared/api/core.js';
import { JOB_API_VERSION, JOB_KIND, type Job, type TaskSpec } from '../../../shared/api/job.js';
import {
  jobPodGroupName,
  podName,
  TASK_INDEX_LABEL,
  TASK_SPEC_LABEL,
} from '../../../shared/api/well-known.js';

export function jobName(job: Job): string {
  return job.metadata.name ?? '';
}

export function jobNamespace(job: Job): string {
  return job.metadata.namespace ?? 'default';
}

export function tasksOf(job: Job): TaskSpec[] {
  return job.spec.tasks ?? [];
}

/** Task name as pods carry it: the webhook defaults empty names, `default` is the last resort. */
export function taskName(task: TaskSpec): string {
  return task.name ?? 'default';
}

export function replicasOf(task: TaskSpec): number {
  return Math.max(0, task.replicas ?? 0);
}

export function totalReplicas(job: Job): number {
  return tasksOf(job).reduce((n, t) => n + replicasOf(t), 0);
}

export function findTask(job: Job, name: string | undefined): TaskSpec | undefined {
  if (name === undefined) return undefined;
  return tasksOf(job).find((t) => taskName(t) === name);
}

export function minAvailableOf(job: Job): number {
  return job.spec.minAvailable ?? totalReplicas(job);
}

export function podGroupNameOf(job: Job): string {
  return jobPodGroupName(jobName(job), job.metadata.uid ?? '');
}

export function jobOwnerReference(job: Job): OwnerReference {
  return {
    apiVersion: JOB_API_VERSION,
    kind: JOB_KIND,
    name: jobName(job),
    uid: job.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * DNS names of a task's replicas: `<hostname>.<subdomain>` where the template's hostname and
 * subdomain win over `<job>-<task>-<i>` and `<job>`. A fixed hostname yields a single entry.
 */
export function taskHosts(job: Job, task: TaskSpec): string[] {
  const spec = task.template?.spec;
  const sub = spec?.subdomain || jobName(job);
  if (spec?.hostname) return [`${spec.hostname}.${sub}`];
  const hosts: string[] = [];
  for (let i = 0; i < replicasOf(task); i++) hosts.push(`${podName(jobName(job), taskName(task), i)}.${sub}`);
  return hosts;
}

/** The host of replica `i` of a task, honouring the template's hostname and subdomain. */
export function taskHost(job: Job, task: TaskSpec, index: number): string {
  const spec = task.template?.spec;
  const sub = spec?.subdomain || jobName(job);
  const host = spec?.hostname || podName(jobName(job), taskName(task), index);
  return `${host}.${sub}`;
}

export function podTaskName(pod: Pod): string | undefined {
  return pod.metadata.annotations?.[TASK_SPEC_LABEL] ?? pod.metadata.labels?.[TASK_SPEC_LABEL];
}

/** Replica index from the pod's label, else from the last `-` segment of its name. */
export function podIndex(pod: Pod): number {
  const label = pod.metadata.labels?.[TASK_INDEX_LABEL] ?? pod.metadata.annotations?.[TASK_INDEX_LABEL];
  if (label !== undefined && /^\d+$/.test(label)) return Number(label);
  const name = pod.metadata.name ?? '';
  const tail = name.slice(name.lastIndexOf('-') + 1);
  return /^\d+$/.test(tail) ? Number(tail) : 0;
}

/** Every container of the pod, init containers included. */
export function allContainers(pod: Pod): Container[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}

/** `VC_<TASK>` style env-name fragment: upper case, `-` → `_`. */
export function envTaskName(task: string): string {
  return task.toUpperCase().replace(/-/g, '_');
}

/** Adds or replaces an env var on a container. */
export function setEnv(c: Container, name: string, value: string): void {
  const env = (c.env ??= []);
  const at = env.findIndex((e) => e.name === name);
  if (at >= 0) env[at] = { name, value };
  else env.push({ name, value });
}
