/**
 * A simulated member cluster in one call: object store, garbage collector, kubelets for the given node
 * shapes, and the API server listening on loopback. Tests use it in-process; `caldera sim-cluster`
 * runs it as a process of its own.
 *
 *   const sim = await startSimCluster({ name: 'a', nodes: '4x{cpu: 8, memory: 32Gi}' });
 *   const core = sim.kubeconfig.config.makeApiClient(k8s.CoreV1Api);
 *   ...
 *   await sim.stop();
 */
import type { FastifyInstance } from 'fastify';
import { buildApiServer } from './api-server.js';
import { GarbageCollector, type GarbageCollectorOptions } from './garbage-collector.js';
import { simKubeconfig, writeKubeconfig, type SimKubeconfig } from './kubeconfig.js';
import { Kubelet, type KubeletOptions } from './kubelet.js';
import { parseNodeShapes, type NodeGroupSpec } from './node-shapes.js';
import { ObjectStore } from './object-store.js';
import { SimClock, type SimClockOptions } from './sim-clock.js';
import { isPlainObject } from './sim-object.js';

export interface SimClusterOptions {
  /** cluster name, used in node names and the kubeconfig context (default 'sim') */
  name?: string;
  /** node shapes, e.g. `'20x{cpu: 32, memory: 128Gi, nvidia.com/gpu: 8}'` (default `3x{cpu: 8, memory: 32Gi}`) */
  nodes?: string | NodeGroupSpec[];
  /** listen port; 0 picks a free one (default 0) */
  port?: number;
  /** listen address (default 127.0.0.1) */
  host?: string;
  /** require this bearer token (the kubeconfig carries it) */
  token?: string;
  /** also write the kubeconfig to this file */
  kubeconfigPath?: string;
  /** simulated time: options for a new SimClock, or one to share */
  clock?: SimClockOptions | SimClock;
  kubelet?: KubeletOptions;
  /** change events kept per kind for resuming watches (default 10,000) */
  historySize?: number;
  /** how often watchers that asked for bookmarks get one, in real ms (default 60,000) */
  bookmarkIntervalMs?: number;
  garbageCollector?: GarbageCollectorOptions;
  /** objects to create at start (namespaces, queues, ...) in order */
  objects?: unknown[];
}

export interface SimCluster {
  name: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  kubeconfig: SimKubeconfig;
  kubeconfigPath?: string;
  store: ObjectStore;
  kubelet: Kubelet;
  clock: SimClock;
  app: FastifyInstance;
  /** closes watches and the server, stops the kubelet and the clock */
  stop(): Promise<void>;
}

export const DEFAULT_NODE_SHAPES = '3x{cpu: 8, memory: 32Gi}';

/** Creates seed objects, each by its apiVersion and kind. */
function seed(store: ObjectStore, objects: unknown[]): void {
  for (const obj of objects) {
    if (!isPlainObject(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      throw new Error('every seed object needs apiVersion and kind');
    }
    const resource = store.resource(obj.apiVersion, obj.kind);
    const ns = isPlainObject(obj.metadata) && typeof obj.metadata.namespace === 'string' ? obj.metadata.namespace : 'default';
    store.create(resource, obj, resource.namespaced ? { namespace: ns } : {});
  }
}

export async function startSimCluster(opts: SimClusterOptions = {}): Promise<SimCluster> {
  const name = opts.name ?? 'sim';
  const clock = opts.clock instanceof SimClock ? opts.clock : new SimClock(opts.clock ?? {});
  const store = new ObjectStore({ clock, ...(opts.historySize !== undefined ? { historySize: opts.historySize } : {}) });
  const gc = new GarbageCollector(store, opts.garbageCollector);
  const kubelet = new Kubelet({ store, clock, clusterName: name, ...opts.kubelet });
  const shapes = typeof opts.nodes === 'string' || opts.nodes === undefined ? parseNodeShapes(opts.nodes ?? DEFAULT_NODE_SHAPES) : opts.nodes;
  kubelet.addNodes(shapes);
  seed(store, opts.objects ?? []);

  const app = buildApiServer({ store, ...(opts.token ? { token: opts.token } : {}) });
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port ?? 0;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kubeconfig = simKubeconfig({ name, server: url, ...(opts.token ? { token: opts.token } : {}) });
  if (opts.kubeconfigPath) writeKubeconfig(opts.kubeconfigPath, kubeconfig.yaml);

  const bookmarks = setInterval(() => store.sendBookmarks(), opts.bookmarkIntervalMs ?? 60_000);
  bookmarks.unref();
  let stopped: Promise<void> | undefined;
  return {
    name,
    url,
    kubeconfig,
    ...(opts.kubeconfigPath ? { kubeconfigPath: opts.kubeconfigPath } : {}),
    store,
    kubelet,
    clock,
    app,
    stop() {
      stopped ??= (async () => {
        clearInterval(bookmarks);
        kubelet.stop();
        gc.stop();
        clock.stop();
        store.closeWatches();
        await app.close();
      })();
      return stopped;
    },
  };
}
