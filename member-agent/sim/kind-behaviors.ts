/**
 * What a few built-in kinds do beyond generic storage: the defaults the real API server fills in on
 * create, the validation the agent could trip over, and graceful deletion of pods.
 */
import type { StatusCause } from '../../shared/errors/status.js';
import { deepEqual } from './deep-equal.js';
import { isPlainObject, type SimObject } from './sim-object.js';

export interface BehaviorContext {
  now: number;
  /** the next free ClusterIP of the service range */
  allocateClusterIP(): string;
}

export interface KindBehavior {
  /** fills defaults and server-owned fields of a new object (metadata is already set) */
  prepareCreate?(obj: SimObject, ctx: BehaviorContext): void;
  /** runs on every update of the main resource before validation */
  prepareUpdate?(obj: SimObject, old: SimObject): void;
  /** field errors of a new or updated object; empty when valid */
  validate?(obj: SimObject, old: SimObject | undefined): StatusCause[];
  /** status a new object starts with: 'keep' what the client sent, or 'drop' it */
  statusOnCreate?: 'keep' | 'drop';
  /**
   * Seconds of graceful deletion for a delete request (`requested` from DeleteOptions); 0 deletes at
   * once. Only pods have graceful deletion.
   */
  gracePeriodSeconds?(obj: SimObject, requested: number | undefined): number;
}

function record(x: unknown): Record<string, unknown> {
  return isPlainObject(x) ? x : {};
}

function containersOf(spec: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const list = spec[field];
  return Array.isArray(list) ? list.filter(isPlainObject) : [];
}

