/**
 * Printer columns for `kubectl get` (server-side Tables). Built-in kinds get the columns kubectl users
 * know; the Volcano kinds get the printer columns of their CRDs. Kinds without an entry print Name and Age.
 */
import { isPlainObject, type SimObject } from './sim-object.js';

export type Cell = string | number | boolean | null;

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 is shown by default, 1 only with `-o wide` */
  priority: number;
  cell(obj: SimObject, now: number): Cell;
}

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function str(obj: unknown, path: string, fallback = '<none>'): string {
  const v = at(obj, path);
  return v === undefined || v === null || v === '' ? fallback : String(v);
}

function int(obj: unknown, path: string): number | null {
  const v = at(obj, path);
  return typeof v === 'number' ? v : null;
}

function list(obj: unknown, path: string): Record<string, unknown>[] {
  const v = at(obj, path);
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

/** kubectl's short duration: 45s, 3m12s, 2h5m, 4d, 2y30d. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  const y = Math.floor(h / 24 / 365);
  if (h < 24 * 365 * 8) return `${y}y${Math.floor(h / 24) % 365}d`;
  return `${y}y`;
}

function age(obj: SimObject, now: number): string {
  const created = obj.metadata.creationTimestamp;
  return created ? humanDuration(now - Date.parse(created)) : '<unknown>';
}

export const NAME_COLUMN: TableColumn = {
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace.',
  cell: (o) => o.metadata.name,
};

export const AGE_COLUMN: TableColumn = {
  name: 'Age', type: 'string', priority: 0,
  description: 'CreationTimestamp is the time the object was created.',
  cell: age,
};

function col(name: string, type: TableColumn['type'], cell: TableColumn['cell'], priority = 0): TableColumn {
  return { name, type, priority, description: name, cell };
}

/** kubectl's pod STATUS: a waiting or terminated container reason wins over the phase. */
function podStatus(pod: SimObject): string {
  const status = pod.status;
  let reason = str(status, 'reason', '') || str(status, 'phase', 'Unknown');
  for (const cs of list(status, 'containerStatuses')) {
    const waiting = str(cs, 'state.waiting.reason', '');
    const terminated = str(cs, 'state.terminated.reason', '');
    if (waiting) reason = waiting;
    else if (terminated) reason = terminated;
    else if (at(cs, 'state.terminated') !== undefined) reason = `ExitCode:${str(cs, 'state.terminated.exitCode', '0')}`;
  }
  if (pod.metadata.deletionTimestamp && reason !== 'NodeLost') reason = 'Terminating';
  return reason;
}

const podColumns: TableColumn[] = [
  NAME_COLUMN,
  col('Ready', 'string', (o) => {
    const statuses = list(o.status, 'containerStatuses');
    const total = list(o.spec, 'containers').length;
    return `${statuses.filter((c) => c.ready === true).length}/${total}`;
  }),
  col('Status', 'string', podStatus),
  col('Restarts', 'string', (o) => String(list(o.status, 'containerStatuses')
    .reduce((n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0), 0))),
  AGE_COLUMN,
  col('IP', 'string', (o) => str(o, 'status.podIP'), 1),
  col('Node', 'string', (o) => str(o, 'spec.nodeName'), 1),
  col('Nominated Node', 'string', (o) => str(o, 'status.nominatedNodeName'), 1),
  col('Readiness Gates', 'string', () => '<none>', 1),
];

const nodeColumns: TableColumn[] = [
  NAME_COLUMN,
  col('Status', 'string', (o) => {
    const ready = list(o.status, 'conditions').find((c) => c.type === 'Ready');
    const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
    if (at(o, 'spec.unschedulable') === true) parts.push('SchedulingDisabled');
    return parts.join(',');
  }),
  col('Roles', 'string', (o) => {
    const roles = Object.keys(o.metadata.labels ?? {})
      .filter((k) => k.startsWith('node-role.kubernetes.io/'))
      .map((k) => k.slice('node-role.kubernetes.io/'.length));
    return roles.length ? roles.join(',') : '<none>';
  }),
  AGE_COLUMN,
  col('Version', 'string', (o) => str(o, 'status.nodeInfo.kubeletVersion', '')),
  col('Internal-IP', 'string', (o) => str(list(o.status, 'addresses').find((a) => a.type === 'InternalIP'), 'address'), 1),
  col('External-IP', 'string', (o) => str(list(o.status, 'addresses').find((a) => a.type === 'ExternalIP'), 'address'), 1),
  col('OS-Image', 'string', (o) => str(o, 'status.nodeInfo.osImage'), 1),
  col('Kernel-Version', 'string', (o) => str(o, 'status.nodeInfo.kernelVersion'), 1),
  col('Container-Runtime', 'string', (o) => str(o, 'status.nodeInfo.containerRuntimeVersion'), 1),
];

export const printerColumns: Readonly<Record<string, readonly TableColumn[]>> = {
  'v1/Pod': podColumns,
  'v1/Node': nodeColumns,
  'v1/Namespace': [NAME_COLUMN, col('Status', 'string', (o) => str(o, 'status.phase', '')), AGE_COLUMN],
  'v1/Service': [
    NAME_COLUMN,
    col('Type', 'string', (o) => str(o, 'spec.type')),
    col('Cluster-IP', 'string', (o) => str(o, 'spec.clusterIP')),
    col('External-IP', 'string', () => '<none>'),
    col('Port(s)', 'string', (o) => list(o.spec, 'ports').map((p) => `${String(p.port)}/${String(p.protocol ?? 'TCP')}`).join(',') || '<none>'),
    AGE_COLUMN,
  ],
  'v1/ConfigMap': [NAME_COLUMN, col('Data', 'integer', (o) => Object.keys(isPlainObject(o.data) ? o.data : {}).length
    + Object.keys(isPlainObject(o.binaryData) ? o.binaryData : {}).length), AGE_COLUMN],
  'v1/Secret': [NAME_COLUMN, col('Type', 'string', (o) => str(o, 'type', '')),
    col('Data', 'integer', (o) => Object.keys(isPlainObject(o.data) ? o.data : {}).length), AGE_COLUMN],
  'v1/Event': [
    col('Last Seen', 'string', (o, now) => {
      const t = str(o, 'lastTimestamp', '') || str(o, 'eventTime', '') || (o.metadata.creationTimestamp ?? '');
      return t ? humanDuration(now - Date.parse(t)) : '<unknown>';
    }),
    col('Type', 'string', (o) => str(o, 'type', '')),
    col('Reason', 'string', (o) => str(o, 'reason', '')),
    col('Object', 'string', (o) => `${str(o, 'involvedObject.kind', '').toLowerCase()}/${str(o, 'involvedObject.name', '')}`),
    col('Message', 'string', (o) => str(o, 'message', '')),
  ],
  'coordination.k8s.io/v1/Lease': [NAME_COLUMN, col('Holder', 'string', (o) => str(o, 'spec.holderIdentity', '')), AGE_COLUMN],
  'batch.volcano.sh/v1alpha1/Job': [
    NAME_COLUMN,
    col('STATUS', 'string', (o) => str(o, 'status.state.phase', '')),
    col('minAvailable', 'integer', (o) => int(o, 'status.minAvailable')),
    col('RUNNINGS', 'integer', (o) => int(o, 'status.running')),
    { ...AGE_COLUMN, name: 'AGE' },
    col('QUEUE', 'string', (o) => str(o, 'spec.queue', ''), 1),
  ],
  'scheduling.volcano.sh/v1beta1/PodGroup': [
    NAME_COLUMN,
    col('STATUS', 'string', (o) => str(o, 'status.phase', '')),
    col('minMember', 'integer', (o) => int(o, 'spec.minMember')),
    col('RUNNINGS', 'integer', (o) => int(o, 'status.running')),
    { ...AGE_COLUMN, name: 'AGE' },
    col('QUEUE', 'string', (o) => str(o, 'spec.queue', ''), 1),
  ],
  'scheduling.volcano.sh/v1beta1/Queue': [
    NAME_COLUMN,
    col('STATE', 'string', (o) => str(o, 'status.state', '')),
    col('WEIGHT', 'integer', (o) => int(o, 'spec.weight')),
    col('PARENT', 'string', (o) => str(o, 'spec.parent', ''), 1),
    { ...AGE_COLUMN, name: 'AGE' },
  ],
};
