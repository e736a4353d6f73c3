/**
 * Volcano's validating rules for a Job (webhook and ValidatingAdmissionPolicy together), run on the
 * defaulted object. Every violation is collected with its field path; nothing here throws, whatever
 * the input holds.
 */
import type { StatusCause } from '../errors/status.js';
import { KNOWN_JOB_PLUGINS, type Job } from '../api/job.js';
import { ROOT_QUEUE, type QueueState } from '../api/queue.js';
import { podName } from '../api/well-known.js';
import { FieldErrors, childPath, indexPath, keyPath } from './field-errors.js';
import { checkJobUpdate } from './job-update-validation.js';
import { isObject, own, type JsonObject } from './json-value.js';
import { checkObjectMeta } from './metadata-validation.js';
import { dns1123LabelProblems, dns1123SubdomainProblems } from './names.js';
import { checkPodTemplate } from './pod-template-validation.js';
import { checkPolicies, isGoDuration } from './policy-validation.js';
import { checkQuantity } from './resource-validation.js';
import {
  checkArray,
  checkEnum,
  checkInteger,
  checkObject,
  checkString,
  checkStringArray,
} from './value-checks.js';

/** What job admission needs to know about the target queue. */
export interface QueueLookup {
  state?: QueueState;
  /** True when other queues name this one as their parent (jobs may only go to leaf queues). */
  hasChildren?: boolean;
}

export interface JobValidationOptions {
  operation: 'CREATE' | 'UPDATE';
  /** The stored job, for UPDATE. */
  old?: Job;
  /** Whether a queue exists; without it (and without `lookupQueue`) existence is not checked. */
  queueExists?: (name: string) => boolean;
  /** Richer queue facts (state, children); takes precedence over `queueExists`. */
  lookupQueue?: (name: string) => QueueLookup | undefined;
}

const TOPOLOGY_POLICIES = ['none', 'best-effort', 'restricted', 'single-numa-node'] as const;
const NETWORK_TOPOLOGY_MODES = ['hard', 'soft'] as const;
const DEPENDS_ON_ITERATIONS = ['any', 'all'] as const;

/** Validates a (defaulted) job. Returns the violations; an empty list means valid. */
export function validateJob(job: Job, opts: JobValidationOptions): StatusCause[] {
  const fe = new FieldErrors();
  checkJob(fe, job, opts);
  return fe.causes;
}

/** Collects job violations into `fe`; `input` may be anything. */
export function checkJob(fe: FieldErrors, input: unknown, opts: JobValidationOptions): void {
  if (!isObject(input)) {
    fe.typeInvalid('', input, 'an object');
    return;
  }
  const meta = checkObjectMeta(fe, own(input, 'metadata'), { namespaced: true });
  const jobName = podNamePrefix(meta);
  const spec = checkObject(fe, 'spec', own(input, 'spec'), { required: true });
  if (!spec) return;
  checkJobSpec(fe, spec, jobName, opts);
  if (opts.operation === 'UPDATE') {
    if (opts.old === undefined) fe.required('metadata.resourceVersion', 'the stored job is needed to validate an update');
    else checkJobUpdate(fe, input, opts.old);
  }
}

/** The name pods will be prefixed with: `name`, or `generateName` plus the 5 characters the server adds. */
function podNamePrefix(meta: JsonObject | undefined): string | undefined {
  const name = own(meta, 'name');
  const gen = own(meta, 'generateName');
  const prefix = typeof name === 'string' && name !== '' ? name : typeof gen === 'string' && gen !== '' ? `${gen}xxxxx` : undefined;
  // An invalid job name is reported once, at metadata; it is not repeated for every task.
  return prefix !== undefined && dns1123SubdomainProblems(prefix).length === 0 ? prefix : undefined;
}

