/**
 * `svc`: the job's pods find each other by name. A headless Service `<job>` gives each pod a DNS
 * record `<pod>.<job>`; the ConfigMap `<job>-svc` lists every task's hosts (mounted at /etc/volcano,
 * and as VC_<TASK>_HOSTS / VC_<TASK>_NUM env vars); a NetworkPolicy admits only the job's own pods.
 */
import type { Pod } from '../../../../shared/api/core.js';
import type { Job } from '../../../../shared/api/job.js';
import { JOB_NAME_LABEL, JOB_NAMESPACE_LABEL } from '../../../../shared/api/well-known.js';
import type { JobEffect, OwnedObject } from '../job-effects.js';
import {
  allContainers,
  envTaskName,
  jobName,
  jobNamespace,
  jobOwnerReference,
  taskHosts,
  taskName,
  tasksOf,
} from '../job-shape.js';
import type { JobPlugin, PluginContext } from './job-plugin.js';

export const HOSTS_MOUNT_PATH = '/etc/volcano';

export function svcConfigMapName(job: Job): string {
  return `${jobName(job)}-svc`;
}

/** ConfigMap data: `<task>.host` newline lists plus the env-style keys. */
export function hostsData(job: Job): Record<string, string> {
  const data: Record<string, string> = {};
  for (const task of tasksOf(job)) {
    const name = taskName(task);
    const hosts = taskHosts(job, task);
    data[`${name.replace(/-/g, '_')}.host`] = hosts.join('\n');
    data[`VC_${envTaskName(name)}_HOSTS`] = hosts.join(',');
    data[`VC_${envTaskName(name)}_NUM`] = String(hosts.length);
  }
  return data;
}

function selector(job: Job): Record<string, string> {
  return { [JOB_NAME_LABEL]: jobName(job), [JOB_NAMESPACE_LABEL]: jobNamespace(job) };
}

function meta(job: Job, name: string) {
  return { name, namespace: jobNamespace(job), labels: selector(job), ownerReferences: [jobOwnerReference(job)] };
}

export function hostsConfigMap(job: Job): OwnedObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(job, svcConfigMapName(job)), data: hostsData(job) };
}

export function headlessService(job: Job, publishNotReady: boolean): OwnedObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(job, jobName(job)),
    spec: { clusterIP: 'None', selector: selector(job), publishNotReadyAddresses: publishNotReady },
  };
}

export function jobNetworkPolicy(job: Job): OwnedObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(job, jobName(job)),
    spec: {
      podSelector: { matchLabels: selector(job) },
      ingress: [{ from: [{ podSelector: { matchLabels: selector(job) } }] }],
      policyTypes: ['Ingress'],
    },
  };
}

function options(ctx: PluginContext) {
  return {
    publishNotReady: ctx.args.bool('publish-not-ready-addresses', false),
    disableNetworkPolicy: ctx.args.bool('disable-network-policy', false),
    injectHostsEnv: ctx.args.bool('inject-hosts-env', true),
  };
}

export const svcPlugin: JobPlugin = {
  name: 'svc',
  onPodCreate(pod: Pod, ctx) {
    const job = ctx.job;
    pod.spec.hostname ||= pod.metadata.name;
    pod.spec.subdomain ||= jobName(job);
    const volumeName = svcConfigMapName(job);
    const volumes = (pod.spec.volumes ??= []);
    if (!volumes.some((v) => v.name === volumeName)) {
      volumes.push({ name: volumeName, configMap: { name: svcConfigMapName(job) } });
    }
    const inject = options(ctx).injectHostsEnv;
    for (const c of allContainers(pod)) {
      const mounts = (c.volumeMounts ??= []);
      if (!mounts.some((m) => m.mountPath === HOSTS_MOUNT_PATH)) mounts.push({ name: volumeName, mountPath: HOSTS_MOUNT_PATH });
      if (!inject) continue;
      const env = (c.env ??= []);
      for (const task of tasksOf(job)) {
        for (const suffix of ['HOSTS', 'NUM']) {
          const key = `VC_${envTaskName(taskName(task))}_${suffix}`;
          if (env.some((e) => e.name === key)) continue;
          env.push({ name: key, valueFrom: { configMapKeyRef: { name: svcConfigMapName(job), key } } });
        }
      }
    }
  },
  onJobAdd(ctx) {
    const o = options(ctx);
    const effects: JobEffect[] = [
      { kind: 'ensureObject', object: hostsConfigMap(ctx.job), ifExists: 'replace' },
      { kind: 'ensureObject', object: headlessService(ctx.job, o.publishNotReady), ifExists: 'keep' },
    ];
    if (!o.disableNetworkPolicy) effects.push({ kind: 'ensureObject', object: jobNetworkPolicy(ctx.job), ifExists: 'keep' });
    return effects;
  },
  onJobUpdate(ctx) {
    return [{ kind: 'ensureObject', object: hostsConfigMap(ctx.job), ifExists: 'replace' }];
  },
  onJobDelete(ctx) {
    const name = jobName(ctx.job);
    return [
      { kind: 'deleteObject', objectKind: 'ConfigMap', name: svcConfigMapName(ctx.job) },
      { kind: 'deleteObject', objectKind: 'Service', name },
      { kind: 'deleteObject', objectKind: 'NetworkPolicy', name },
    ];
  },
};
