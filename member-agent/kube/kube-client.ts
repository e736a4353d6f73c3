/**
 * The agent's one door to a cluster, built on @kubernetes/client-node: generic create / get / list /
 * replace / patch / delete for any kind, status writes for Volcano's custom resources, pods/binding,
 * the eviction API and watches. Everything comes back as plain JSON.
 *
 * Requests share one keep-alive connection pool (client-node otherwise opens a connection per call)
 * and go out through a node:http transport plugged into client-node's `httpApi` extension point:
 * both dominate the cost of small requests such as bindings. The frequent calls (list, get, create,
 * bindings, status writes) send and read JSON directly on that transport; the others go through
 * client-node's generic object API (discovery-backed), whose typed models turn timestamps into Date
 * objects that `plain` turns back into strings.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import type { ObjectMeta } from '../../shared/api/core.js';
import { POD, collectionPath, type KubeKind } from './kube-kinds.js';
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


export class KubeClient {
  readonly kubeConfig: k8s.KubeConfig;
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly core: k8s.CoreV1Api;
  private readonly watcher: k8s.Watch;
  private readonly auth: SharedAgentAuth;
  private readonly httpApi: k8s.HttpLibrary;
  private readonly base: string;

  constructor(kc: k8s.KubeConfig, opts: { maxSockets?: number; onRequest?: RequestObserver } = {}) {
    this.kubeConfig = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    const auth = new SharedAgentAuth(kc, opts.maxSockets ?? 256);
    const fallback = new http.Agent({ keepAlive: true });
    this.auth = auth;
    this.httpApi = nodeHttpLibrary(fallback, opts.onRequest);
    this.base = cluster.server.replace(/\/+$/, '');
    const config = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(cluster.server, {}),
      authMethods: { default: auth },
      httpApi: this.httpApi,
    });
    this.objects = new k8s.KubernetesObjectApi(config);
    this.core = new k8s.CoreV1Api(config);
    this.watcher = new k8s.Watch(kc);
  }

  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '';
  }

  /**
   * One JSON request on the same transport and credentials as the generated API, without its typed
   * models: the hot writes (pod creates, bindings, status patches) skip client-node's model walk
   * in both directions, and the answer stays the server's JSON. Failures raise client-node's
   * ApiException with the status code and the body text, as the generated API does.
   */
  private async requestJson(method: k8s.HttpMethod, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const ctx = new k8s.RequestContext(this.base + path, method);
    ctx.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', contentType);
      ctx.setBody(JSON.stringify(body));
    }
    await this.auth.applySecurityAuthentication(ctx);
    const res = await this.httpApi.send(ctx).toPromise();
    const text = await res.body.text();
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299) {
      throw new k8s.ApiException<string>(res.httpStatusCode, 'Unsuccessful HTTP Request', text, res.headers);
    }
    return text === '' ? {} : JSON.parse(text);
  }

  private objectPath(kind: KubeKind, namespace: string | undefined, name?: string, sub?: string): string {
    const coll = collectionPath(kind, kind.namespaced ? (namespace ?? 'default') : undefined);
    return name === undefined ? coll : `${coll}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
  }

  private header(kind: KubeKind, namespace: string | undefined, name: string) {
    return { apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name, ...(kind.namespaced ? { namespace: namespace ?? 'default' } : {}) } };
  }

  /** Lists every object (following `continue` tokens) and the collection's resourceVersion. */
  async list<T extends KubeObject>(kind: KubeKind, opts: ListOptions = {}): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    const path = collectionPath(kind, kind.namespaced ? opts.namespace : undefined);
    do {
      const query = new URLSearchParams();
      if (opts.fieldSelector) query.set('fieldSelector', opts.fieldSelector);
      if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
      if (token) query.set('continue', token);
      const qs = query.toString();
      const page = await this.requestJson(k8s.HttpMethod.GET, qs === '' ? path : `${path}?${qs}`);
      const p = page as { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
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
    return (await this.requestJson(k8s.HttpMethod.GET, this.objectPath(kind, namespace, name))) as T;
  }

  async create<T extends KubeObject>(kind: KubeKind, obj: T): Promise<T> {
    const namespace = kind.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    const metadata = namespace === undefined || obj.metadata.namespace === namespace ? obj.metadata : { ...obj.metadata, namespace };
    const body = { ...obj, apiVersion: kind.apiVersion, kind: kind.kind, metadata };
    return (await this.requestJson(k8s.HttpMethod.POST, this.objectPath(kind, namespace), body)) as T;
  }

  async replace<T extends KubeObject>(kind: KubeKind, obj: T): Promise<T> {
    const body = { ...obj, apiVersion: kind.apiVersion, kind: kind.kind };
    return plain<T>(await this.objects.replace(body as k8s.KubernetesObject));
  }

  /** PUT …/status of a Volcano custom resource (Job, PodGroup, Queue). */
  async replaceStatus<T extends KubeObject>(kind: KubeKind, obj: T): Promise<T> {
    const body = { ...obj, apiVersion: kind.apiVersion, kind: kind.kind };
    return (await this.requestJson(k8s.HttpMethod.PUT, this.objectPath(kind, obj.metadata.namespace, obj.metadata.name ?? '', 'status'), body)) as T;
  }

  /** JSON merge patch of …/status of a Volcano custom resource. */
  async patchStatus<T extends KubeObject>(kind: KubeKind, namespace: string | undefined, name: string, patch: object): Promise<T> {
    return (await this.requestJson(k8s.HttpMethod.PATCH, this.objectPath(kind, namespace, name, 'status'), patch, k8s.PatchStrategy.MergePatch)) as T;
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
    await this.requestJson(k8s.HttpMethod.POST, this.objectPath(POD, namespace, name, 'binding'), {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, ...(uid ? { uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
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
