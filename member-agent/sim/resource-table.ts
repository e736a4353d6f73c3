/**
 * The kinds the simulated API server serves. Storage, discovery, OpenAPI, selectors and tables are
 * generic over this table: serving another kind is one more entry (plus, only if it needs them,
 * defaulting hooks in kind-behaviors.ts and printer columns in table-columns.ts).
 */
import type { KindBehavior } from './kind-behaviors.js';
import { kindBehaviors } from './kind-behaviors.js';
import type { TableColumn } from './table-columns.js';
import { printerColumns } from './table-columns.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A subresource listed in discovery (`pods/binding`, `queues/status`). */
export interface SubresourceInfo {
  name: 'status' | 'binding' | 'eviction';
  kind: string;
  group?: string;
  version?: string;
  verbs: readonly Verb[];
}

export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  namespaced: boolean;
  categories?: string[];
  /** has a `/status` subresource: the main resource ignores status changes and vice versa */
  statusSubresource?: boolean;
  /** built-in kinds accept strategic merge patch; custom resources answer 415 to it, as Kubernetes does */
  builtIn: boolean;
  /** field-selector paths beyond metadata.name and metadata.namespace */
  selectableFields?: string[];
  /** field paths kept in an O(1) index for field-selector lists and watches */
  indexedFields?: string[];
  /** DNS-1123 label (namespaces) or subdomain (everything else) */
  nameRule?: 'label' | 'subdomain';
  extraSubresources?: SubresourceInfo[];
  verbs?: readonly Verb[];
}

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** `v1` or `group/version` */
  readonly apiVersion: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly categories: readonly string[];
  readonly statusSubresource: boolean;
  readonly builtIn: boolean;
  readonly selectableFields: ReadonlySet<string>;
  readonly indexedFields: readonly string[];
  readonly nameRule: 'label' | 'subdomain';
  readonly subresources: readonly SubresourceInfo[];
  readonly verbs: readonly Verb[];
  readonly behavior: KindBehavior;
  readonly columns: readonly TableColumn[] | undefined;
  /** `pods`, or `jobs.batch.volcano.sh`: how messages name the resource */
  readonly qualifiedPlural: string;
}

const STATUS_VERBS: readonly Verb[] = ['get', 'patch', 'update'];

export const DEFAULT_RESOURCES: readonly ResourceDefinition[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', shortNames: ['ns'], namespaced: false, builtIn: true,
    statusSubresource: true, nameRule: 'label', selectableFields: ['status.phase'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', shortNames: ['no'], namespaced: false, builtIn: true,
    statusSubresource: true, selectableFields: ['spec.unschedulable'] },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', shortNames: ['po'], namespaced: true, builtIn: true,
    categories: ['all'], statusSubresource: true,
    selectableFields: ['spec.nodeName', 'spec.schedulerName', 'spec.restartPolicy', 'spec.serviceAccountName',
      'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
    indexedFields: ['spec.nodeName'],
    extraSubresources: [
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    ] },
  { group: '', version: 'v1', kind: 'Binding', plural: 'bindings', namespaced: true, builtIn: true, verbs: ['create'] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', shortNames: ['svc'], namespaced: true, builtIn: true,
    categories: ['all'], statusSubresource: true },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'], namespaced: true, builtIn: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true, builtIn: true, selectableFields: ['type'] },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', shortNames: ['ev'], namespaced: true, builtIn: true,
    selectableFields: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
      'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'type',
      'source', 'reportingComponent'] },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true, builtIn: true },
  { group: 'batch.volcano.sh', version: 'v1alpha1', kind: 'Job', plural: 'jobs', shortNames: ['vcjob', 'vj'],
    namespaced: true, builtIn: false, statusSubresource: true, categories: ['all'] },
  { group: 'scheduling.volcano.sh', version: 'v1beta1', kind: 'PodGroup', plural: 'podgroups',
    shortNames: ['pg', 'podgroup-v1beta1'], namespaced: true, builtIn: false, statusSubresource: true },
  { group: 'scheduling.volcano.sh', version: 'v1beta1', kind: 'Queue', plural: 'queues', shortNames: ['q', 'queue-v1beta1'],
    namespaced: false, builtIn: false, statusSubresource: true },
];

export function defineResource(def: ResourceDefinition): ResourceType {
  const apiVersion = def.group === '' ? def.version : `${def.group}/${def.version}`;
  const subresources: SubresourceInfo[] = [];
  if (def.statusSubresource) subresources.push({ name: 'status', kind: def.kind, verbs: STATUS_VERBS });
  subresources.push(...(def.extraSubresources ?? []));
  return {
    group: def.group,
    version: def.version,
    apiVersion,
    kind: def.kind,
    listKind: `${def.kind}List`,
    plural: def.plural,
    singular: def.kind.toLowerCase(),
    shortNames: def.shortNames ?? [],
    namespaced: def.namespaced,
    categories: def.categories ?? [],
    statusSubresource: def.statusSubresource ?? false,
    builtIn: def.builtIn,
    selectableFields: new Set(['metadata.name', 'metadata.namespace', ...(def.selectableFields ?? [])]),
    indexedFields: def.indexedFields ?? [],
    nameRule: def.nameRule ?? 'subdomain',
    subresources,
    verbs: def.verbs ?? ALL_VERBS,
    behavior: kindBehaviors[`${apiVersion}/${def.kind}`] ?? {},
    columns: printerColumns[`${apiVersion}/${def.kind}`],
    qualifiedPlural: def.group === '' ? def.plural : `${def.plural}.${def.group}`,
  };
}

/** Lookups over the served kinds, by URL segments and by apiVersion + kind. */
export class ResourceRegistry {
  readonly all: readonly ResourceType[];
  private readonly byPath = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();

  constructor(defs: readonly ResourceDefinition[] = DEFAULT_RESOURCES) {
    this.all = defs.map(defineResource);
    for (const r of this.all) {
      this.byPath.set(`${r.apiVersion}/${r.plural}`, r);
      this.byKind.set(`${r.apiVersion}/${r.kind}`, r);
    }
  }

  /** `apiVersion` is `v1` or `group/version` */
  lookup(apiVersion: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${apiVersion}/${plural}`);
  }

  byApiVersionKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** Served group versions in discovery order: core first, then groups by name. */
  groupVersions(): { group: string; version: string; apiVersion: string }[] {
    const seen = new Map<string, { group: string; version: string; apiVersion: string }>();
    for (const r of this.all) {
      if (!seen.has(r.apiVersion)) seen.set(r.apiVersion, { group: r.group, version: r.version, apiVersion: r.apiVersion });
    }
    return [...seen.values()];
  }

  inGroupVersion(apiVersion: string): ResourceType[] {
    return this.all.filter((r) => r.apiVersion === apiVersion);
  }

  get pods(): ResourceType {
    return this.require('v1', 'Pod');
  }

  get nodes(): ResourceType {
    return this.require('v1', 'Node');
  }

  get namespaces(): ResourceType {
    return this.require('v1', 'Namespace');
  }

  require(apiVersion: string, kind: string): ResourceType {
    const r = this.byApiVersionKind(apiVersion, kind);
    if (!r) throw new Error(`the simulated cluster does not serve ${apiVersion} ${kind}`);
    return r;
  }
}
