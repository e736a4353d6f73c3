/**
 * Resource names and quantities in requests, limits, overhead and queue quotas. Quantities are
 * parsed with the shared Kubernetes quantity parser; a value that does not parse or is negative is
 * reported at its own path, e.g. `...resources.requests[nvidia.com/gpu]`.
 */
import { parseQuantity, QuantityError, type Quantity } from '../resources/quantity.js';
import { type FieldErrors, childPath, keyPath } from './field-errors.js';
import { own } from './json-value.js';
import { qualifiedNameProblems } from './names.js';
import { checkObject } from './value-checks.js';

/** Resource names that need no domain prefix in a container. */
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const HUGEPAGES_PREFIX = 'hugepages-';

/** Extended resources (`nvidia.com/gpu`): any domain-prefixed name outside kubernetes.io. */
export function isExtendedResourceName(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return domain !== 'kubernetes.io' && !domain.endsWith('.kubernetes.io') && !name.startsWith('requests.');
}

/** Resources that may not be overcommitted: a request must equal its limit. */
function isOvercommitAllowed(name: string): boolean {
  return !isExtendedResourceName(name) && !name.startsWith(HUGEPAGES_PREFIX);
}

function checkResourceName(fe: FieldErrors, path: string, name: string, opts: { container: boolean }): boolean {
  if (!name.includes('/')) {
    if (STANDARD_CONTAINER_RESOURCES.has(name)) return true;
    if (name.startsWith(HUGEPAGES_PREFIX)) {
      try {
        parseQuantity(name.slice(HUGEPAGES_PREFIX.length));
        return true;
      } catch {
        fe.invalid(path, name, 'hugepages size must be a valid quantity, e.g. hugepages-2Mi');
        return false;
      }
    }
    if (!opts.container && name !== '') {
      // Queue quotas may also name `pods` and other cluster resources.
      const problems = qualifiedNameProblems(name);
      if (problems.length === 0) return true;
    }
    fe.invalid(path, name, 'must be a standard resource name (cpu, memory, ephemeral-storage, hugepages-<size>) or a domain-prefixed extended resource name');
    return false;
  }
  const problems = qualifiedNameProblems(name);
  if (problems.length > 0) {
    fe.invalid(path, name, problems.join('; '));
    return false;
  }
  return true;
}

/** Parses one quantity and insists it is non-negative (and whole for extended resources). */
export function checkQuantity(
  fe: FieldErrors,
  path: string,
  value: unknown,
  opts: { resourceName?: string } = {},
): Quantity | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') {
    fe.typeInvalid(path, value, 'a quantity (a string such as "500m" or a number)');
    return undefined;
  }
  let q: Quantity;
  try {
    q = parseQuantity(value);
  } catch (err) {
    const why = err instanceof QuantityError ? err.message : 'not a valid quantity';
    fe.invalid(path, value, `must be a valid quantity (${why})`);
    return undefined;
  }
  if (q.sign() < 0) {
    fe.invalid(path, value, 'must be greater than or equal to 0');
    return undefined;
  }
  const name = opts.resourceName;
  if (name !== undefined && isExtendedResourceName(name)) {
    let whole: boolean;
    try {
      whole = q.milliValue() % 1000 === 0;
    } catch {
      whole = true; // too large for milli-units means far above 1, so certainly whole
    }
    if (!whole) {
      fe.invalid(path, value, 'must be an integer');
      return undefined;
    }
  }
  return q;
}

/** A ResourceList: name → quantity. Returns the parsed quantities of the valid entries. */
export function checkResourceList(
  fe: FieldErrors,
  path: string,
  v: unknown,
  opts: { container: boolean },
): Map<string, Quantity> | undefined {
  const list = checkObject(fe, path, v);
  if (!list) return undefined;
  const out = new Map<string, Quantity>();
  for (const name of Object.keys(list)) {
    const p = keyPath(path, name);
    if (!checkResourceName(fe, p, name, opts)) continue;
    const q = checkQuantity(fe, p, own(list, name), { resourceName: name });
    if (q) out.set(name, q);
  }
  return out;
}

/** A container's `resources`: valid lists, request ≤ limit, and request = limit where overcommit is not allowed. */
export function checkResourceRequirements(fe: FieldErrors, path: string, v: unknown): void {
  const req = checkObject(fe, path, v);
  if (!req) return;
  const limitsPath = childPath(path, 'limits');
  const requestsPath = childPath(path, 'requests');
  const limits = checkResourceList(fe, limitsPath, own(req, 'limits'), { container: true });
  const requests = checkResourceList(fe, requestsPath, own(req, 'requests'), { container: true });
  if (!requests) return;
  for (const [name, request] of requests) {
    const limit = limits?.get(name);
    const p = keyPath(requestsPath, name);
    if (isOvercommitAllowed(name)) {
      if (limit && request.cmp(limit) > 0) fe.invalid(p, request.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`);
    } else if (!limit) {
      if (!limits?.has(name) && own(own(req, 'limits'), name) === undefined) {
        fe.forbidden(p, `a limit must be set for ${name}: it may not be overcommitted`);
      }
    } else if (request.cmp(limit) !== 0) {
      fe.invalid(p, request.toString(), `must be equal to ${name} limit of ${limit.toString()}`);
    }
  }
}
