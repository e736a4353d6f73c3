/** A kubeconfig for a simulated cluster: one cluster, one user, one context, as object and as YAML. */
import * as k8s from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import YAML from 'yaml';

export interface SimKubeconfig {
  /** ready for `makeApiClient`, `Watch` and informers */
  config: k8s.KubeConfig;
  /** the same, as a kubeconfig file kubectl reads */
  yaml: string;
}

export function simKubeconfig(opts: { name: string; server: string; token?: string; namespace?: string }): SimKubeconfig {
  const name = `sim-${opts.name}`;
  const namespace = opts.namespace ?? 'default';
  const config = new k8s.KubeConfig();
  // client-node refuses plain http unless TLS verification is marked as skipped.
  config.loadFromOptions({
    clusters: [{ name, server: opts.server, skipTLSVerify: true }],
    users: [{ name, ...(opts.token ? { token: opts.token } : {}) }],
    contexts: [{ name, cluster: name, user: name, namespace }],
    currentContext: name,
  });
  const yaml = YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: opts.token ? { token: opts.token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace } }],
    'current-context': name,
    preferences: {},
  });
  return { config, yaml };
}

/** Writes a kubeconfig readable only by its owner (it may hold a token). */
export function writeKubeconfig(path: string, yaml: string): void {
  writeFileSync(path, yaml, { mode: 0o600 });
}
