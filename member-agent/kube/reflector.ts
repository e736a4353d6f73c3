/**
 * Keeps an ObjectStore in step with the cluster: list, then watch from the list's resourceVersion,
 * re-watch when a watch ends, relist when the server says the version is too old (410 Gone).
 */
import type { KubeClient, KubeObject, ListOptions } from './kube-client.js';
import type { KubeKind } from './kube-kinds.js';
import type { ObjectStore } from './object-store.js';

export interface ReflectorOptions<T extends KubeObject> {
  client: KubeClient;
  kind: KubeKind;
  store: ObjectStore<T>;
  selector?: ListOptions;
  /** pause before a retry after an error (ms) */
  retryDelayMs?: number;
  onError?: (err: unknown) => void;
}

export class Reflector<T extends KubeObject> {
  private resourceVersion = '';
  private watch: { abort(): void } | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private syncedOnce: Promise<void>;
  private resolveSynced!: () => void;
  private generation = 0;

  constructor(private readonly opts: ReflectorOptions<T>) {
    this.syncedOnce = new Promise((resolve) => (this.resolveSynced = resolve));
  }

  /** Resolves after the first successful list. */
  synced(): Promise<void> {
    return this.syncedOnce;
  }

  start(): Promise<void> {
    void this.relist();
    return this.syncedOnce;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.watch?.abort();
    this.watch = undefined;
  }

  private retry(fn: () => Promise<void>): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void fn(), this.opts.retryDelayMs ?? 500);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    try {
      const { items, resourceVersion } = await this.opts.client.list<T>(this.opts.kind, this.opts.selector ?? {});
      if (this.stopped) return;
      this.opts.store.replaceAll(items);
      this.resourceVersion = resourceVersion;
      this.resolveSynced();
      await this.startWatch();
    } catch (err) {
      this.opts.onError?.(err);
      this.retry(() => this.relist());
    }
  }

  private async startWatch(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    const startedAt = Date.now();
    let gone = false;
    try {
      this.watch = await this.opts.client.watch(
        this.opts.kind,
        { ...(this.opts.selector ?? {}), resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
        (type, obj) => {
          if (gen !== this.generation) return;
          if (type === 'ERROR') {
            const code = (obj as unknown as { code?: number }).code;
            if (code === 410) gone = true;
            return;
          }
          const rv = obj.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
          if (type === 'BOOKMARK') return;
          if (type === 'DELETED') this.opts.store.remove(obj.metadata.namespace, obj.metadata.name ?? '', rv);
          else this.opts.store.upsert(obj as T);
        },
        (err) => {
          if (gen !== this.generation || this.stopped) return;
          const code = (err as { statusCode?: number } | undefined)?.statusCode;
          if (gone || code === 410) {
            void this.relist();
            return;
          }
          if (err) {
            this.opts.onError?.(err);
            this.retry(() => this.startWatch());
          } else if (Date.now() - startedAt < 1000) {
            // A server that closes watches at once must not make this a busy loop.
            this.retry(() => this.startWatch());
          } else {
            void this.startWatch();
          }
        },
      );
      if (this.stopped) this.watch.abort();
    } catch (err) {
      this.opts.onError?.(err);
      this.retry(() => this.relist());
    }
  }
}