function checkNameField(fe: FieldErrors, path: string, v: unknown, problems: (s: string) => string[], required = false): string | undefined {
  const s = checkString(fe, path, v, { required });
  if (s === undefined || s === '') return undefined;
  const p = problems(s);
  if (p.length > 0) {
    fe.invalid(path, s, p.join('; '));
    return undefined;
  }
  return s;
}

function checkJobSpec(fe: FieldErrors, spec: JsonObject, jobName: string | undefined, opts: JobValidationOptions): void {
  checkNameField(fe, 'spec.schedulerName', own(spec, 'schedulerName'), dns1123SubdomainProblems, true);
  checkNameField(fe, 'spec.priorityClassName', own(spec, 'priorityClassName'), dns1123SubdomainProblems);
  const queue = checkNameField(fe, 'spec.queue', own(spec, 'queue'), dns1123SubdomainProblems, true);
  if (queue !== undefined && opts.operation === 'CREATE') checkTargetQueue(fe, queue, opts);

  checkInteger(fe, 'spec.maxRetry', own(spec, 'maxRetry'), { min: 0 });
  checkInteger(fe, 'spec.ttlSecondsAfterFinished', own(spec, 'ttlSecondsAfterFinished'), { min: 0 });
  checkInteger(fe, 'spec.minSuccess', own(spec, 'minSuccess'), { min: 1 });
  const estimate = checkString(fe, 'spec.runningEstimate', own(spec, 'runningEstimate'));
  if (estimate !== undefined && !isGoDuration(estimate)) fe.invalid('spec.runningEstimate', estimate, 'must be a duration such as "2h"');
  checkNetworkTopology(fe, 'spec.networkTopology', own(spec, 'networkTopology'));
  checkPolicies(fe, 'spec.policies', own(spec, 'policies'));
  checkVolumes(fe, 'spec.volumes', own(spec, 'volumes'));

  const tasks = checkTasks(fe, own(spec, 'tasks'), jobName);

  const minPath = 'spec.minAvailable';
  const min = checkInteger(fe, minPath, own(spec, 'minAvailable'), { min: 0 });
  if (min !== undefined && tasks.totalReplicas !== undefined && min > tasks.totalReplicas) {
    fe.invalid(minPath, min, `must be less than or equal to the total replicas of all tasks (${tasks.totalReplicas})`);
  }
  checkPlugins(fe, own(spec, 'plugins'), tasks.names);
}

function checkTargetQueue(fe: FieldErrors, queue: string, opts: JobValidationOptions): void {
  const path = 'spec.queue';
  if (queue === ROOT_QUEUE) {
    fe.invalid(path, queue, 'jobs may not be submitted to the root queue');
    return;
  }
  if (opts.lookupQueue) {
    const info = opts.lookupQueue(queue);
    if (info === undefined) {
      fe.notFound(path, queue, 'queue does not exist');
      return;
    }
    const state = info.state ?? 'Open';
    if (state !== 'Open') fe.invalid(path, queue, `can only submit job to queue with state Open, queue state is ${state}`);
    if (info.hasChildren) fe.invalid(path, queue, 'queue has child queues; jobs may only be submitted to leaf queues');
  } else if (opts.queueExists && !opts.queueExists(queue)) {
    fe.notFound(path, queue, 'queue does not exist');
  }
}

function checkNetworkTopology(fe: FieldErrors, path: string, v: unknown): void {
  const nt = checkObject(fe, path, v);
  if (!nt) return;
  checkEnum(fe, childPath(path, 'mode'), own(nt, 'mode'), NETWORK_TOPOLOGY_MODES);
  const tier = checkInteger(fe, childPath(path, 'highestTierAllowed'), own(nt, 'highestTierAllowed'), { min: 0 });
  const tierName = checkString(fe, childPath(path, 'highestTierName'), own(nt, 'highestTierName'));
  if (tier !== undefined && tierName) {
    fe.invalid(path, '<object>', 'must not specify both highestTierAllowed and highestTierName');
  }
}

