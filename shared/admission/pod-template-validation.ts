/**
 * The part of Kubernetes pod-template validation that matters before pods exist: containers,
 * resources, ports, env, placement (nodeSelector, node affinity, tolerations) and pod identity
 * fields. Fields not listed here are carried untouched and left to the member cluster.
 */
import { type FieldErrors, childPath, indexPath, keyPath } from './field-errors.js';
import { isInteger, own, type JsonObject } from './json-value.js';
import { checkObjectMetaLabels } from './metadata-validation.js';
import { dns1123LabelProblems, dns1123SubdomainProblems, labelValueProblems, qualifiedNameProblems } from './names.js';
import { checkResourceList, checkResourceRequirements } from './resource-validation.js';
import {
  checkArray,
  checkBoolean,
  checkEnum,
  checkInteger,
  checkObject,
  checkString,
  checkStringArray,
  checkStringMap,
} from './value-checks.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
const TOLERATION_OPERATORS = ['Exists', 'Equal'] as const;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkNamed(fe: FieldErrors, path: string, value: string, problems: (v: string) => string[]): boolean {
  const p = problems(value);
  if (p.length > 0) fe.invalid(path, value, p.join('; '));
  return p.length === 0;
}

/** Validates `template` (a PodTemplateSpec) at `path`. */
export function checkPodTemplate(fe: FieldErrors, path: string, v: unknown): void {
  const template = checkObject(fe, path, v, { required: true });
  if (!template) return;
  const meta = checkObject(fe, childPath(path, 'metadata'), own(template, 'metadata'));
  if (meta) checkObjectMetaLabels(fe, childPath(path, 'metadata'), meta);
  const spec = checkObject(fe, childPath(path, 'spec'), own(template, 'spec'), { required: true });
  if (spec) checkPodSpec(fe, childPath(path, 'spec'), spec);
}

export function checkPodSpec(fe: FieldErrors, path: string, spec: JsonObject): void {
  const volumeNames = checkVolumes(fe, childPath(path, 'volumes'), own(spec, 'volumes'));
  const containerNames = new Set<string>();
  const containersPath = childPath(path, 'containers');
  const containers = checkArray(fe, containersPath, own(spec, 'containers'), { required: true });
  if (containers && containers.length === 0) fe.required(containersPath, 'at least one container is required');
  containers?.forEach((c, i) => checkContainer(fe, indexPath(containersPath, i), c, { init: false, containerNames, volumeNames }));
  const initPath = childPath(path, 'initContainers');
  checkArray(fe, initPath, own(spec, 'initContainers'))?.forEach((c, i) =>
    checkContainer(fe, indexPath(initPath, i), c, { init: true, containerNames, volumeNames }),
  );

  checkResourceList(fe, childPath(path, 'overhead'), own(spec, 'overhead'), { container: true });
  checkEnum(fe, childPath(path, 'restartPolicy'), own(spec, 'restartPolicy'), RESTART_POLICIES);
  checkEnum(fe, childPath(path, 'dnsPolicy'), own(spec, 'dnsPolicy'), DNS_POLICIES);
  checkBoolean(fe, childPath(path, 'hostNetwork'), own(spec, 'hostNetwork'));
  for (const field of ['hostname', 'subdomain']) {
    const s = checkString(fe, childPath(path, field), own(spec, field));
    if (s) checkNamed(fe, childPath(path, field), s, dns1123LabelProblems);
  }
  for (const field of ['priorityClassName', 'schedulerName', 'serviceAccountName']) {
    const s = checkString(fe, childPath(path, field), own(spec, field));
    if (s) checkNamed(fe, childPath(path, field), s, dns1123SubdomainProblems);
  }
  checkString(fe, childPath(path, 'nodeName'), own(spec, 'nodeName'));
  checkInteger(fe, childPath(path, 'priority'), own(spec, 'priority'));
  checkInteger(fe, childPath(path, 'terminationGracePeriodSeconds'), own(spec, 'terminationGracePeriodSeconds'), {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
  });
  checkNodeSelector(fe, childPath(path, 'nodeSelector'), own(spec, 'nodeSelector'));
  checkAffinity(fe, childPath(path, 'affinity'), own(spec, 'affinity'));
  const tolPath = childPath(path, 'tolerations');
  checkArray(fe, tolPath, own(spec, 'tolerations'))?.forEach((t, i) => checkToleration(fe, indexPath(tolPath, i), t));
}

function checkVolumes(fe: FieldErrors, path: string, v: unknown): Set<string> {
  const names = new Set<string>();
  checkArray(fe, path, v)?.forEach((vol, i) => {
    const p = indexPath(path, i);
    const o = checkObject(fe, p, vol);
    if (!o) return;
    const name = checkString(fe, childPath(p, 'name'), own(o, 'name'), { required: true });
    if (name === undefined) return;
    if (!checkNamed(fe, childPath(p, 'name'), name, dns1123LabelProblems)) return;
    if (names.has(name)) fe.duplicate(childPath(p, 'name'), name);
    names.add(name);
  });
  return names;
}

