/** Tells what an untyped manifest claims to be. */

export interface ObjectKind {
  apiVersion: string;
  kind: string;
  /** API group; '' for the core group (`apiVersion: v1`). */
  group: string;
  version: string;
}

/** The apiVersion/kind of `obj`, or undefined when either is missing or not a non-empty string. */
export function kindOf(obj: unknown): ObjectKind | undefined {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const apiVersion: unknown = Object.getOwnPropertyDescriptor(obj, 'apiVersion')?.value;
  const kind: unknown = Object.getOwnPropertyDescriptor(obj, 'kind')?.value;
  if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '') return undefined;
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return { apiVersion, kind, group, version };
}

/** True when `obj` is `<group>/<version>` `kind` (e.g. `isKind(x, 'batch.volcano.sh/v1alpha1', 'Job')`). */
export function isKind(obj: unknown, apiVersion: string, kind: string): boolean {
  const k = kindOf(obj);
  return k !== undefined && k.apiVersion === apiVersion && k.kind === kind;
}
