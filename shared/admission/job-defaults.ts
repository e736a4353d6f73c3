/**
 * Volcano's mutating defaults for a Job, in Volcano's order:
 *  1. `spec.queue` = `default` when empty;
 *  2. `spec.schedulerName` = `volcano` when empty (member agents accept both `volcano` and `caldera`);
 *  3. `spec.maxRetry` = 3 when 0 or absent;
 *  4. per task: name `default<i>`, `dnsPolicy: ClusterFirstWithHostNet` for hostNetwork pods,
 *     `minAvailable` = replicas (or minPartitions × partitionSize), `maxRetry` = 3 when 0 or absent;
 *  5. `spec.minAvailable` = Σ task.minAvailable when 0 or absent;
 *  6. plugins: `svc` for tensorflow, mpi, pytorch and ray; `ssh` for mpi.
 * Defaulting works on a deep copy, keeps every field it does not know, and leaves values of the
 * wrong type alone for validation to report.
 */
import { JOB_API_VERSION, JOB_KIND, type Job } from '../api/job.js';
import { DEFAULT_QUEUE } from '../api/queue.js';
import { VOLCANO_SCHEDULER_NAME } from '../api/well-known.js';
import { copyJsonValue, isInteger, isObject, own, setOwn, type JsonObject } from './json-value.js';

export const DEFAULT_MAX_RETRY = 3;

export interface JobDefaultsOptions {
  /** Scheduler name written when a job names none (default `volcano`). */
  schedulerName?: string;
}

const PLUGINS_NEEDING_SVC = ['tensorflow', 'mpi', 'pytorch', 'ray'];

function isUnset(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Returns a defaulted deep copy of `job`. Throws only if `job` is not JSON data; admission checks that first. */
export function defaultJob(job: Job, opts: JobDefaultsOptions = {}): Job {
  const copy = copyJsonValue(job);
  if (!copy.ok) throw new TypeError(`job ${copy.path} ${copy.message}`);
  if (isObject(copy.value)) applyJobDefaults(copy.value, opts);
  return copy.value as Job;
}

/** Applies the defaults in place to an already-copied object. Never throws. */
export function applyJobDefaults(job: JsonObject, opts: JobDefaultsOptions = {}): void {
  if (isUnset(own(job, 'apiVersion'))) setOwn(job, 'apiVersion', JOB_API_VERSION);
  if (isUnset(own(job, 'kind'))) setOwn(job, 'kind', JOB_KIND);
  const spec = own(job, 'spec');
  if (!isObject(spec)) return;

  if (isUnset(own(spec, 'queue'))) setOwn(spec, 'queue', DEFAULT_QUEUE);
  if (isUnset(own(spec, 'schedulerName'))) setOwn(spec, 'schedulerName', opts.schedulerName ?? VOLCANO_SCHEDULER_NAME);
  if (isUnset(own(spec, 'maxRetry')) || own(spec, 'maxRetry') === 0) setOwn(spec, 'maxRetry', DEFAULT_MAX_RETRY);

  const tasks = own(spec, 'tasks');
  let sumMin: number | undefined = 0;
  if (Array.isArray(tasks)) {
    tasks.forEach((task: unknown, i) => {
      if (!isObject(task)) {
        sumMin = undefined;
        return;
      }
      defaultTask(task, i);
      // Only a sum of valid task minimums is a meaningful default; otherwise validation speaks.
      const min = own(task, 'minAvailable');
      const replicas = own(task, 'replicas') ?? 0;
      const valid = isInteger(min) && isInteger(replicas) && min >= 0 && min <= replicas;
      sumMin = sumMin !== undefined && valid ? sumMin + min : undefined;
    });
  } else {
    sumMin = undefined;
  }
  const jobMin = own(spec, 'minAvailable');
  if ((isUnset(jobMin) || jobMin === 0) && sumMin !== undefined && Number.isSafeInteger(sumMin)) {
    setOwn(spec, 'minAvailable', sumMin);
  }

  const plugins = own(spec, 'plugins');
  if (isObject(plugins)) {
    if (PLUGINS_NEEDING_SVC.some((p) => Object.hasOwn(plugins, p)) && !Object.hasOwn(plugins, 'svc')) setOwn(plugins, 'svc', []);
    if (Object.hasOwn(plugins, 'mpi') && !Object.hasOwn(plugins, 'ssh')) setOwn(plugins, 'ssh', []);
  }
}

function defaultTask(task: JsonObject, index: number): void {
  if (isUnset(own(task, 'name'))) setOwn(task, 'name', `default${index}`);

  const podSpec = own(own(task, 'template'), 'spec');
  if (isObject(podSpec) && own(podSpec, 'hostNetwork') === true && isUnset(own(podSpec, 'dnsPolicy'))) {
    setOwn(podSpec, 'dnsPolicy', 'ClusterFirstWithHostNet');
  }

  if (isUnset(own(task, 'minAvailable'))) {
    const partition = own(task, 'partitionPolicy');
    const minPartitions = own(partition, 'minPartitions');
    const partitionSize = own(partition, 'partitionSize');
    const replicas = own(task, 'replicas');
    if (isInteger(minPartitions) && minPartitions > 0 && isInteger(partitionSize)) {
      const product = minPartitions * partitionSize;
      if (Number.isSafeInteger(product)) setOwn(task, 'minAvailable', product);
    } else if (isInteger(replicas) && replicas >= 0) {
      setOwn(task, 'minAvailable', replicas);
    } else if (isUnset(replicas)) {
      setOwn(task, 'minAvailable', 0);
    }
  }

  if (isUnset(own(task, 'maxRetry')) || own(task, 'maxRetry') === 0) setOwn(task, 'maxRetry', DEFAULT_MAX_RETRY);
}
