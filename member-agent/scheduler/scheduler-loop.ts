/**
 * The local gang scheduler. Every `periodMs` (Volcano's schedule period, default 1 s), and soon after
 * an event that may let something new be placed (a pod to schedule, a PodGroup, freed resources, a
 * node or queue change), one cycle runs:
 *  1. take the incremental snapshot of nodes, queues and PodGroups with their pods;
 *  2. run the scheduling core (Volcano's actions and plugins, from the agent's configuration);
 *  3. write PodGroup phases and conditions that changed (Inqueue lets the job controller create pods);
 *  4. bind each allocated pod through pods/binding and evict victims through the eviction API,
 *     marking bound pods as Binding until the cache shows them on their node;
 *  5. write each queue's `status.allocated` when it changed.
 * Bindings and status writes run in the background: the next cycle need not wait for them, since
 * bound pods count as Binding on their nodes and new PodGroup phases are assumed by the snapshot
 * until the cache shows them. A failed binding makes its pod pending again.
 */
import type { Pod } from '../../shared/api/core.js';
import type { PodGroup, PodGroupStatus } from '../../shared/api/podgroup.js';
import type { Queue, QueueStatus } from '../../shared/api/queue.js';
import type { ResourceVector } from '../../shared/resources/resource-vector.js';
import {
  defaultSchedulerConfig,
  runCycle,
  type CycleResult,
  type Decision,
  type SchedulerConfig,
} from '../../shared/scheduling/index.js';
import { isNotFound } from '../kube/kube-errors.js';
import type { ObjectStore } from '../kube/object-store.js';
import { PODS_BY_GROUP } from '../cluster-caches.js';
import { errorFields, silentLogger, type AgentLogger } from '../logger.js';
import type { AgentSnapshot } from './agent-snapshot.js';
import { LatestWinsWriter } from './latest-wins-writer.js';

export interface SchedulerWriter {
  bindPod(namespace: string, name: string, node: string, uid?: string): Promise<void>;
  evictPod(namespace: string, name: string): Promise<void>;
  patchPodGroupStatus(namespace: string, name: string, status: Partial<PodGroupStatus>): Promise<PodGroup | undefined>;
  patchQueueStatus(name: string, status: Partial<QueueStatus>): Promise<Queue | undefined>;
}

export interface SchedulerLoopOptions {
  snapshot: AgentSnapshot;
  pods: ObjectStore<Pod>;
  podGroups: ObjectStore<PodGroup>;
  queues: ObjectStore<Queue>;
  writer: SchedulerWriter;
  schedulerNames: ReadonlySet<string>;
  config?: SchedulerConfig;
  /** default 1000 */
  periodMs?: number;
  /** least time between two event-triggered cycles; the gap grows to three times the last cycle's duration (default 20) */
  minGapMs?: number;
  /** ... but no further than this (default 100) */
  maxGapMs?: number;
  /** bindings in flight at once (default 64) */
  bindConcurrency?: number;
  /** bindings waiting or in flight beyond which the next cycle waits (default 2048) */
  maxPendingBinds?: number;
  clock?: { now(): number };
  log?: AgentLogger;
  /** after each cycle, with the number of bindings it decided */
  onCycle?: (result: CycleResult, binds: number) => void;
  /** after each binding that succeeded */
  onBound?: (namespace: string, pod: string, node: string) => void;
  /** after each binding the API server refused or that failed */
  onBindFailed?: (namespace: string, pod: string, err: unknown) => void;
}

interface BindOrder {
  ns: string;
  pod: string;
  node: string;
  uid?: string;
}

