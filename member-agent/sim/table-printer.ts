/**
 * Server-side printing for `kubectl get`: objects as a meta.k8s.io/v1 Table, with each row carrying
 * the object's metadata (or the whole object, or nothing, by `includeObject`).
 */
import type { ResourceType } from './resource-table.js';
import type { SimObject } from './sim-object.js';
import { AGE_COLUMN, NAME_COLUMN, type TableColumn } from './table-columns.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function columnsOf(resource: ResourceType): readonly TableColumn[] {
  return resource.columns ?? [NAME_COLUMN, AGE_COLUMN];
}

function rowObject(resource: ResourceType, obj: SimObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(opts: {
  resource: ResourceType;
  items: readonly SimObject[];
  include: IncludeObject;
  now: number;
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}): Record<string, unknown> {
  const columns = columnsOf(opts.resource);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {}),
      ...(opts.continue ? { continue: opts.continue } : {}),
      ...(opts.remainingItemCount !== undefined ? { remainingItemCount: opts.remainingItemCount } : {}),
    },
    columnDefinitions: columns.map((c) => ({
      name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority,
    })),
    rows: opts.items.map((obj) => {
      const object = rowObject(opts.resource, obj, opts.include);
      return { cells: columns.map((c) => c.cell(obj, opts.now)), ...(object !== undefined ? { object } : {}) };
    }),
  };
}

/** PartialObjectMetadata for `as=PartialObjectMetadata` requests. */
export function toPartialMetadata(obj: SimObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}
