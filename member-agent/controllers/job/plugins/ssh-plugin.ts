/**
 * `ssh`: password-less ssh between the job's pods. One Secret `<job>-ssh` holds a key pair (generated
 * unless given as arguments), `authorized_keys` and an ssh `config` naming every pod; each container
 * mounts it at the key path (default /root/.ssh).
 */
import type { Pod } from '../../../../shared/api/core.js';
import type { Job } from '../../../../shared/api/job.js';
import { podName } from '../../../../shared/api/well-known.js';
import type { OwnedObject } from '../job-effects.js';
import { allContainers, jobName, jobNamespace, jobOwnerReference, replicasOf, taskName, tasksOf } from '../job-shape.js';
import type { JobPlugin, PluginContext } from './job-plugin.js';

export const DEFAULT_SSH_PATH = '/root/.ssh';
const KEYS = ['id_rsa', 'id_rsa.pub', 'authorized_keys', 'config'] as const;

export function sshSecretName(job: Job): string {
  return `${jobName(job)}-ssh`;
}

/** The ssh client config: no host-key prompts, and a `Host` entry per pod with its DNS name. */
export function sshConfig(job: Job, port: number): string {
  const lines = ['StrictHostKeyChecking no', 'UserKnownHostsFile /dev/null'];
  for (const task of tasksOf(job)) {
    const spec = task.template?.spec;
    const sub = spec?.subdomain || jobName(job);
    const count = spec?.hostname ? 1 : replicasOf(task);
    for (let i = 0; i < count; i++) {
      const host = spec?.hostname || podName(jobName(job), taskName(task), i);
      lines.push(`Host ${host}`, `  HostName ${host}.${sub}`, `  Port ${port}`);
    }
  }
  return lines.join('\n') + '\n';
}

function sshOptions(ctx: PluginContext) {
  return {
    path: ctx.args.string('ssh-key-file-path', DEFAULT_SSH_PATH),
    privateKey: ctx.args.string('ssh-private-key', ''),
    publicKey: ctx.args.string('ssh-public-key', ''),
    port: ctx.args.int('ssh-port', 22),
  };
}

export function sshSecret(ctx: PluginContext): OwnedObject {
  const o = sshOptions(ctx);
  const pair = o.privateKey && o.publicKey ? { privateKey: o.privateKey, publicKey: o.publicKey } : ctx.deps.generateSshKeyPair();
  const data = {
    id_rsa: pair.privateKey,
    'id_rsa.pub': pair.publicKey,
    authorized_keys: pair.publicKey,
    config: sshConfig(ctx.job, o.port),
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name: sshSecretName(ctx.job), namespace: jobNamespace(ctx.job), ownerReferences: [jobOwnerReference(ctx.job)] },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export const sshPlugin: JobPlugin = {
  name: 'ssh',
  onPodCreate(pod: Pod, ctx) {
    const o = sshOptions(ctx);
    const name = sshSecretName(ctx.job);
    // Keys must not be readable by others under root's own path; elsewhere the owner may differ.
    const mode = o.path === DEFAULT_SSH_PATH ? 0o600 : 0o644;
    const volumes = (pod.spec.volumes ??= []);
    if (!volumes.some((v) => v.name === name)) {
      volumes.push({
        name,
        secret: {
          secretName: name,
          defaultMode: mode,
          items: KEYS.map((key, i) => ({ key, path: `.ssh/${key}`, ...(i === 0 && mode !== 0o600 ? { mode: 0o600 } : {}) })),
        },
      });
    }
    for (const c of allContainers(pod)) {
      const mounts = (c.volumeMounts ??= []);
      if (!mounts.some((m) => m.mountPath === o.path)) mounts.push({ name, mountPath: o.path, subPath: '.ssh' });
    }
  },
  onJobAdd(ctx) {
    return [{ kind: 'ensureObject', object: sshSecret(ctx), ifExists: 'keep' }];
  },
  onJobDelete(ctx) {
    return [{ kind: 'deleteObject', objectKind: 'Secret', name: sshSecretName(ctx.job) }];
  },
};