function checkVolumes(fe: FieldErrors, path: string, v: unknown): void {
  const mountPaths = new Set<string>();
  checkArray(fe, path, v)?.forEach((item, i) => {
    const p = indexPath(path, i);
    const vol = checkObject(fe, p, item);
    if (!vol) return;
    const mp = checkString(fe, childPath(p, 'mountPath'), own(vol, 'mountPath'), { required: true });
    if (mp !== undefined) {
      if (mp.includes(':')) fe.invalid(childPath(p, 'mountPath'), mp, "must not contain ':'");
      if (mountPaths.has(mp)) fe.duplicate(childPath(p, 'mountPath'), mp);
      mountPaths.add(mp);
    }
    const claimName = checkNameField(fe, childPath(p, 'volumeClaimName'), own(vol, 'volumeClaimName'), dns1123SubdomainProblems);
    const claim = checkObject(fe, childPath(p, 'volumeClaim'), own(vol, 'volumeClaim'));
    if (claimName === undefined && claim === undefined && !own(vol, 'volumeClaimName')) {
      fe.required(childPath(p, 'volumeClaim'), 'either volumeClaim or volumeClaimName must be specified');
    }
    if (claimName !== undefined && claim !== undefined) {
      fe.invalid(p, '<object>', 'volumeClaim and volumeClaimName must not both be specified');
    }
  });
}

interface TaskFacts {
  names: Set<string>;
  /** Σ replicas, when every task's replicas is valid. */
  totalReplicas: number | undefined;
}

function checkTasks(fe: FieldErrors, v: unknown, jobName: string | undefined): TaskFacts {
  const path = 'spec.tasks';
  const facts: TaskFacts = { names: new Set(), totalReplicas: 0 };
  const tasks = checkArray(fe, path, v, { required: true });
  if (!tasks) {
    facts.totalReplicas = undefined;
    return facts;
  }
  if (tasks.length === 0) fe.required(path, 'at least one task is required');
  const taskNames: (string | undefined)[] = [];
  tasks.forEach((item, i) => {
    const p = indexPath(path, i);
    const task = checkObject(fe, p, item);
    if (!task) {
      taskNames.push(undefined);
      facts.totalReplicas = undefined;
      return;
    }
    const name = checkNameField(fe, childPath(p, 'name'), own(task, 'name'), dns1123LabelProblems, true);
    taskNames.push(name);
    if (name !== undefined) {
      if (facts.names.has(name)) fe.duplicate(childPath(p, 'name'), name);
      facts.names.add(name);
    }
    const replicas = checkTaskBody(fe, p, task);
    if (replicas === undefined) facts.totalReplicas = undefined;
    else if (facts.totalReplicas !== undefined) facts.totalReplicas += replicas;
    if (name !== undefined && jobName !== undefined) {
      // The highest pod index gives the longest pod name; it doubles as the pod's hostname.
      const longest = podName(jobName, name, Math.max(0, (replicas ?? 1) - 1));
      const problems = dns1123LabelProblems(longest);
      if (problems.length > 0) fe.invalid(childPath(p, 'name'), name, `pod name "${longest}" is not valid: ${problems.join('; ')}`);
    }
  });
  tasks.forEach((item, i) => checkDependsOn(fe, indexPath(path, i), own(item, 'dependsOn'), taskNames[i], facts.names));
  checkDependencyCycles(fe, tasks, taskNames);
  return facts;
}

