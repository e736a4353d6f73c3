/**
 * Job admission: defaults, then validation, over a deep copy of whatever was sent. Never throws;
 * a refusal is a Kubernetes Status (400 for data that is not a Job object at all, 422 Invalid with
 * one cause per violated rule otherwise).
 *
 * Unlike Volcano, whose mutating webhook runs on CREATE only, defaults are also applied on UPDATE:
 * they are idempotent on a stored (already defaulted) job, and they let a client re-send its
 * original manifest with only `replicas` changed without tripping the update rules.
 */
import { badRequest, internalError, invalid, type Status, type StatusCause } from '../errors/status.js';
import { JOB_API_GROUP, JOB_API_VERSION, JOB_KIND, type Job } from '../api/job.js';
import { FieldErrors } from './field-errors.js';
import { applyJobDefaults, type JobDefaultsOptions } from './job-defaults.js';
import { checkJob, type JobValidationOptions } from './job-validation.js';
import { copyJsonValue, isObject, own, type JsonObject } from './json-value.js';

export interface AdmitJobOptions extends JobValidationOptions, JobDefaultsOptions {}

export type AdmitJobResult = { ok: true; job: Job } | { ok: false; status: Status };

/** At most this many causes are returned; the rest are summarised in one more cause. */
export const MAX_CAUSES = 100;

export function admitJob(input: unknown, opts: AdmitJobOptions): AdmitJobResult {
  try {
    const prepared = prepareObject(input, { apiVersion: JOB_API_VERSION, kind: JOB_KIND });
    if (!prepared.ok) return prepared;
    const job = prepared.object;
    applyJobDefaults(job, opts);
    const fe = new FieldErrors();
    checkJob(fe, job, opts);
    if (!fe.empty) {
      return { ok: false, status: invalid({ kind: JOB_KIND, group: JOB_API_GROUP, name: objectName(job), causes: capCauses(fe.causes) }) };
    }
    return { ok: true, job: job as Job };
  } catch (err) {
    return { ok: false, status: internalError(`job admission failed: ${err instanceof Error ? err.message : String(err)}`) };
  }
}

/** A JSON copy of `input` when it is an object of the expected apiVersion/kind (absent ones are filled by defaulting). */
export function prepareObject(
  input: unknown,
  expected: { apiVersion: string; kind: string },
): { ok: true; object: JsonObject } | { ok: false; status: Status } {
  if (!isObject(input)) {
    const what = input === null ? 'null' : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
    return { ok: false, status: badRequest(`a ${expected.kind} must be a JSON object, got ${what}`) };
  }
  const copy = copyJsonValue(input);
  if (!copy.ok) {
    return {
      ok: false,
      status: badRequest(`${expected.kind} is not valid JSON data: ${copy.path} ${copy.message}`, [
        { field: copy.path, reason: 'FieldValueInvalid', message: copy.message },
      ]),
    };
  }
  const object = copy.value as JsonObject;
  const apiVersion = own(object, 'apiVersion');
  const kind = own(object, 'kind');
  const mismatch: StatusCause[] = [];
  if (apiVersion !== undefined && apiVersion !== null && apiVersion !== '' && apiVersion !== expected.apiVersion) {
    mismatch.push({ field: 'apiVersion', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(apiVersion)}: supported values: "${expected.apiVersion}"` });
  }
  if (kind !== undefined && kind !== null && kind !== '' && kind !== expected.kind) {
    mismatch.push({ field: 'kind', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(kind)}: supported values: "${expected.kind}"` });
  }
  if (mismatch.length > 0) {
    return { ok: false, status: badRequest(`expected ${expected.apiVersion} ${expected.kind}`, mismatch) };
  }
  return { ok: true, object };
}

export function objectName(o: JsonObject): string {
  const meta = own(o, 'metadata');
  const name = own(meta, 'name');
  if (typeof name === 'string') return name;
  const gen = own(meta, 'generateName');
  return typeof gen === 'string' ? gen : '';
}

export function capCauses(causes: StatusCause[]): StatusCause[] {
  if (causes.length <= MAX_CAUSES) return causes;
  return [...causes.slice(0, MAX_CAUSES), { message: `and ${causes.length - MAX_CAUSES} more errors` }];
}
