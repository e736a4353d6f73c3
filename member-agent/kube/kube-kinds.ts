/** The Kubernetes kinds the agent reads or writes, with where they live in the API. */

export interface KubeKind {
  /** `v1` or `group/version` */
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const POD: KubeKind = { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true };
export const NODE: KubeKind = { apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false };
export const NAMESPACE: KubeKind = { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
export const SERVICE: KubeKind = { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true };
export const CONFIG_MAP: KubeKind = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
export const SECRET: KubeKind = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
export const PVC: KubeKind = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true };
export const EVENT: KubeKind = { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true };
export const NETWORK_POLICY: KubeKind = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true };
export const LEASE: KubeKind = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true };
export const PRIORITY_CLASS: KubeKind = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false };
export const VC_JOB: KubeKind = { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', plural: 'jobs', namespaced: true };
export const POD_GROUP: KubeKind = { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'PodGroup', plural: 'podgroups', namespaced: true };
export const QUEUE: KubeKind = { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', plural: 'queues', namespaced: false };

export const KINDS_BY_NAME: Readonly<Record<string, KubeKind>> = Object.fromEntries(
  [POD, NODE, NAMESPACE, SERVICE, CONFIG_MAP, SECRET, PVC, EVENT, NETWORK_POLICY, LEASE, PRIORITY_CLASS, VC_JOB, POD_GROUP, QUEUE].map(
    (k) => [`${k.apiVersion}/${k.kind}`, k],
  ),
);

/** `/api/v1/...` or `/apis/group/version/...` for a kind, optionally in one namespace. */
export function collectionPath(kind: KubeKind, namespace?: string): string {
  const root = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
  const ns = kind.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${kind.plural}`;
}

export function groupOf(kind: KubeKind): string {
  return kind.apiVersion.includes('/') ? (kind.apiVersion.split('/')[0] ?? '') : '';
}

export function versionOf(kind: KubeKind): string {
  return kind.apiVersion.includes('/') ? (kind.apiVersion.split('/')[1] ?? '') : kind.apiVersion;
}