/** `allocated` as a merge patch: the new amounts, and null for resources no longer allocated. */
export function allocatedPatch(before: Record<string, string | number> | undefined, after: ResourceVector): Record<string, string | null> {
  const next = after.toQuantities();
  const patch: Record<string, string | null> = { ...next };
  for (const k of Object.keys(before ?? {})) if (!(k in next)) patch[k] = null;
  return patch;
}

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class SchedulerLoop {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private lastEnd = 0;
  private gapMs = 0;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly log: AgentLogger;
  private readonly clock: { now(): number };
  private config: SchedulerConfig;
  private readonly bindQueue: BindOrder[] = [];
  private bindsRunning = 0;
  private bindsDrained: (() => void)[] = [];
  private readonly pgWriter: LatestWinsWriter<Partial<PodGroupStatus>>;
  private readonly queueWriter: LatestWinsWriter<Record<string, string | null>>;
  cycles = 0;

  constructor(private readonly opts: SchedulerLoopOptions) {
    this.log = opts.log ?? silentLogger;
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.config = opts.config ?? defaultSchedulerConfig();
    // Status writes go out in the background: a slow API server must not stretch the cycle.
    this.pgWriter = new LatestWinsWriter<Partial<PodGroupStatus>>({
      fingerprint: (s) =>
        JSON.stringify([s.phase, s.running, s.succeeded, s.failed, (s.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message])]),
      write: async (key, status) => {
        const i = key.indexOf('/');
        const out = await this.opts.writer.patchPodGroupStatus(key.slice(0, i), key.slice(i + 1), status);
        if (out) this.opts.podGroups.upsert(out);
      },
      onError: (key, err) => {
        this.opts.snapshot.forgetPhase(key);
        if (!isNotFound(err)) this.log.warn({ job: key, ...errorFields(err) }, 'podgroup status not written');
      },
    });
    this.queueWriter = new LatestWinsWriter<Record<string, string | null>>({
      fingerprint: (a) => JSON.stringify(a),
      write: async (name, allocated) => {
        const out = await this.opts.writer.patchQueueStatus(name, { allocated: allocated as Record<string, string> });
        if (out) this.opts.queues.upsert(out);
      },
      onError: (name, err) => {
        if (!isNotFound(err)) this.log.warn({ queue: name, ...errorFields(err) }, 'queue status not written');
      },
    });
  }

  /** Replaces the scheduler configuration (a reloaded configuration file). */
  setConfig(config: SchedulerConfig): void {
    this.config = config;
    this.kick();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const names = this.opts.schedulerNames;
    this.unsubscribe.push(
      this.opts.pods.on((ev) => {
        const p = ev.obj;
        if (ev.type === 'added') {
          if (!p.spec.nodeName && names.has(p.spec.schedulerName ?? '') && this.gangMayBeComplete(p)) this.kick();
        } else if (ev.type === 'deleted') {
          if (p.spec.nodeName) this.kick();
        } else {
          const was = ev.old?.status?.phase;
          const now = p.status?.phase;
          const finished = (now === 'Succeeded' || now === 'Failed') && was !== now;
          const annotated = !ev.old?.metadata.annotations?.['scheduling.k8s.io/group-name'] && p.metadata.annotations?.['scheduling.k8s.io/group-name'];
          if (finished || annotated || (!!p.metadata.deletionTimestamp && !ev.old?.metadata.deletionTimestamp)) this.kick();
        }
      }),
      this.opts.podGroups.on((ev) => {
        const key = `${ev.obj.metadata.namespace ?? 'default'}/${ev.obj.metadata.name ?? ''}`;
        if (ev.type === 'deleted') this.pgWriter.forget(key);
        else this.pgWriter.observed(key, ev.obj.status ?? {});
        if (ev.type === 'added' || (ev.type === 'updated' && JSON.stringify(ev.old?.spec) !== JSON.stringify(ev.obj.spec))) this.kick();
      }),
      this.opts.queues.on((ev) => {
        if (ev.type === 'deleted') this.queueWriter.forget(ev.obj.metadata.name ?? '');
        // Our own status.allocated writes come back here too: only spec or state changes matter.
        const old = ev.old;
        if (!old || ev.type === 'deleted' || old.status?.state !== ev.obj.status?.state || JSON.stringify(old.spec) !== JSON.stringify(ev.obj.spec)) this.kick();
      }),
    );
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loopDone;
    await Promise.all([this.bindsSettled(), this.pgWriter.settled(), this.queueWriter.settled()]);
  }

  /** Resolves once no binding is waiting or in flight. */
  bindsSettled(): Promise<void> {
    if (this.bindQueue.length === 0 && this.bindsRunning === 0) return Promise.resolve();
    return new Promise((resolve) => this.bindsDrained.push(resolve));
  }

  /**
   * A new pod can only be placed once its gang has all its members: until the group holds
   * minMember pods, its pods wait for the periodic cycle instead of each asking for one.
   */
  private gangMayBeComplete(p: Pod): boolean {
    const group = p.metadata.annotations?.['scheduling.k8s.io/group-name'];
    if (!group) return true;
    const ns = p.metadata.namespace ?? 'default';
    const pg = this.opts.podGroups.get(ns, group);
    if (!pg) return true;
    return this.opts.pods.countByIndex(PODS_BY_GROUP, `${ns}/${group}`) >= (pg.spec.minMember ?? 1);
  }

  /** Asks for a cycle soon: coalesced, and not sooner than the gap after the last one. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /**
   * Waits for the next cycle: the period, or a kick once the gap since the last cycle has passed.
   * The gap adapts to the cycle's cost (three times its duration, between `minGapMs` and `maxGapMs`),
   * so event-driven cycles on a large cluster leave the rest of the agent most of the CPU.
   */
  private waitForTurn(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.timer) clearTimeout(this.timer);
        const now = this.clock.now();
        const periodAt = this.lastEnd + (this.opts.periodMs ?? 1000);
        const gapAt = this.lastEnd + this.gapMs;
        if (!this.running || now >= periodAt || (this.kicked && now >= gapAt)) {
          this.wake = undefined;
          resolve();
          return;
        }
        this.timer = setTimeout(check, Math.max(1, (this.kicked ? Math.min(periodAt, gapAt) : periodAt) - now));
      };
      this.wake = check;
      check();
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await this.waitForTurn();
      if (!this.running) break;
      this.kicked = false;
      if (this.bindQueue.length + this.bindsRunning > (this.opts.maxPendingBinds ?? 2048)) await this.bindsSettled();
      const started = this.clock.now();
      try {
        await this.runOnce();
      } catch (err) {
        this.log.error(errorFields(err), 'scheduling cycle failed');
      }
      this.lastEnd = this.clock.now();
      this.gapMs = Math.min(this.opts.maxGapMs ?? 100, Math.max(this.opts.minGapMs ?? 20, 3 * (this.lastEnd - started)));
    }
  }

  /** One cycle: snapshot, decide, apply. */
  async runOnce(): Promise<CycleResult> {
    const snap = this.opts.snapshot.snapshot();
    const result = runCycle({ snapshot: snap, config: this.config, clock: this.clock });
    this.cycles++;
    this.writePodGroups(result);
    const binds = await this.applyDecisions(result.decisions);
    this.writeQueues(result);
    if (binds > 0 || result.stats.evictions > 0) {
      this.log.debug({ cycle: this.cycles, binds, evictions: result.stats.evictions, ms: result.stats.elapsedMs }, 'cycle decided');
    }
    this.opts.onCycle?.(result, binds);
    return result;
  }

  /** Hands changed PodGroup statuses to the background writer; the snapshot assumes the new phases. */
  private writePodGroups(result: CycleResult): void {
    for (const u of result.podGroupStatus) {
      if (!u.changed) continue;
      const status: Partial<PodGroupStatus> = {
        phase: u.phase,
        conditions: [...u.conditions],
        running: u.running,
        succeeded: u.succeeded,
        failed: u.failed,
      };
      if (u.phase !== u.previousPhase) {
        this.opts.snapshot.assumePhase(u.job, u.phase);
        this.log.debug({ job: u.job, from: u.previousPhase, to: u.phase }, 'podgroup phase');
      }
      this.pgWriter.set(u.job, status);
    }
  }

  /** Queues the bindings (they run in the background), evicts the victims; returns the bindings queued. */
  private async applyDecisions(decisions: readonly Decision[]): Promise<number> {
    const evicts: { ns: string; pod: string }[] = [];
    let binds = 0;
    for (const d of decisions) {
      const ns = d.job.slice(0, d.job.indexOf('/'));
      if (d.type === 'bind') {
        const pod = this.opts.pods.get(ns, d.task);
        this.opts.snapshot.assume(ns, d.task, d.node);
        this.bindQueue.push({ ns, pod: d.task, node: d.node, ...(pod?.metadata.uid ? { uid: pod.metadata.uid } : {}) });
        binds++;
      } else if (d.type === 'evict') {
        evicts.push({ ns, pod: d.task });
      }
    }
    this.pumpBinds();
    await inParallel(evicts, 16, async (e) => {
      try {
        await this.opts.writer.evictPod(e.ns, e.pod);
      } catch (err) {
        if (!isNotFound(err)) this.log.warn({ pod: `${e.ns}/${e.pod}`, ...errorFields(err) }, 'eviction failed');
      }
    });
    return binds;
  }

  private pumpBinds(): void {
    const limit = this.opts.bindConcurrency ?? 64;
    while (this.bindsRunning < limit && this.bindQueue.length > 0) {
      const b = this.bindQueue.shift()!;
      this.bindsRunning++;
      void this.bind(b).finally(() => {
        this.bindsRunning--;
        this.pumpBinds();
        if (this.bindQueue.length === 0 && this.bindsRunning === 0) for (const fn of this.bindsDrained.splice(0)) fn();
      });
    }
  }

  private async bind(b: BindOrder): Promise<void> {
    try {
      await this.opts.writer.bindPod(b.ns, b.pod, b.node, b.uid);
      this.opts.onBound?.(b.ns, b.pod, b.node);
    } catch (err) {
      this.opts.snapshot.forget(b.ns, b.pod);
      this.opts.onBindFailed?.(b.ns, b.pod, err);
      this.log.warn({ pod: `${b.ns}/${b.pod}`, node: b.node, ...errorFields(err) }, 'bind failed');
      this.kick();
    }
  }

  private writeQueues(result: CycleResult): void {
    for (const u of result.queueStatus) {
      const q = this.opts.queues.get(undefined, u.queue);
      if (!q) continue;
      const patch = allocatedPatch(q.status?.allocated, u.allocated);
      const have = q.status?.allocated ?? {};
      const same = Object.entries(patch).every(([k, v]) => have[k] === v || (v === null && !(k in have)));
      if (!same) this.queueWriter.set(u.queue, patch);
    }
  }
}
