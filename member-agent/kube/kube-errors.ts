/** Reading Kubernetes API failures that client-node raises. */

/** HTTP status of a failed API call, when the error carries one. */
export function statusCodeOf(err: unknown): number | undefined {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.code === 'number') return e.code;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusCodeOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusCodeOf(err) === 409;

/** 409 with reason AlreadyExists (create), as opposed to a resourceVersion conflict. */
export function isAlreadyExists(err: unknown): boolean {
  if (statusCodeOf(err) !== 409) return false;
  const body = bodyOf(err);
  return !body || body.reason === undefined || body.reason === 'AlreadyExists';
}

/** 429 from the eviction API: a disruption budget forbids it for now. */
export const isTooManyRequests = (err: unknown): boolean => statusCodeOf(err) === 429;

function bodyOf(err: unknown): { reason?: string; message?: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const raw = (err as { body?: unknown }).body;
  if (typeof raw === 'string') {
    try {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object' ? (parsed as { reason?: string; message?: string }) : undefined;
    } catch {
      return undefined;
    }
  }
  return raw && typeof raw === 'object' ? (raw as { reason?: string; message?: string }) : undefined;
}

/** A short description of an API failure for logs and reject reasons. */
export function describeKubeError(err: unknown): string {
  const code = statusCodeOf(err);
  const body = bodyOf(err);
  const msg = body?.message ?? (err instanceof Error ? err.message : String(err));
  return code === undefined ? msg : `${code}${body?.reason ? ` ${body.reason}` : ''}: ${msg}`;
}

/** The API server does not serve the kind at all (no such resource in discovery, or 404 on its path). */
export function isKindNotServed(err: unknown): boolean {
  if (err instanceof Error && /Unrecognized API version and kind/.test(err.message)) return true;
  return isNotFound(err);
}

/** The call's result, or undefined when it fails with an error `expected` recognises. */
async function undefinedWhen<T>(call: Promise<T>, expected: (err: unknown) => boolean): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (expected(err)) return undefined;
    throw err;
  }
}

/** The call's result, or undefined when the object is not there (404). */
export const unlessNotFound = <T>(call: Promise<T>): Promise<T | undefined> => undefinedWhen(call, isNotFound);

/** The created object, or undefined when one of that name exists already. */
export const unlessAlreadyExists = <T>(call: Promise<T>): Promise<T | undefined> => undefinedWhen(call, isAlreadyExists);