/** Checks one task's fields; returns its replicas when valid (absent counts as 0). */
function checkTaskBody(fe: FieldErrors, p: string, task: JsonObject): number | undefined {
  const rawReplicas = own(task, 'replicas');
  const replicas = rawReplicas === undefined || rawReplicas === null ? 0 : checkInteger(fe, childPath(p, 'replicas'), rawReplicas, { min: 0 });
  const minPath = childPath(p, 'minAvailable');
  const min = checkInteger(fe, minPath, own(task, 'minAvailable'), { min: 0 });
  if (min !== undefined && replicas !== undefined && min > replicas) {
    fe.invalid(minPath, min, `must be less than or equal to replicas (${replicas})`);
  }
  checkInteger(fe, childPath(p, 'maxRetry'), own(task, 'maxRetry'), { min: 0 });
  checkPodTemplate(fe, childPath(p, 'template'), own(task, 'template'));
  checkPolicies(fe, childPath(p, 'policies'), own(task, 'policies'));
  const topology = checkEnum(fe, childPath(p, 'topologyPolicy'), own(task, 'topologyPolicy'), TOPOLOGY_POLICIES);
  if (topology !== undefined && topology !== 'none') checkIntegerCpu(fe, childPath(p, 'template'), own(task, 'template'));
  checkPartitionPolicy(fe, p, own(task, 'partitionPolicy'), replicas, min);
  return replicas;
}

/** A NUMA topology policy needs whole-CPU requests in every container. */
function checkIntegerCpu(fe: FieldErrors, templatePath: string, template: unknown): void {
  const containers = own(own(template, 'spec'), 'containers');
  if (!Array.isArray(containers)) return;
  containers.forEach((c: unknown, i) => {
    const cpu = own(own(own(c, 'resources'), 'requests'), 'cpu');
    if (cpu === undefined) return;
    const path = `${templatePath}.spec.containers[${i}].resources.requests[cpu]`;
    const scratch = new FieldErrors(); // format problems are reported by the template check
    const q = checkQuantity(scratch, path, cpu);
    if (q && q.milliValue() % 1000 !== 0) fe.invalid(path, cpu, 'must be a whole number of CPUs when topologyPolicy is not none');
  });
}

function checkPartitionPolicy(fe: FieldErrors, taskPath: string, v: unknown, replicas: number | undefined, min: number | undefined): void {
  const path = childPath(taskPath, 'partitionPolicy');
  const pp = checkObject(fe, path, v);
  if (!pp) return;
  const total = checkInteger(fe, childPath(path, 'totalPartitions'), own(pp, 'totalPartitions'), { required: true, min: 1 });
  const size = checkInteger(fe, childPath(path, 'partitionSize'), own(pp, 'partitionSize'), { required: true, min: 1 });
  const minPartitions = checkInteger(fe, childPath(path, 'minPartitions'), own(pp, 'minPartitions'), { min: 0 });
  checkNetworkTopology(fe, childPath(path, 'networkTopology'), own(pp, 'networkTopology'));
  if (total !== undefined && size !== undefined && replicas !== undefined && replicas !== total * size) {
    fe.invalid(childPath(taskPath, 'replicas'), replicas, `must equal totalPartitions × partitionSize (${total * size})`);
  }
  if (minPartitions !== undefined && total !== undefined && minPartitions > total) {
    fe.invalid(childPath(path, 'minPartitions'), minPartitions, `must be less than or equal to totalPartitions (${total})`);
  }
  if (minPartitions !== undefined && minPartitions > 0 && size !== undefined && min !== undefined && min !== minPartitions * size) {
    fe.invalid(childPath(taskPath, 'minAvailable'), min, `must equal minPartitions × partitionSize (${minPartitions * size})`);
  }
}

function checkDependsOn(fe: FieldErrors, taskPath: string, v: unknown, self: string | undefined, names: Set<string>): void {
  const path = childPath(taskPath, 'dependsOn');
  const dep = checkObject(fe, path, v);
  if (!dep) return;
  checkEnum(fe, childPath(path, 'iteration'), own(dep, 'iteration'), DEPENDS_ON_ITERATIONS);
  const namePath = childPath(path, 'name');
  const deps = checkStringArray(fe, namePath, own(dep, 'name'), { required: true });
  if (!deps) return;
  if (deps.length === 0) fe.required(namePath, 'at least one task name is required');
  const raw = own(dep, 'name') as unknown[];
  raw.forEach((d, k) => {
    if (typeof d !== 'string') return;
    const p = indexPath(namePath, k);
    if (d === self) fe.invalid(p, d, 'a task may not depend on itself');
    else if (!names.has(d)) fe.notFound(p, d, 'no task of this job has that name');
  });
}

