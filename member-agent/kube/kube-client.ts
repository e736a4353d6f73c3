/**
 * The agent's one door to a cluster, built on @kubernetes/client-node: generic create / get / list /
 * replace / patch / delete for any kind (discovery-backed), status writes for Volcano's custom
 * resources, pods/binding, the eviction API and watches. Everything comes back as plain JSON (client-
 * node's typed models turn timestamps into Date objects; `plain` turns them back into strings).
 *
 * Requests share one keep-alive connection pool (client-node otherwise opens a connection per call)
 * and go out through a node:http transport plugged into client-node's `httpApi` extension point:
 * both dominate the cost of small requests such as bindings.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import type { ObjectMeta } from '../../shared/api/core.js';
import { collectionPath, groupOf, versionOf, type KubeKind } from './kube-kinds.js';
import { nodeHttpLibrary, type RequestObserver } from './node-http-library.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface DeleteOptions {
  /** delete only the object with this uid (a recreated namesake survives) */
  uid?: string;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
}

export interface WatchHandle {
  abort(): void;
}

/** Reuses one keep-alive agent for every request; headers (tokens) still come from the kubeconfig each time. */
class SharedAgentAuth implements k8s.SecurityAuthentication {
  private agent: Promise<http.Agent> | undefined;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly maxSockets: number,
  ) {}

  getName(): string {
    return 'shared-agent';
  }

  async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await this.kc.applySecurityAuthentication(context);
    context.setAgent(await (this.agent ??= this.makeAgent()));
  }

  private async makeAgent(): Promise<http.Agent> {
    const server = this.kc.getCurrentCluster()?.server ?? '';
    const base = { keepAlive: true, maxSockets: this.maxSockets };
    if (server.startsWith('http:')) return new http.Agent(base);
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const cluster = this.kc.getCurrentCluster();
    return new https.Agent({
      ...base,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      ...(cluster?.skipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(cluster?.tlsServerName ? { servername: cluster.tlsServerName } : {}),
    });
  }
}

/** RFC 3339 as Kubernetes writes it: whole seconds without a fraction, else the fraction kept. */
function rfc3339(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * client-node's typed models carry timestamps as Date objects; the agent's API types (and the watch,
 * which is not deserialized) carry strings. Converts in place, walking the object once.
 */
function plain<T>(x: unknown): T {
  return toPlain(x) as T;
}

function toPlain(x: unknown): unknown {
  if (x instanceof Date) return rfc3339(x);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const v: unknown = x[i];
      if (v !== null && typeof v === 'object') x[i] = toPlain(v);
    }
    return x;
  }
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    for (const k in o) {
      const v = o[k];
      if (v === undefined) delete o[k];
      else if (v !== null && typeof v === 'object') o[k] = toPlain(v);
    }
  }
  return x;
}