function checkContainer(
  fe: FieldErrors,
  path: string,
  v: unknown,
  ctx: { init: boolean; containerNames: Set<string>; volumeNames: Set<string> },
): void {
  const c = checkObject(fe, path, v);
  if (!c) return;
  const namePath = childPath(path, 'name');
  const name = checkString(fe, namePath, own(c, 'name'), { required: true });
  if (name !== undefined && checkNamed(fe, namePath, name, dns1123LabelProblems)) {
    if (ctx.containerNames.has(name)) fe.duplicate(namePath, name);
    ctx.containerNames.add(name);
  }
  const imagePath = childPath(path, 'image');
  const image = checkString(fe, imagePath, own(c, 'image'), { required: true });
  if (image !== undefined && image.trim() !== image) fe.invalid(imagePath, image, 'must not have leading or trailing whitespace');
  checkEnum(fe, childPath(path, 'imagePullPolicy'), own(c, 'imagePullPolicy'), PULL_POLICIES);
  checkStringArray(fe, childPath(path, 'command'), own(c, 'command'));
  checkStringArray(fe, childPath(path, 'args'), own(c, 'args'));
  checkString(fe, childPath(path, 'workingDir'), own(c, 'workingDir'));
  checkEnum(fe, childPath(path, 'restartPolicy'), own(c, 'restartPolicy'), ctx.init ? ['Always'] : RESTART_POLICIES);
  checkResourceRequirements(fe, childPath(path, 'resources'), own(c, 'resources'));
  const envPath = childPath(path, 'env');
  checkArray(fe, envPath, own(c, 'env'))?.forEach((e, i) => checkEnvVar(fe, indexPath(envPath, i), e));
  const portsPath = childPath(path, 'ports');
  const portNames = new Set<string>();
  checkArray(fe, portsPath, own(c, 'ports'))?.forEach((p, i) => checkPort(fe, indexPath(portsPath, i), p, portNames));
  const mountsPath = childPath(path, 'volumeMounts');
  checkArray(fe, mountsPath, own(c, 'volumeMounts'))?.forEach((m, i) => {
    const p = indexPath(mountsPath, i);
    const o = checkObject(fe, p, m);
    if (!o) return;
    const vol = checkString(fe, childPath(p, 'name'), own(o, 'name'), { required: true });
    if (vol !== undefined && !ctx.volumeNames.has(vol)) fe.notFound(childPath(p, 'name'), vol, 'must match the name of a volume in the pod');
    checkString(fe, childPath(p, 'mountPath'), own(o, 'mountPath'), { required: true });
    checkString(fe, childPath(p, 'subPath'), own(o, 'subPath'));
    checkBoolean(fe, childPath(p, 'readOnly'), own(o, 'readOnly'));
  });
}

function checkEnvVar(fe: FieldErrors, path: string, v: unknown): void {
  const e = checkObject(fe, path, v);
  if (!e) return;
  const namePath = childPath(path, 'name');
  const name = checkString(fe, namePath, own(e, 'name'), { required: true });
  if (name !== undefined && (name.includes('=') || !/^[\x20-\x7e]+$/.test(name))) {
    fe.invalid(namePath, name, "a valid environment variable name must consist only of printable ASCII characters other than '='");
  }
  const value = checkString(fe, childPath(path, 'value'), own(e, 'value'));
  const valueFrom = checkObject(fe, childPath(path, 'valueFrom'), own(e, 'valueFrom'));
  if (value !== undefined && value !== '' && valueFrom !== undefined) {
    fe.invalid(childPath(path, 'valueFrom'), '<object>', 'may not be specified when `value` is not empty');
  }
}

function checkPort(fe: FieldErrors, path: string, v: unknown, names: Set<string>): void {
  const p = checkObject(fe, path, v);
  if (!p) return;
  checkInteger(fe, childPath(path, 'containerPort'), own(p, 'containerPort'), { required: true, min: 1, max: 65535 });
  checkInteger(fe, childPath(path, 'hostPort'), own(p, 'hostPort'), { min: 0, max: 65535 });
  checkString(fe, childPath(path, 'hostIP'), own(p, 'hostIP'));
  checkEnum(fe, childPath(path, 'protocol'), own(p, 'protocol'), PROTOCOLS);
  const namePath = childPath(path, 'name');
  const name = checkString(fe, namePath, own(p, 'name'));
  if (name === undefined || name === '') return;
  if (name.length > 15 || !IANA_SVC_NAME.test(name) || !/[a-z]/.test(name) || name.includes('--')) {
    fe.invalid(namePath, name, 'a port name must be no more than 15 lower case alphanumeric characters or single hyphens, with at least one letter');
  } else if (names.has(name)) {
    fe.duplicate(namePath, name);
  }
  names.add(name);
}

function checkNodeSelector(fe: FieldErrors, path: string, v: unknown): void {
  const sel = checkStringMap(fe, path, v);
  if (!sel) return;
  for (const [k, val] of Object.entries(sel)) {
    const p = keyPath(path, k);
    const kp = qualifiedNameProblems(k);
    if (kp.length > 0) fe.invalid(p, k, kp.join('; '));
    const vp = labelValueProblems(val);
    if (vp.length > 0) fe.invalid(p, val, vp.join('; '));
  }
}

