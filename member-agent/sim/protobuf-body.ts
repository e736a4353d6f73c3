/**
 * Kubernetes' protobuf request bodies, decoded to the JSON form, for the kinds kubectl's typed clients
 * create (`kubectl create namespace|configmap|secret|service`, `kubectl run`). kubectl sends those in
 * protobuf and accepts JSON back, so only decoding is needed. A body is `k8s\0` followed by a
 * runtime.Unknown {typeMeta, raw}; `raw` is the object in the field numbering of Kubernetes' generated
 * .proto files. Only the fields listed below are read (the rest of a Pod's schema is skipped), and
 * empty values are left out, as the JSON encoding omits them.
 */
import { badRequest, failure, StatusError } from '../../shared/errors/status.js';

type Scalar = 'string' | 'bool' | 'int' | 'bytes' | 'time' | 'quantity' | 'intOrString';

interface Field {
  name: string;
  type: Scalar | string;
  repeated?: boolean;
  /** a map<string, type> */
  map?: boolean;
}

const s = (name: string): Field => ({ name, type: 'string' });
const i = (name: string): Field => ({ name, type: 'int' });
const b = (name: string): Field => ({ name, type: 'bool' });
const m = (name: string, type: string): Field => ({ name, type });
const list = (name: string, type: string): Field => ({ name, type, repeated: true });
const map = (name: string, type: string): Field => ({ name, type, map: true });

/** Field numbers of the messages read, by message name. */
const MESSAGES: Readonly<Record<string, Readonly<Record<number, Field>>>> = {
  TypeMeta: { 1: s('apiVersion'), 2: s('kind') },
  ObjectMeta: {
    1: s('name'), 2: s('generateName'), 3: s('namespace'), 5: s('uid'), 6: s('resourceVersion'), 7: i('generation'),
    8: m('creationTimestamp', 'time'), 9: m('deletionTimestamp', 'time'), 10: i('deletionGracePeriodSeconds'),
    11: map('labels', 'string'), 12: map('annotations', 'string'), 13: list('ownerReferences', 'OwnerReference'),
    14: list('finalizers', 'string'),
  },
  OwnerReference: { 5: s('apiVersion'), 1: s('kind'), 3: s('name'), 4: s('uid'), 6: b('controller'), 7: b('blockOwnerDeletion') },
  Namespace: { 1: m('metadata', 'ObjectMeta'), 2: m('spec', 'NamespaceSpec'), 3: m('status', 'NamespaceStatus') },
  NamespaceSpec: { 1: list('finalizers', 'string') },
  NamespaceStatus: { 1: s('phase') },
  ConfigMap: { 1: m('metadata', 'ObjectMeta'), 2: map('data', 'string'), 3: map('binaryData', 'bytes'), 4: b('immutable') },
  Secret: { 1: m('metadata', 'ObjectMeta'), 2: map('data', 'bytes'), 3: s('type'), 4: map('stringData', 'string'), 5: b('immutable') },
  Service: { 1: m('metadata', 'ObjectMeta'), 2: m('spec', 'ServiceSpec'), 3: m('status', 'Empty') },
  ServiceSpec: {
    1: list('ports', 'ServicePort'), 2: map('selector', 'string'), 3: s('clusterIP'), 18: list('clusterIPs', 'string'), 4: s('type'),
    5: list('externalIPs', 'string'), 7: s('sessionAffinity'), 10: s('externalName'), 11: s('externalTrafficPolicy'),
    13: b('publishNotReadyAddresses'), 19: list('ipFamilies', 'string'), 17: s('ipFamilyPolicy'), 22: s('internalTrafficPolicy'),
  },
  ServicePort: { 1: s('name'), 2: s('protocol'), 6: s('appProtocol'), 3: i('port'), 4: m('targetPort', 'intOrString'), 5: i('nodePort') },
  Pod: { 1: m('metadata', 'ObjectMeta'), 2: m('spec', 'PodSpec'), 3: m('status', 'Empty') },
  PodSpec: {
    20: list('initContainers', 'Container'), 2: list('containers', 'Container'), 3: s('restartPolicy'),
    4: i('terminationGracePeriodSeconds'), 5: i('activeDeadlineSeconds'), 6: s('dnsPolicy'), 7: map('nodeSelector', 'string'),
    8: s('serviceAccountName'), 10: s('nodeName'), 11: b('hostNetwork'), 15: list('imagePullSecrets', 'LocalObjectReference'),
    16: s('hostname'), 17: s('subdomain'), 19: s('schedulerName'), 22: list('tolerations', 'Toleration'), 24: s('priorityClassName'),
    25: i('priority'), 29: s('runtimeClassName'), 31: s('preemptionPolicy'), 32: map('overhead', 'quantity'),
  },
  Container: {
    1: s('name'), 2: s('image'), 3: list('command', 'string'), 4: list('args', 'string'), 5: s('workingDir'),
    6: list('ports', 'ContainerPort'), 7: list('env', 'EnvVar'), 8: m('resources', 'ResourceRequirements'),
    24: s('restartPolicy'), 9: list('volumeMounts', 'VolumeMount'), 13: s('terminationMessagePath'),
    20: s('terminationMessagePolicy'), 14: s('imagePullPolicy'), 16: b('stdin'), 17: b('stdinOnce'), 18: b('tty'),
  },
  ContainerPort: { 1: s('name'), 2: i('hostPort'), 3: i('containerPort'), 4: s('protocol'), 5: s('hostIP') },
  EnvVar: { 1: s('name'), 2: s('value') },
  ResourceRequirements: { 1: map('limits', 'quantity'), 2: map('requests', 'quantity') },
  VolumeMount: { 1: s('name'), 2: b('readOnly'), 3: s('mountPath'), 4: s('subPath') },
  Toleration: { 1: s('key'), 2: s('operator'), 3: s('value'), 4: s('effect'), 5: i('tolerationSeconds') },
  LocalObjectReference: { 1: s('name') },
  Empty: {},
};

