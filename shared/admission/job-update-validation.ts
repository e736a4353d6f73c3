/**
 * What a Job update may change: only `spec.minAvailable`, `spec.priorityClassName`,
 * `spec.tasks[*].replicas` and `spec.tasks[*].minAvailable`; the number of tasks is fixed. Each
 * other changed field is reported at its own path. PVC names the controller generated for
 * `spec.volumes[*].volumeClaim` are not compared.
 */
import type { Job } from '../api/job.js';
import { type FieldErrors, childPath, indexPath } from './field-errors.js';
import { isObject, jsonEqual, own, type JsonObject } from './json-value.js';

export const JOB_UPDATE_FORBIDDEN =
  'job updates may not change fields other than `minAvailable`, `priorityClassName`, `tasks[*].replicas` and `tasks[*].minAvailable`';

const MUTABLE_SPEC_FIELDS = new Set(['minAvailable', 'priorityClassName', 'tasks']);
const MUTABLE_TASK_FIELDS = new Set(['replicas', 'minAvailable']);

export function checkJobUpdate(fe: FieldErrors, next: JsonObject, old: Job): void {
  const oldName = own(old.metadata, 'name');
  const newName = own(own(next, 'metadata'), 'name');
  if (typeof oldName === 'string' && oldName !== '' && newName !== oldName) {
    fe.invalid('metadata.name', newName, 'field is immutable');
  }
  const oldSpec: unknown = old.spec;
  const newSpec = own(next, 'spec');
  if (!isObject(oldSpec) || !isObject(newSpec)) return;

  for (const key of unionKeys(oldSpec, newSpec)) {
    if (MUTABLE_SPEC_FIELDS.has(key)) continue;
    const a = key === 'volumes' ? withoutGeneratedClaims(own(oldSpec, key)) : own(oldSpec, key);
    const b = key === 'volumes' ? withoutGeneratedClaims(own(newSpec, key)) : own(newSpec, key);
    if (!jsonEqual(a, b)) fe.forbidden(childPath('spec', key), JOB_UPDATE_FORBIDDEN);
  }

  const oldTasks = own(oldSpec, 'tasks');
  const newTasks = own(newSpec, 'tasks');
  if (!Array.isArray(oldTasks) || !Array.isArray(newTasks)) {
    if (!jsonEqual(oldTasks, newTasks)) fe.forbidden('spec.tasks', JOB_UPDATE_FORBIDDEN);
    return;
  }
  if (oldTasks.length !== newTasks.length) {
    fe.forbidden('spec.tasks', `the number of tasks may not change (was ${oldTasks.length}, now ${newTasks.length})`);
    return;
  }
  newTasks.forEach((t: unknown, i) => {
    const o: unknown = oldTasks[i];
    const path = indexPath('spec.tasks', i);
    if (!isObject(t) || !isObject(o)) {
      if (!jsonEqual(o, t)) fe.forbidden(path, JOB_UPDATE_FORBIDDEN);
      return;
    }
    for (const key of unionKeys(o, t)) {
      if (MUTABLE_TASK_FIELDS.has(key)) continue;
      if (!jsonEqual(own(o, key), own(t, key))) fe.forbidden(childPath(path, key), JOB_UPDATE_FORBIDDEN);
    }
  });
}

function unionKeys(a: JsonObject, b: JsonObject): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

/** Volumes with `volumeClaimName` dropped where a `volumeClaim` template makes the name generated. */
function withoutGeneratedClaims(volumes: unknown): unknown {
  if (!Array.isArray(volumes)) return volumes;
  return volumes.map((v: unknown) => {
    if (!isObject(v) || !isObject(own(v, 'volumeClaim'))) return v;
    const copy: JsonObject = {};
    for (const k of Object.keys(v)) if (k !== 'volumeClaimName') Object.defineProperty(copy, k, { value: own(v, k), enumerable: true });
    return copy;
  });
}
