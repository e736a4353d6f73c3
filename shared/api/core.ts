/**
 * The part of Kubernetes core/v1 (and meta/v1) that Caldera reads when it schedules pods.
 * Each object keeps the fields it does not model through an index signature, so a manifest
 * survives a round trip through these types untouched.
 */

/** Resource name → quantity, e.g. `{ cpu: '500m', memory: '1Gi', 'nvidia.com/gpu': 1 }`. */
export type ResourceList = Record<string, string | number>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
  [key: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** RFC 3339 timestamp. */
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [key: string]: unknown;
}

export interface TypeMeta {
  apiVersion: string;
  kind: string;
}

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
  [key: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  /** fieldRef, configMapKeyRef, secretKeyRef, ... kept as given. */
  valueFrom?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  /** 'TCP' | 'UDP' | 'SCTP'; default TCP. */
  protocol?: string;
  [key: string]: unknown;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  /** `Always` on an init container makes it a restartable sidecar. */
  restartPolicy?: string;
  [key: string]: unknown;
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  values?: string[];
  [key: string]: unknown;
}

/** Requirements inside one term are ANDed. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
  [key: string]: unknown;
}

/** Terms are ORed. */
export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
  [key: string]: unknown;
}

export interface PreferredSchedulingTerm {
  /** 1..100 */
  weight: number;
  preference: NodeSelectorTerm;
  [key: string]: unknown;
}

export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector;
  preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
  [key: string]: unknown;
}

export interface Affinity {
  nodeAffinity?: NodeAffinity;
  /** Pod (anti-)affinity is carried but not interpreted. */
  podAffinity?: Record<string, unknown>;
  podAntiAffinity?: Record<string, unknown>;
  [key: string]: unknown;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Toleration {
  key?: string;
  /** 'Exists' | 'Equal'; default Equal. */
  operator?: 'Exists' | 'Equal';
  value?: string;
  /** Empty matches every effect. */
  effect?: TaintEffect | '';
  tolerationSeconds?: number;
  [key: string]: unknown;
}

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  timeAdded?: string;
  [key: string]: unknown;
}

/** A pod volume; only `name` is read, every source (configMap, emptyDir, pvc, ...) is kept as given. */
export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean; [key: string]: unknown };
  configMap?: Record<string, unknown>;
  secret?: Record<string, unknown>;
  emptyDir?: Record<string, unknown>;
  hostPath?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  /** Extra resources the runtime charges per pod (RuntimeClass overhead). */
  overhead?: ResourceList;
  nodeSelector?: Record<string, string>;
  nodeName?: string;
  affinity?: Affinity;
  tolerations?: Toleration[];
  priorityClassName?: string;
  priority?: number;
  schedulerName?: string;
  hostNetwork?: boolean;
  dnsPolicy?: string;
  hostname?: string;
  subdomain?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  volumes?: Volume[];
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  [key: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
  [key: string]: unknown;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A Node as the scheduler sees it. */
export interface NodeSpec {
  unschedulable?: boolean;
  taints?: Taint[];
  [key: string]: unknown;
}

export interface NodeStatus {
  capacity?: ResourceList;
  allocatable?: ResourceList;
  conditions?: { type: string; status: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

export interface Node {
  apiVersion?: 'v1';
  kind?: 'Node';
  metadata: ObjectMeta;
  spec?: NodeSpec;
  status?: NodeStatus;
  [key: string]: unknown;
}

export interface PodStatus {
  phase?: PodPhase;
  reason?: string;
  message?: string;
  [key: string]: unknown;
}

export interface Pod {
  apiVersion?: 'v1';
  kind?: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: PodStatus;
  [key: string]: unknown;
}

/** A core/v1 PersistentVolumeClaimSpec, kept as given. */
export type PersistentVolumeClaimSpec = Record<string, unknown>;
