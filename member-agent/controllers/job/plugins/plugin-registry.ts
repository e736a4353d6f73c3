/** The job plugins this controller knows, by the names `spec.plugins` uses. */
import { envPlugin } from './env-plugin.js';
import { hcclRankPlugin } from './hccl-rank-plugin.js';
import type { JobPlugin } from './job-plugin.js';
import { mpiPlugin } from './mpi-plugin.js';
import { pytorchPlugin } from './pytorch-plugin.js';
import { sshPlugin } from './ssh-plugin.js';
import { svcPlugin } from './svc-plugin.js';
import { tensorflowPlugin } from './tensorflow-plugin.js';

export const JOB_PLUGINS: ReadonlyMap<string, JobPlugin> = new Map(
  [envPlugin, svcPlugin, sshPlugin, pytorchPlugin, tensorflowPlugin, mpiPlugin, hcclRankPlugin].map((p) => [p.name, p]),
);

/** The job's plugins that this controller implements, in a fixed order, with their arguments. */
export function jobPlugins(plugins: Record<string, string[]> | undefined): { plugin: JobPlugin; args: string[] }[] {
  const out: { plugin: JobPlugin; args: string[] }[] = [];
  for (const [name, plugin] of JOB_PLUGINS) {
    const args = plugins?.[name];
    if (args !== undefined) out.push({ plugin, args: Array.isArray(args) ? args : [] });
  }
  return out;
}

/** Plugin names the job asks for that this controller does not implement (e.g. `ray`). */
export function unsupportedPlugins(plugins: Record<string, string[]> | undefined): string[] {
  return Object.keys(plugins ?? {}).filter((n) => !JOB_PLUGINS.has(n));
}
