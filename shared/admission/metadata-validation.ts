/** ObjectMeta rules: name or generateName, namespace syntax, label and annotation keys and values. */
import { type FieldErrors, childPath, keyPath } from './field-errors.js';
import { own, type JsonObject } from './json-value.js';
import { dns1123LabelProblems, dns1123SubdomainProblems, labelValueProblems, qualifiedNameProblems } from './names.js';
import { checkObject, checkString, checkStringMap } from './value-checks.js';

/** Kubernetes caps the summed size of all annotation keys and values. */
export const MAX_ANNOTATIONS_SIZE = 256 * 1024;

/**
 * `metadata` of a top-level object. `name` is required unless `generateName` is set; namespace
 * defaulting belongs to the API layer, so only its syntax is checked here.
 */
export function checkObjectMeta(fe: FieldErrors, v: unknown, opts: { namespaced: boolean }): JsonObject | undefined {
  const path = 'metadata';
  const meta = checkObject(fe, path, v, { required: true });
  if (!meta) return undefined;
  const name = checkString(fe, childPath(path, 'name'), own(meta, 'name'));
  const generateName = checkString(fe, childPath(path, 'generateName'), own(meta, 'generateName'));
  if (name) {
    const p = dns1123SubdomainProblems(name);
    if (p.length > 0) fe.invalid(childPath(path, 'name'), name, p.join('; '));
  } else if (generateName) {
    // The server appends 5 characters; the result must still be a valid name.
    const p = dns1123SubdomainProblems(`${generateName}x`);
    if (p.length > 0) fe.invalid(childPath(path, 'generateName'), generateName, p.join('; '));
  } else {
    fe.required(childPath(path, 'name'), 'name or generateName is required');
  }
  const namespace = checkString(fe, childPath(path, 'namespace'), own(meta, 'namespace'));
  if (namespace) {
    if (!opts.namespaced) fe.forbidden(childPath(path, 'namespace'), 'not allowed on this type');
    else {
      const p = dns1123LabelProblems(namespace);
      if (p.length > 0) fe.invalid(childPath(path, 'namespace'), namespace, p.join('; '));
    }
  }
  checkObjectMetaLabels(fe, path, meta);
  return meta;
}

/** Labels and annotations, shared by objects and pod templates. */
export function checkObjectMetaLabels(fe: FieldErrors, path: string, meta: JsonObject): void {
  const labelsPath = childPath(path, 'labels');
  const labels = checkStringMap(fe, labelsPath, own(meta, 'labels'));
  if (labels) {
    for (const [k, v] of Object.entries(labels)) {
      const kp = qualifiedNameProblems(k);
      if (kp.length > 0) fe.invalid(labelsPath, k, kp.join('; '));
      const vp = labelValueProblems(v);
      if (vp.length > 0) fe.invalid(keyPath(labelsPath, k), v, vp.join('; '));
    }
  }
  const annPath = childPath(path, 'annotations');
  const annotations = checkStringMap(fe, annPath, own(meta, 'annotations'));
  if (annotations) {
    let size = 0;
    for (const [k, v] of Object.entries(annotations)) {
      size += k.length + v.length;
      const kp = qualifiedNameProblems(k.toLowerCase());
      if (kp.length > 0) fe.invalid(annPath, k, kp.join('; '));
    }
    if (size > MAX_ANNOTATIONS_SIZE) fe.tooLong(annPath, '<object>', MAX_ANNOTATIONS_SIZE);
  }
}