/** The apiVersion/kind pairs whose protobuf bodies can be read, to their message. */
const KINDS: Readonly<Record<string, string>> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Service': 'Service',
  'v1/Pod': 'Pod',
};

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.buf[this.pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }

  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.end) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = new TextDecoder('utf-8', { fatal: true });

function scalar(type: string, wire: number, r: Reader): unknown {
  switch (type) {
    case 'string': return text.decode(r.bytes());
    case 'bytes': return Buffer.from(r.bytes()).toString('base64');
    case 'int': return Number(BigInt.asIntN(64, r.varint()));
    case 'bool': return r.varint() !== 0n;
    case 'time': {
      const t = decode('Time', r.bytes());
      const seconds = typeof t.seconds === 'number' ? t.seconds : 0;
      return seconds === 0 ? undefined : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
    }
    case 'quantity': return decode('Quantity', r.bytes()).string;
    case 'intOrString': {
      const v = decode('IntOrString', r.bytes());
      return v.type === 1 ? v.strVal ?? '' : v.intVal ?? 0;
    }
    default:
      if (wire !== 2) throw new Error(`field of message ${type} has wire type ${wire}`);
      return decode(type, r.bytes());
  }
}

const INNER: Readonly<Record<string, Readonly<Record<number, Field>>>> = {
  Time: { 1: i('seconds'), 2: i('nanos') },
  Quantity: { 1: s('string') },
  IntOrString: { 1: i('type'), 2: i('intVal'), 3: s('strVal') },
};

function isEmpty(v: unknown): boolean {
  return v === undefined || v === '' || v === 0 || v === false;
}

function decode(message: string, bytes: Uint8Array): Record<string, unknown> {
  const fields = MESSAGES[message] ?? INNER[message];
  if (!fields) throw new Error(`no schema for ${message}`);
  const r = new Reader(bytes);
  const out: Record<string, unknown> = {};
  while (r.pos < r.end) {
    const key = Number(r.varint());
    const num = key >>> 3;
    const wire = key & 7;
    const f = fields[num];
    if (!f) {
      r.skip(wire);
      continue;
    }
    if (f.map) {
      const er = new Reader(r.bytes());
      let k = '';
      let v: unknown = f.type === 'string' ? '' : undefined;
      while (er.pos < er.end) {
        const ek = Number(er.varint());
        if (ek >>> 3 === 1) k = text.decode(er.bytes());
        else if (ek >>> 3 === 2) v = scalar(f.type, ek & 7, er);
        else er.skip(ek & 7);
      }
      const target = (out[f.name] ??= {}) as Record<string, unknown>;
      target[k] = v ?? '';
    } else if (f.repeated) {
      const target = (out[f.name] ??= []) as unknown[];
      target.push(scalar(f.type, wire, r));
    } else {
      const v = scalar(f.type, wire, r);
      if (isEmpty(v)) delete out[f.name];
      else out[f.name] = v;
    }
  }
  return out;
}

/** runtime.Unknown: field 1 the TypeMeta, field 2 the raw object. */
function envelopeOf(body: Uint8Array): { typeMeta: { apiVersion?: string; kind?: string }; raw: Uint8Array } {
  const r = new Reader(body, 4);
  let typeMeta: { apiVersion?: string; kind?: string } = {};
  let raw: Uint8Array = new Uint8Array(0);
  while (r.pos < r.end) {
    const key = Number(r.varint());
    if (key >>> 3 === 1) typeMeta = decode('TypeMeta', r.bytes()) as typeof typeMeta;
    else if (key >>> 3 === 2) raw = r.bytes();
    else r.skip(key & 7);
  }
  return { typeMeta, raw };
}

/** The JSON form of a protobuf body; kinds not listed above answer 415, as a server without protobuf would. */
export function decodeProtobufBody(body: Uint8Array): Record<string, unknown> {
  if (body.length < 4 || MAGIC.some((x, k) => body[k] !== x)) throw new StatusError(badRequest('protobuf body without the k8s envelope'));
  let envelope: ReturnType<typeof envelopeOf>;
  try {
    envelope = envelopeOf(body);
  } catch (err) {
    throw new StatusError(badRequest(`cannot decode the protobuf body: ${err instanceof Error ? err.message : String(err)}`));
  }
  const typeMeta = envelope.typeMeta;
  const message = KINDS[`${typeMeta.apiVersion ?? ''}/${typeMeta.kind ?? ''}`];
  if (!message) {
    throw new StatusError(failure({ reason: 'UnsupportedMediaType',
      message: `the body of the request was in an unknown format - protobuf is read for ${Object.keys(KINDS).join(', ')} only; send application/json` }));
  }
  try {
    const obj = decode(message, envelope.raw);
    return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...obj };
  } catch (err) {
    throw new StatusError(badRequest(`cannot decode the protobuf ${typeMeta.kind ?? ''}: ${err instanceof Error ? err.message : String(err)}`));
  }
}