function checkAffinity(fe: FieldErrors, path: string, v: unknown): void {
  const a = checkObject(fe, path, v);
  if (!a) return;
  checkObject(fe, childPath(path, 'podAffinity'), own(a, 'podAffinity'));
  checkObject(fe, childPath(path, 'podAntiAffinity'), own(a, 'podAntiAffinity'));
  const naPath = childPath(path, 'nodeAffinity');
  const na = checkObject(fe, naPath, own(a, 'nodeAffinity'));
  if (!na) return;
  const reqPath = childPath(naPath, 'requiredDuringSchedulingIgnoredDuringExecution');
  const req = checkObject(fe, reqPath, own(na, 'requiredDuringSchedulingIgnoredDuringExecution'));
  if (req) {
    const termsPath = childPath(reqPath, 'nodeSelectorTerms');
    const terms = checkArray(fe, termsPath, own(req, 'nodeSelectorTerms'), { required: true });
    if (terms && terms.length === 0) fe.required(termsPath, 'must have at least one node selector term');
    terms?.forEach((t, i) => checkNodeSelectorTerm(fe, indexPath(termsPath, i), t));
  }
  const prefPath = childPath(naPath, 'preferredDuringSchedulingIgnoredDuringExecution');
  checkArray(fe, prefPath, own(na, 'preferredDuringSchedulingIgnoredDuringExecution'))?.forEach((t, i) => {
    const p = indexPath(prefPath, i);
    const o = checkObject(fe, p, t);
    if (!o) return;
    checkInteger(fe, childPath(p, 'weight'), own(o, 'weight'), { required: true, min: 1, max: 100 });
    checkNodeSelectorTerm(fe, childPath(p, 'preference'), own(o, 'preference'), { required: true });
  });
}

function checkNodeSelectorTerm(fe: FieldErrors, path: string, v: unknown, opts: { required?: boolean } = {}): void {
  const term = checkObject(fe, path, v, opts);
  if (!term) return;
  for (const field of ['matchExpressions', 'matchFields']) {
    const exprPath = childPath(path, field);
    checkArray(fe, exprPath, own(term, field))?.forEach((e, i) => checkRequirement(fe, indexPath(exprPath, i), e));
  }
}

function checkRequirement(fe: FieldErrors, path: string, v: unknown): void {
  const r = checkObject(fe, path, v);
  if (!r) return;
  const key = checkString(fe, childPath(path, 'key'), own(r, 'key'), { required: true });
  if (key !== undefined) checkNamed(fe, childPath(path, 'key'), key, qualifiedNameProblems);
  const op = checkEnum(fe, childPath(path, 'operator'), own(r, 'operator'), NODE_SELECTOR_OPERATORS, { required: true });
  const valuesPath = childPath(path, 'values');
  const values = checkStringArray(fe, valuesPath, own(r, 'values')) ?? [];
  if (op === 'In' || op === 'NotIn') {
    if (values.length === 0) fe.required(valuesPath, 'must be specified when `operator` is In or NotIn');
  } else if (op === 'Exists' || op === 'DoesNotExist') {
    if (values.length > 0) fe.forbidden(valuesPath, 'may not be specified when `operator` is Exists or DoesNotExist');
  } else if (op === 'Gt' || op === 'Lt') {
    if (values.length !== 1) fe.required(valuesPath, 'must be specified single value when `operator` is Lt or Gt');
    else if (!/^-?\d+$/.test(values[0] ?? '')) fe.invalid(indexPath(valuesPath, 0), values[0], 'must be an integer');
  }
}

function checkToleration(fe: FieldErrors, path: string, v: unknown): void {
  const t = checkObject(fe, path, v);
  if (!t) return;
  const keyField = childPath(path, 'key');
  const key = checkString(fe, keyField, own(t, 'key'));
  if (key) checkNamed(fe, keyField, key, qualifiedNameProblems);
  const op = checkEnum(fe, childPath(path, 'operator'), own(t, 'operator'), TOLERATION_OPERATORS) ?? 'Equal';
  const value = checkString(fe, childPath(path, 'value'), own(t, 'value'));
  if (!key && op !== 'Exists') fe.invalid(childPath(path, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"');
  if (op === 'Exists' && value) fe.invalid(childPath(path, 'value'), value, 'value must be empty when `operator` is \'Exists\'');
  const effect = checkEnum(fe, childPath(path, 'effect'), own(t, 'effect'), TAINT_EFFECTS);
  const secondsPath = childPath(path, 'tolerationSeconds');
  const seconds = own(t, 'tolerationSeconds');
  if (seconds !== undefined && seconds !== null) {
    if (!isInteger(seconds)) fe.typeInvalid(secondsPath, seconds, 'an integer');
    else if (effect !== 'NoExecute') fe.invalid(childPath(path, 'effect'), effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set');
  }
}
