/**
 * `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`: the server-side printing kubectl asks
 * for, so `kubectl get vcjob` shows Volcano's columns (STATUS, MINAVAILABLE, RUNNINGS, AGE, QUEUE).
 */
import type { FastifyRequest } from 'fastify';
import type { ObjectMeta } from '../../shared/api/core.js';

export interface TableColumn<T> {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean';
  format?: string;
  description: string;
  cell(o: T, now: number): string | number | boolean | null;
}

export function wantsTable(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

/** Kubernetes' short human duration: 45s, 3m20s, 5h, 3d4h, 400d, 2y. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

export function age(meta: ObjectMeta, now: number): string {
  const t = meta.creationTimestamp ? Date.parse(meta.creationTimestamp) : NaN;
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

export function toTable<T extends { metadata: ObjectMeta; apiVersion?: unknown; kind?: unknown }>(
  items: readonly T[], columns: ReadonlyArray<TableColumn<T>>, listMeta: Record<string, unknown>, now: number,
) {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the object', priority: 0 },
      ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: 0 })),
    ],
    rows: items.map((o) => ({
      cells: [o.metadata.name ?? '', ...columns.map((c) => c.cell(o, now))],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

/** A one-row Table for a watch event; column definitions go with the first event only, as Kubernetes does. */
export function tableRow<T extends { metadata: ObjectMeta }>(o: T, columns: ReadonlyArray<TableColumn<T>>, first: boolean, now: number) {
  const table = toTable([o], columns, { resourceVersion: o.metadata.resourceVersion }, now);
  return first ? table : { ...table, columnDefinitions: [] };
}
