/**
 * A job-controller plugin: it may edit each pod as it is built, and own objects that live as long
 * as the job's current run (created when the job is initiated, deleted on every kill).
 */
import type { Pod } from '../../../../shared/api/core.js';
import type { Job } from '../../../../shared/api/job.js';
import type { JobEffect } from '../job-effects.js';
import type { PluginArgs } from './plugin-args.js';

export interface SshKeyPair {
  /** PEM (PKCS#1) private key */
  privateKey: string;
  /** OpenSSH `ssh-rsa AAAA...` public key */
  publicKey: string;
}

/** What plugins may ask of the outside world; injected so plugin code stays deterministic in tests. */
export interface PluginDeps {
  generateSshKeyPair(): SshKeyPair;
}

export interface PluginContext {
  job: Job;
  args: PluginArgs;
  deps: PluginDeps;
}

export interface JobPlugin {
  readonly name: string;
  /** edits a pod being built (a fresh object the plugin may mutate) */
  onPodCreate?(pod: Pod, ctx: PluginContext): void;
  /** objects to create when the job is initiated; only called while the plugin's resources are not recorded */
  onJobAdd?(ctx: PluginContext): JobEffect[];
  /** objects to refresh on each later sync (the hosts ConfigMap after a scale) */
  onJobUpdate?(ctx: PluginContext): JobEffect[];
  /** objects to delete on a kill */
  onJobDelete?(ctx: PluginContext): JobEffect[];
}

/** The `status.controlledResources` key a plugin records itself under. */
export function pluginResourceKey(name: string): string {
  return `plugin-${name}`;
}
