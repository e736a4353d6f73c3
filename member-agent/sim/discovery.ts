/**
 * Discovery and OpenAPI documents, generated from the resource table: what kubectl and client
 * libraries read before they touch a resource. The OpenAPI v3 documents are minimal: each names the
 * PATCH operation of every kind with its group-version-kind and the `fieldValidation` parameter, which
 * is what kubectl checks to leave field validation to the server (so a plain `kubectl apply -f` works).
 */
import { createHash } from 'node:crypto';
import type { ResourceRegistry, ResourceType } from './resource-table.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '34',
  emulationMajor: '1',
  emulationMinor: '34',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '33',
  gitVersion: 'v1.34.0-caldera-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.24.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function apiResource(r: ResourceType): Record<string, unknown> {
  return {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    storageVersionHash: createHash('sha256').update(`${r.apiVersion}/${r.kind}`).digest('base64').slice(0, 11),
  };
}

export function apiResourceList(registry: ResourceRegistry, apiVersion: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const r of registry.inGroupVersion(apiVersion)) {
    resources.push(apiResource(r));
    for (const sub of r.subresources) {
      resources.push({
        name: `${r.plural}/${sub.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
        kind: sub.kind,
        verbs: sub.verbs,
      });
    }
  }
  // Sorted by name, as Kubernetes lists them: clients that take the first entry of a kind get `bindings`, not `pods/binding`.
  resources.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersion, resources };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

function groups(registry: ResourceRegistry): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const gv of registry.groupVersions()) {
    if (gv.group === '') continue;
    const versions = out.get(gv.group) ?? [];
    if (!versions.includes(gv.version)) versions.push(gv.version);
    out.set(gv.group, versions);
  }
  return out;
}

export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups(registry)].map(([g, v]) => groupEntry(g, v)),
  };
}

export function apiGroup(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  const versions = groups(registry).get(group);
  return versions && { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

/** `api/v1` or `apis/<group>/<version>`: the keys of the OpenAPI v3 index. */
export function openApiPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `apis/${apiVersion}` : `api/${apiVersion}`;
}

/** One OpenAPI v3 document per group version. */
export function openApiV3Document(registry: ResourceRegistry, apiVersion: string): Record<string, unknown> | undefined {
  const resources = registry.inGroupVersion(apiVersion);
  if (resources.length === 0) return undefined;
  const prefix = `/${openApiPath(apiVersion)}`;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const queryParam = (name: string, type = 'string') => ({ name, in: 'query', schema: { type }, uniqueItems: true });
  for (const r of resources) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const schemaName = `${r.group === '' ? 'io.k8s.api.core' : r.group.split('.').reverse().join('.')}.${r.version}.${r.kind}`;
    schemas[schemaName] = { type: 'object', 'x-kubernetes-group-version-kind': [gvk], 'x-kubernetes-preserve-unknown-fields': true };
    const ref = { $ref: `#/components/schemas/${schemaName}` };
    const body = { content: { 'application/json': { schema: ref } }, required: true };
    const ok = { 200: { description: 'OK', content: { 'application/json': { schema: ref } } } };
    const itemPath = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}/{name}` : `${prefix}/${r.plural}/{name}`;
    const collectionPath = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
    const common = { 'x-kubernetes-group-version-kind': gvk };
    // Strategic merge patch is accepted for built-in kinds but not listed: the schemas here are too thin
    // for kubectl to compute one from, so it falls back to the patch metadata compiled into it.
    const patchContent = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];
    if (r.verbs.includes('get')) {
      paths[itemPath] = {
        get: { ...common, 'x-kubernetes-action': 'get', operationId: `read${r.kind}`, responses: ok },
        put: { ...common, 'x-kubernetes-action': 'put', operationId: `replace${r.kind}`, requestBody: body, responses: ok,
          parameters: [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation')] },
        patch: {
          ...common, 'x-kubernetes-action': 'patch', operationId: `patch${r.kind}`, responses: ok,
          requestBody: { content: Object.fromEntries(patchContent.map((c) => [c, { schema: { type: 'object' } }])), required: true },
          parameters: [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation'), queryParam('force', 'boolean')],
        },
        delete: { ...common, 'x-kubernetes-action': 'delete', operationId: `delete${r.kind}`, responses: ok },
      };
    }
    paths[collectionPath] = {
      ...(r.verbs.includes('list') ? { get: { ...common, 'x-kubernetes-action': 'list', operationId: `list${r.kind}`, responses: ok } } : {}),
      post: { ...common, 'x-kubernetes-action': 'post', operationId: `create${r.kind}`, requestBody: body, responses: ok,
        parameters: [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation')] },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Caldera simulated cluster', version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas },
  };
}

/** The OpenAPI v3 index: one entry per group version, each with a content hash in its URL. */
export function openApiV3Index(registry: ResourceRegistry, docs: Map<string, string>): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const gv of registry.groupVersions()) {
    const path = openApiPath(gv.apiVersion);
    const doc = docs.get(path);
    if (!doc) continue;
    const hash = createHash('sha512').update(doc).digest('hex').slice(0, 32).toUpperCase();
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}