const MERGE_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export class KubeClient {
  readonly kubeConfig: k8s.KubeConfig;
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;
  private readonly watcher: k8s.Watch;

  constructor(kc: k8s.KubeConfig, opts: { maxSockets?: number; onRequest?: RequestObserver } = {}) {
    this.kubeConfig = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    const auth = new SharedAgentAuth(kc, opts.maxSockets ?? 256);
    const fallback = new http.Agent({ keepAlive: true });
    const config = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(cluster.server, {}),
      authMethods: { default: auth },
      httpApi: nodeHttpLibrary(fallback, opts.onRequest),
    });
    this.objects = new k8s.KubernetesObjectApi(config);
    this.custom = new k8s.CustomObjectsApi(config);
    this.core = new k8s.CoreV1Api(config);
    this.watcher = new k8s.Watch(kc);
  }

  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '';
  }

  private header(kind: KubeKind, namespace: string | undefined, name: string) {
    return { apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name, ...(kind.namespaced ? { namespace: namespace ?? 'default' } : {}) } };
  }

  /** Lists every object (following `continue` tokens) and the collection's resourceVersion. */
  async list<T extends KubeObject>(kind: KubeKind, opts: ListOptions = {}): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.objects.list(
        kind.apiVersion,
        kind.kind,
        kind.namespaced ? opts.namespace : undefined,
        undefined,
        undefined,
        undefined,
        opts.fieldSelector,
        opts.labelSelector,
        undefined,
        token,
      );
      const p = plain<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(page);
      for (const it of p.items ?? []) {
        it.apiVersion ??= kind.apiVersion;
        it.kind ??= kind.kind;
        items.push(it);
      }
      resourceVersion = p.metadata?.resourceVersion ?? resourceVersion;
      token = p.metadata?.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }

  async get<T extends KubeObject>(kind: KubeKind, namespace: string | undefined, name: string): Promise<T> {
    return plain<T>(await this.objects.read(this.header(kind, namespace, name)));
  }

  async create<T extends KubeObject>(kind: KubeKind, obj: T): Promise<T> {
    const body = { ...obj, apiVersion: kind.apiVersion, kind: kind.kind };
    return plain<T>(await this.objects.create(body as k8s.KubernetesObject));
  }

  async replace<T extends KubeObject>(kind: KubeKind, obj: T): Promise<T> {
    const body = { ...obj, apiVersion: kind.apiVersion, kind: kind.kind };
    return plain<T>(await this.objects.replace(body as k8s.KubernetesObject));
  }

  /** PUT …/status of a Volcano custom resource (Job, PodGroup, Queue). */
  async replaceStatus<T extends KubeObject>(kind: KubeKind, obj: T): Promise<T> {
    const body = { ...obj, apiVersion: kind.apiVersion, kind: kind.kind };
    const base = { group: groupOf(kind), version: versionOf(kind), plural: kind.plural, name: obj.metadata.name ?? '', body };
    const out = kind.namespaced
      ? await this.custom.replaceNamespacedCustomObjectStatus({ ...base, namespace: obj.metadata.namespace ?? 'default' })
      : await this.custom.replaceClusterCustomObjectStatus(base);
    return plain<T>(out);
  }

  /** JSON merge patch of …/status of a Volcano custom resource. */
  async patchStatus<T extends KubeObject>(kind: KubeKind, namespace: string | undefined, name: string, patch: object): Promise<T> {
    const base = { group: groupOf(kind), version: versionOf(kind), plural: kind.plural, name, body: patch };
    const out = kind.namespaced
      ? await this.custom.patchNamespacedCustomObjectStatus({ ...base, namespace: namespace ?? 'default' }, MERGE_PATCH)
      : await this.custom.patchClusterCustomObjectStatus(base, MERGE_PATCH);
    return plain<T>(out);
  }

  /** JSON merge patch of an object (metadata, spec). */
  async mergePatch<T extends KubeObject>(kind: KubeKind, namespace: string | undefined, name: string, patch: Record<string, unknown>): Promise<T> {
    const head = this.header(kind, namespace, name);
    const patchMeta = (patch.metadata ?? {}) as Record<string, unknown>;
    const body = { ...patch, ...head, metadata: { ...patchMeta, ...head.metadata } };
    return plain<T>(await this.objects.patch(body as k8s.KubernetesObject, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch));
  }

  async delete(kind: KubeKind, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | undefined> {
    const body: k8s.V1DeleteOptions = {};
    if (opts.uid) body.preconditions = { uid: opts.uid };
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    const out: unknown = await this.objects.delete(
      this.header(kind, namespace, name),
      undefined,
      undefined,
      opts.gracePeriodSeconds,
      undefined,
      opts.propagationPolicy,
      body,
    );
    const res = plain<KubeObject | { kind?: string }>(out ?? {});
    return 'metadata' in res && res.kind !== 'Status' ? (res as KubeObject) : undefined;
  }

  /** Binds a pod to a node through pods/binding, as a scheduler does. */
  async bindPod(namespace: string, name: string, node: string, uid?: string): Promise<void> {
    await this.core.createNamespacedPodBinding({
      name,
      namespace,
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, ...(uid ? { uid } : {}) },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      },
    });
  }

  /** Evicts a pod through the eviction API (which honours disruption budgets). */
  async evictPod(namespace: string, name: string): Promise<void> {
    await this.core.createNamespacedPodEviction({
      name,
      namespace,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
    });
  }

  /** Starts a watch; `onDone` runs once when it ends, with the error if it failed. */
  async watch(
    kind: KubeKind,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: KubeObject) => void,
    onDone: (err?: unknown) => void,
  ): Promise<WatchHandle> {
    const query: Record<string, string | number | boolean> = {};
    if (opts.resourceVersion) query.resourceVersion = opts.resourceVersion;
    if (opts.allowWatchBookmarks) query.allowWatchBookmarks = true;
    if (opts.labelSelector) query.labelSelector = opts.labelSelector;
    if (opts.fieldSelector) query.fieldSelector = opts.fieldSelector;
    if (opts.timeoutSeconds) query.timeoutSeconds = opts.timeoutSeconds;
    const controller = await this.watcher.watch(
      collectionPath(kind, opts.namespace),
      query,
      (type: string, obj: unknown) => onEvent(type as WatchEventType, obj as KubeObject),
      (err: unknown) => onDone(err ?? undefined),
    );
    return { abort: () => controller.abort() };
  }
}
