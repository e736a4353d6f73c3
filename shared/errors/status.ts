/**
 * Kubernetes-shaped `Status` objects: the error body every Caldera API answers with.
 * Builders return a `Status` and never throw; `StatusError` carries one through a throw.
 */

/** One field-level reason a request was refused. */
export interface StatusCause {
  /** Field path such as `spec.tasks[1].minAvailable`. */
  field?: string;
  /** Machine reason such as `FieldValueInvalid`. */
  reason?: string;
  message: string;
}

export type StatusReason =
  | 'BadRequest'
  | 'Invalid'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Unauthorized'
  | 'Forbidden'
  | 'TooManyRequests'
  | 'RequestEntityTooLarge'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Gone'
  | 'Timeout';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  code: number;
  details?: StatusDetails;
}

/** HTTP code Kubernetes uses for each reason. */
export const STATUS_CODES: Readonly<Record<StatusReason, number>> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  AlreadyExists: 409,
  Gone: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** A thrown wrapper around a `Status`, for code paths where returning one is awkward. */
export class StatusError extends Error {
  readonly status: Status;

  constructor(status: Status) {
    super(status.message);
    this.name = 'StatusError';
    this.status = status;
  }
}

export function isStatusError(err: unknown): err is StatusError {
  return err instanceof StatusError;
}

export function isStatus(x: unknown): x is Status {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as { kind?: unknown }).kind === 'Status' &&
    (x as { apiVersion?: unknown }).apiVersion === 'v1'
  );
}

/** Generic builder; the named builders below cover the usual cases. */
export function failure(opts: {
  reason: StatusReason;
  message: string;
  code?: number;
  details?: StatusDetails;
}): Status {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: opts.message,
    reason: opts.reason,
    code: opts.code ?? STATUS_CODES[opts.reason],
  };
  if (opts.details !== undefined) status.details = opts.details;
  return status;
}

/** `kind.group`, or just `kind` for the core group, the way Kubernetes names a resource in messages. */
function qualifiedKind(kind: string, group?: string): string {
  return group ? `${kind}.${group}` : kind;
}

export function badRequest(message: string, causes?: StatusCause[]): Status {
  return failure({
    reason: 'BadRequest',
    message,
    ...(causes && causes.length > 0 ? { details: { causes } } : {}),
  });
}

/**
 * 422 Invalid with one cause per violation. The message lists every cause in the form
 * `Job.batch.volcano.sh "x" is invalid: [spec.tasks[0].name: Invalid value: ..., ...]`.
 */
export function invalid(opts: { kind: string; group?: string; name: string; causes: StatusCause[] }): Status {
  const parts = opts.causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
  const details: StatusDetails = { name: opts.name, kind: opts.kind, causes: opts.causes };
  if (opts.group !== undefined) details.group = opts.group;
  return failure({
    reason: 'Invalid',
    message: `${qualifiedKind(opts.kind, opts.group)} "${opts.name}" is invalid: ${list}`,
    details,
  });
}

export function notFound(kind: string, name: string, group?: string): Status {
  const details: StatusDetails = { name, kind };
  if (group !== undefined) details.group = group;
  return failure({
    reason: 'NotFound',
    message: `${qualifiedKind(kind, group)} "${name}" not found`,
    details,
  });
}

export function alreadyExists(kind: string, name: string, group?: string): Status {
  const details: StatusDetails = { name, kind };
  if (group !== undefined) details.group = group;
  return failure({
    reason: 'AlreadyExists',
    message: `${qualifiedKind(kind, group)} "${name}" already exists`,
    details,
  });
}

/** 409 Conflict, e.g. a stale resourceVersion. */
export function conflict(kind: string, name: string, reason: string, group?: string): Status {
  const details: StatusDetails = { name, kind };
  if (group !== undefined) details.group = group;
  return failure({
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${qualifiedKind(kind, group)} "${name}": ${reason}`,
    details,
  });
}

export function unauthorized(message: string): Status {
  return failure({ reason: 'Unauthorized', message });
}

export function forbidden(message: string): Status {
  return failure({ reason: 'Forbidden', message });
}

export function tooManyRequests(message: string): Status {
  return failure({ reason: 'TooManyRequests', message });
}

export function tooLarge(message: string): Status {
  return failure({ reason: 'RequestEntityTooLarge', message });
}

export function internalError(message: string): Status {
  return failure({ reason: 'InternalError', message });
}