/** dependsOn must form a DAG: Kahn's algorithm over the valid edges; what remains lies on a cycle. */
function checkDependencyCycles(fe: FieldErrors, tasks: unknown[], names: (string | undefined)[]): void {
  const edges = new Map<string, string[]>(); // task → tasks it depends on
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (n !== undefined && !index.has(n)) index.set(n, i);
  });
  tasks.forEach((t, i) => {
    const n = names[i];
    const deps = own(own(t, 'dependsOn'), 'name');
    if (n === undefined || !Array.isArray(deps)) return;
    const valid = deps.filter((d): d is string => typeof d === 'string' && d !== n && index.has(d));
    edges.set(n, [...(edges.get(n) ?? []), ...valid]);
  });
  const pending = new Map<string, number>();
  for (const n of index.keys()) pending.set(n, (edges.get(n) ?? []).length);
  const dependents = new Map<string, string[]>();
  for (const [n, deps] of edges) for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), n]);
  const ready = [...pending].filter(([, c]) => c === 0).map(([n]) => n);
  while (ready.length > 0) {
    const n = ready.pop() ?? '';
    pending.delete(n);
    for (const m of dependents.get(n) ?? []) {
      const c = (pending.get(m) ?? 0) - 1;
      pending.set(m, c);
      if (c === 0) ready.push(m);
    }
  }
  if (pending.size === 0) return;
  // Walk dependencies inside the remainder until a task repeats: that is one cycle.
  const start = [...pending.keys()].sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0))[0] ?? '';
  const walk: string[] = [];
  const seenAt = new Map<string, number>();
  let cur = start;
  while (!seenAt.has(cur)) {
    seenAt.set(cur, walk.length);
    walk.push(cur);
    cur = (edges.get(cur) ?? []).find((d) => pending.has(d)) ?? start;
  }
  const cycle = [...walk.slice(seenAt.get(cur) ?? 0), cur];
  const first = cycle[0] ?? start;
  fe.invalid(
    `spec.tasks[${index.get(first) ?? 0}].dependsOn.name`,
    first,
    `task dependencies form a cycle: ${cycle.join(' -> ')}`,
  );
}

function checkPlugins(fe: FieldErrors, v: unknown, taskNames: Set<string>): void {
  const path = 'spec.plugins';
  const plugins = checkObject(fe, path, v);
  if (!plugins) return;
  for (const name of Object.keys(plugins)) {
    const p = keyPath(path, name);
    if (!KNOWN_JOB_PLUGINS.includes(name)) fe.notSupported(p, name, KNOWN_JOB_PLUGINS);
    checkStringArray(fe, p, own(plugins, name));
  }
  if (Object.hasOwn(plugins, 'mpi')) {
    const args = own(plugins, 'mpi');
    const master = flagValue(Array.isArray(args) ? args : [], 'master') ?? 'master';
    if (!taskNames.has(master)) fe.invalid(keyPath(path, 'mpi'), master, `the mpi master task "${master}" is not among spec.tasks`);
  }
}

/** The value of a Go-style flag in plugin args: `--name=value`, `-name=value` or `--name value`; the last one wins. */
export function flagValue(args: readonly unknown[], name: string): string | undefined {
  let found: string | undefined;
  args.forEach((a, i) => {
    if (typeof a !== 'string') return;
    const m = /^--?([^=\s]+)(?:=(.*))?$/.exec(a.trim());
    if (!m || m[1] !== name) return;
    const next = args[i + 1];
    if (m[2] !== undefined) found = m[2];
    else if (typeof next === 'string') found = next;
  });
  return found;
}
