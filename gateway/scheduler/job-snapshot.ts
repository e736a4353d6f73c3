/**
 * The scheduler's view of a pending vcjob: one PodGroup-like JobSnapshot whose tasks are the job's
 * pods, all Pending. (What placed gangs hold is accounted on nodes and in queue ledgers, see
 * federation-state.ts.)
 */
import type { Job, TaskSpec } from '../../shared/api/job.js';
import type { PodGroupPhase } from '../../shared/api/podgroup.js';
import { podName } from '../../shared/api/well-known.js';
import { podRequest } from '../../shared/resources/pod-request.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import type { JobSnapshot, TaskSnapshot } from '../../shared/scheduling/snapshot.js';

/** Well-known PriorityClass values; others come from configuration. */
export const BUILTIN_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  'system-cluster-critical': 2_000_000_000,
  'system-node-critical': 2_000_001_000,
};

export interface JobShapeOptions {
  /** PriorityClass name → value */
  priorityClasses?: Readonly<Record<string, number>>;
  /** the default queue for jobs that name none */
  defaultQueue?: string;
}

/**
 * The fixed part of a job's scheduling shape, computed once per job spec. Jobs made from one
 * template share one shape object (see `jobShape`), so it holds nothing job-specific.
 */
export interface JobShape {
  queue: string;
  minMember: number;
  minTaskMember: Record<string, number> | undefined;
  minResources: ResourceVector;
  /** Σ of every task's request: what a whole placement holds */
  totalRequest: ResourceVector;
  priority: number;
  taskCount: number;
  /** task name → (request of one replica, replicas) */
  roles: Array<{ name: string; replicas: number; request: ResourceVector; spec: TaskSpec }>;
  maxRetry: number;
}

/** `<namespace>/<name>`: the id of a job's PodGroup in the scheduler. */
export function jobId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * Equal vectors are shared: a hundred thousand pending jobs made from a few templates hold a few
 * vectors, not a few per job (and a cycle densifies each vector once).
 */
const interned = new Map<string, ResourceVector>();
const MAX_INTERNED = 50_000;

function intern(v: ResourceVector): ResourceVector {
  const key = v.toString();
  const hit = interned.get(key);
  if (hit) return hit;
  if (interned.size < MAX_INTERNED) interned.set(key, v);
  return v;
}

const shapes = new Map<string, JobShape>();
const MAX_SHAPES = 10_000;

const specs = new Map<string, Job['spec']>();
const MAX_SPECS = 10_000;

/**
 * One object for equal job specs: a hundred thousand jobs made from a few templates keep a few
 * specs, not one each (about half of what a kept job weighs). The leader never changes a kept
 * spec in place; a job whose spec changes gets the object of its new spec.
 */
export function sharedSpec(spec: Job['spec'], key = JSON.stringify(spec)): Job['spec'] {
  const hit = specs.get(key);
  if (hit !== undefined) return hit;
  if (specs.size >= MAX_SPECS) specs.clear();
  specs.set(key, spec);
  return spec;
}

/**
 * The shape of a job's spec; jobs with equal specs get the same (immutable) object. `specText`
 * is `JSON.stringify(job.spec)` when the caller has it already.
 */
export function jobShape(job: Job, opts: JobShapeOptions = {}, specText = JSON.stringify(job.spec)): JobShape {
  const key = `${opts.defaultQueue ?? ''}|${opts.priorityClasses ? JSON.stringify(opts.priorityClasses) : ''}|${specText}`;
  const hit = shapes.get(key);
  if (hit) return hit;
  const shape = computeShape(job, opts);
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(key, shape);
  return shape;
}

function computeShape(job: Job, opts: JobShapeOptions): JobShape {
  const tasks = job.spec.tasks ?? [];
  const roles = tasks.map((t, i) => ({
    name: t.name ?? `task${i}`,
    replicas: Math.max(0, t.replicas ?? 1),
    request: intern(t.template?.spec ? podRequest(t.template.spec) : ResourceVector.empty()),
    spec: t,
  }));
  const taskCount = roles.reduce((n, r) => n + r.replicas, 0);
  const minMember = Math.min(job.spec.minAvailable ?? taskCount, taskCount);
  let minTaskMember: Record<string, number> | undefined;
  for (const r of roles) {
    if (r.spec.minAvailable !== undefined) (minTaskMember ??= {})[r.name] = r.spec.minAvailable;
  }
  // minResources: the first minMember pods in task order, as Volcano's job controller sums them.
  let minResources = ResourceVector.empty();
  let totalRequest = ResourceVector.empty();
  let left = minMember;
  for (const r of roles) {
    const take = Math.min(left, r.replicas);
    if (take > 0) minResources = minResources.add(r.request.scale(take));
    left -= take;
    if (r.replicas > 0) totalRequest = totalRequest.add(r.request.scale(r.replicas));
  }
  const pcName = job.spec.priorityClassName;
  const classes = { ...BUILTIN_PRIORITY_CLASSES, ...opts.priorityClasses };
  const priority = pcName !== undefined ? classes[pcName] ?? 0 : 0;
  return {
    queue: job.spec.queue ?? opts.defaultQueue ?? 'default',
    minMember,
    minTaskMember,
    minResources: intern(minResources),
    totalRequest: intern(totalRequest),
    priority,
    taskCount,
    roles,
    maxRetry: job.spec.maxRetry ?? 3,
  };
}

/** Builds the JobSnapshot of a pending vcjob. */
export function jobSnapshot(opts: { job: Job; shape: JobShape; phase?: PodGroupPhase }): JobSnapshot {
  const { job, shape } = opts;
  const id = jobId(job.metadata.namespace ?? 'default', job.metadata.name ?? '');
  const name = job.metadata.name ?? '';
  const tasks: TaskSnapshot[] = [];
  for (const role of shape.roles) {
    const pod = role.spec.template?.spec;
    for (let i = 0; i < role.replicas; i++) {
      // optional fields set only when the pod template has them (no spread temporaries per task)
      const task: { -readonly [K in keyof TaskSnapshot]: TaskSnapshot[K] } = {
        id: `${role.name}-${i}`,
        name: podName(name, role.name, i),
        role: role.name,
        index: i,
        status: 'Pending',
        request: role.request,
      };
      if (pod !== undefined) {
        if (pod.priority !== undefined) task.priority = pod.priority;
        if (pod.nodeSelector !== undefined) task.nodeSelector = pod.nodeSelector;
        if (pod.affinity !== undefined) task.affinity = pod.affinity;
        if (pod.tolerations !== undefined) task.tolerations = pod.tolerations;
        if (pod.priorityClassName !== undefined) task.priorityClassName = pod.priorityClassName;
      }
      tasks.push(task);
    }
  }
  const created = Date.parse(job.metadata.creationTimestamp ?? '');
  return {
    id,
    name,
    namespace: job.metadata.namespace ?? 'default',
    queue: shape.queue,
    minMember: shape.minMember,
    ...(shape.minTaskMember !== undefined ? { minTaskMember: shape.minTaskMember } : {}),
    minResources: shape.minResources,
    priority: shape.priority,
    ...(job.spec.priorityClassName !== undefined ? { priorityClassName: job.spec.priorityClassName } : {}),
    creationTimestamp: Number.isFinite(created) ? created : 0,
    ...(job.metadata.annotations !== undefined ? { annotations: job.metadata.annotations } : {}),
    phase: opts.phase ?? 'Pending',
    tasks,
  };
}