/** Kubernetes' QoS class from requests and limits of cpu and memory. */
export function qosClass(spec: Record<string, unknown>): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const all = [...containersOf(spec, 'containers'), ...containersOf(spec, 'initContainers')];
  let any = false;
  let guaranteed = all.length > 0;
  for (const c of all) {
    const res = record(c.resources);
    const req = record(res.requests);
    const lim = record(res.limits);
    for (const name of ['cpu', 'memory']) {
      const r = req[name] ?? lim[name];
      const l = lim[name];
      if (r !== undefined || l !== undefined) any = true;
      if (l === undefined || String(r) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultContainer(c: Record<string, unknown>): void {
  const image = typeof c.image === 'string' ? c.image : '';
  const tag = image.includes('@') ? 'digest' : (image.split('/').pop() ?? '').split(':')[1];
  c.imagePullPolicy ??= tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
}

function validatePod(obj: SimObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj.spec;
  if (!isPlainObject(spec)) return [{ field: 'spec', reason: 'FieldValueRequired', message: 'Required value' }];
  const containers = containersOf(spec, 'containers');
  if (containers.length === 0) {
    causes.push({ field: 'spec.containers', reason: 'FieldValueRequired', message: 'Required value' });
  }
  const seen = new Set<string>();
  const all = [...containersOf(spec, 'initContainers').map((c) => ['initContainers', c] as const),
    ...containers.map((c) => ['containers', c] as const)];
  all.forEach(([field, c], i) => {
    const name = c.name;
    if (typeof name !== 'string' || name === '') {
      causes.push({ field: `spec.${field}[${i}].name`, reason: 'FieldValueRequired', message: 'Required value' });
    } else if (seen.has(name)) {
      causes.push({ field: `spec.${field}[${i}].name`, reason: 'FieldValueDuplicate', message: `Duplicate value: "${name}"` });
    } else {
      seen.add(name);
    }
    if (typeof c.image !== 'string' || c.image === '') {
      causes.push({ field: `spec.${field}[${i}].image`, reason: 'FieldValueRequired', message: 'Required value' });
    }
  });
  return causes;
}

/** The parts of a pod spec an update may change: images, activeDeadlineSeconds, tolerations, scheduling gates. */
function mutablePodSpecView(spec: unknown): unknown {
  if (!isPlainObject(spec)) return spec;
  const view: Record<string, unknown> = { ...spec };
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = view[field];
    if (Array.isArray(list)) view[field] = list.map((c: unknown) => (isPlainObject(c) ? { ...c, image: '' } : c));
  }
  delete view.activeDeadlineSeconds;
  delete view.tolerations;
  delete view.schedulingGates;
  delete view.terminationGracePeriodSeconds;
  return view;
}

const podBehavior: KindBehavior = {
  statusOnCreate: 'drop',
  prepareCreate(obj) {
    const spec = record(obj.spec);
    obj.spec = spec;
    spec.schedulerName ??= 'default-scheduler';
    spec.restartPolicy ??= 'Always';
    spec.terminationGracePeriodSeconds ??= 30;
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.securityContext ??= {};
    spec.priority ??= 0;
    spec.enableServiceLinks ??= true;
    spec.serviceAccountName ??= 'default';
    for (const field of ['containers', 'initContainers']) containersOf(spec, field).forEach(defaultContainer);
    // DefaultTolerationSeconds admission: pods ride out a short node outage for five minutes.
    const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations.filter(isPlainObject) : [];
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerations.some((t) => t.key === key && (t.effect === 'NoExecute' || t.effect === undefined || t.effect === ''))) {
        tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
      }
    }
    spec.tolerations = tolerations;
    obj.status = { phase: 'Pending', qosClass: qosClass(spec) };
  },
  validate(obj, old) {
    const causes = validatePod(obj);
    if (old && !deepEqual(mutablePodSpecView(obj.spec), mutablePodSpecView(old.spec))) {
      causes.push({
        field: 'spec',
        reason: 'FieldValueForbidden',
        message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`, '
          + '`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to '
          + 'existing tolerations), `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      });
    }
    return causes;
  },
  gracePeriodSeconds(obj, requested) {
    const spec = record(obj.spec);
    const status = record(obj.status);
    // An unscheduled pod or a finished one has no kubelet to wait for.
    if (typeof spec.nodeName !== 'string' || spec.nodeName === '') return 0;
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return 0;
    if (requested !== undefined) return Math.max(0, requested);
    return typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
  },
};

const namespaceBehavior: KindBehavior = {
  statusOnCreate: 'drop',
  prepareCreate(obj) {
    obj.spec = { finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name };
  },
  prepareUpdate(obj, old) {
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': old.metadata.name };
  },
};

const serviceBehavior: KindBehavior = {
  statusOnCreate: 'drop',
  prepareCreate(obj, ctx) {
    const spec = record(obj.spec);
    obj.spec = spec;
    spec.type ??= 'ClusterIP';
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = ctx.allocateClusterIP();
    spec.clusterIPs ??= [spec.clusterIP];
    spec.sessionAffinity ??= 'None';
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
    const ports = Array.isArray(spec.ports) ? spec.ports.filter(isPlainObject) : [];
    for (const p of ports) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
    obj.status = { loadBalancer: {} };
  },
};

/** `stringData` is write-only: it is folded into base64 `data`. */
function foldStringData(obj: SimObject): void {
  if (!isPlainObject(obj.stringData)) return;
  const data: Record<string, unknown> = { ...record(obj.data) };
  for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  obj.data = data;
  delete obj.stringData;
}

const secretBehavior: KindBehavior = {
  prepareCreate(obj) {
    obj.type ??= 'Opaque';
    foldStringData(obj);
  },
  prepareUpdate(obj) {
    foldStringData(obj);
  },
};

const crdBehavior: KindBehavior = { statusOnCreate: 'drop' };

/** Behaviour by `apiVersion/kind`; kinds missing here are plain storage. */
export const kindBehaviors: Readonly<Record<string, KindBehavior>> = {
  'v1/Pod': podBehavior,
  'v1/Namespace': namespaceBehavior,
  'v1/Service': serviceBehavior,
  'v1/Secret': secretBehavior,
  'batch.volcano.sh/v1alpha1/Job': crdBehavior,
  'scheduling.volcano.sh/v1beta1/PodGroup': crdBehavior,
  'scheduling.volcano.sh/v1beta1/Queue': crdBehavior,
};
