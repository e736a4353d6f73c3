/**
 * Tells the gateway what it needs to know about this cluster, on the report stream:
 *  - the node inventory: in full when the reporter starts (and every `fullEveryMs`), then as deltas
 *    of the nodes whose inventory changed, at most every `deltaEveryMs`;
 *  - a heartbeat every `heartbeatEveryMs`;
 *  - each placed job's Volcano status when it changes (phase, counts, retries, pods bound), tagged
 *    with the placement's epoch, after the node deltas that count its bound pods, and once for every
 *    placed job at start so a restarted agent catches up;
 *  - accept / reject of each placement (sent by the dispatch handler through `placementResult`).
 * Messages of one agent process go out in order and carry a growing `seq`.
 */
import type { Node, Pod } from '../../shared/api/core.js';
import type { Job } from '../../shared/api/job.js';
import type {
  JobStatusMessage,
  NodeInventory,
  PlacementResultMessage,
  ReportMessage,
} from '../../shared/messages/index.js';
import { MESSAGE_VERSION } from '../../shared/messages/index.js';
import { CALDERA_EPOCH_ANNOTATION, CALDERA_UID_ANNOTATION } from '../cluster-caches.js';
import { PODS_BY_JOB } from '../controllers/job/job-controller.js';
import { jobKey } from '../controllers/job/job-request.js';
import type { ObjectStore } from '../kube/object-store.js';
import { errorFields, silentLogger, type AgentLogger } from '../logger.js';
import { holdsNode, type NodeUsage } from '../node-usage.js';

/** Where reports go (the report stream in production, see StreamReportSink). */
export interface ReportSink {
  send(msg: ReportMessage): Promise<void>;
}

export interface ReporterOptions {
  cluster: string;
  agentId: string;
  sink: ReportSink;
  nodes: ObjectStore<Node>;
  pods: ObjectStore<Pod>;
  jobs: ObjectStore<Job>;
  usage: NodeUsage;
  clock?: { now(): number };
  heartbeatEveryMs?: number;
  deltaEveryMs?: number;
  fullEveryMs?: number;
  jobStatusEveryMs?: number;
  log?: AgentLogger;
}

export function nodeReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function nodeInventory(node: Node, usage: NodeUsage): NodeInventory {
  const use = usage.of(node.metadata.name ?? '');
  return {
    name: node.metadata.name ?? '',
    allocatable: { ...(node.status?.allocatable ?? {}) },
    capacity: { ...(node.status?.capacity ?? node.status?.allocatable ?? {}) },
    labels: { ...(node.metadata.labels ?? {}) },
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, effect: t.effect, ...(t.value !== undefined ? { value: t.value } : {}) })),
    unschedulable: node.spec?.unschedulable === true,
    requested: use.requested.toQuantities(),
    podCount: use.pods,
    ready: nodeReady(node),
  };
}

/** The placement a member job belongs to, from its Caldera annotations. */
export function placementOf(job: Job): { uid: string; epoch: number } | undefined {
  const ann = job.metadata.annotations ?? {};
  const uid = ann[CALDERA_UID_ANNOTATION];
  const epoch = Number.parseInt(ann[CALDERA_EPOCH_ANNOTATION] ?? '', 10);
  return uid && Number.isInteger(epoch) && epoch >= 1 ? { uid, epoch } : undefined;
}

type JobStatusBody = Omit<JobStatusMessage, 'type' | 'v' | 'cluster' | 'sentAt' | 'agentId'>;

export class Reporter {
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly dirtyNodes = new Set<string>();
  private readonly removedNodes = new Set<string>();
  private readonly lastNode = new Map<string, string>();
  private readonly dirtyJobs = new Set<string>();
  private readonly lastJob = new Map<string, string>();
  private readonly log: AgentLogger;
  private readonly clock: { now(): number };
  private running = false;

  constructor(private readonly opts: ReporterOptions) {
    this.log = opts.log ?? silentLogger;
    this.clock = opts.clock ?? { now: () => Date.now() };
  }

  /** Sends the full inventory and every placed job's status, then keeps reporting. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const o = this.opts;
    this.unsubscribe.push(
      o.nodes.on((ev) => {
        const name = ev.obj.metadata.name ?? '';
        if (ev.type === 'deleted') {
          this.removedNodes.add(name);
          this.dirtyNodes.delete(name);
        } else {
          this.dirtyNodes.add(name);
          this.removedNodes.delete(name);
        }
      }),
      o.jobs.on((ev) => {
        if (ev.type !== 'deleted' && placementOf(ev.obj)) this.dirtyJobs.add(jobKey(ev.obj.metadata.namespace ?? 'default', ev.obj.metadata.name ?? ''));
      }),
      o.pods.on((ev) => {
        // A pod binding or leaving a node changes its job's `bound` count.
        const job = ev.obj.metadata.labels?.['volcano.sh/job-name'];
        if (job !== undefined && (ev.type !== 'updated' || ev.old?.spec.nodeName !== ev.obj.spec.nodeName)) {
          this.dirtyJobs.add(jobKey(ev.obj.metadata.namespace ?? 'default', job));
        }
      }),
    );
    o.usage.onChange((node) => {
      if (this.running) this.dirtyNodes.add(node);
    });
    this.sendFull();
    for (const job of o.jobs.values()) if (placementOf(job)) this.dirtyJobs.add(jobKey(job.metadata.namespace ?? 'default', job.metadata.name ?? ''));
    this.flushJobs();
    this.every(o.heartbeatEveryMs ?? 5000, () => this.heartbeat());
    this.every(o.deltaEveryMs ?? 1000, () => this.flushNodes());
    this.every(o.fullEveryMs ?? 300_000, () => this.sendFull());
    this.every(o.jobStatusEveryMs ?? 200, () => this.flushJobs());
  }

  stop(): void {
    this.running = false;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  /** Resolves when every message handed over so far has been sent. */
  async flush(): Promise<void> {
    this.flushNodes();
    this.flushJobs();
    await this.chain;
  }

  placementResult(r: Omit<PlacementResultMessage, 'type' | 'v' | 'cluster' | 'agentId' | 'sentAt'>): Promise<void> {
    return this.enqueue({ type: 'placement-result', v: MESSAGE_VERSION, cluster: this.opts.cluster, agentId: this.opts.agentId, sentAt: this.clock.now(), ...r });
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref?.();
    this.timers.push(t);
  }

  private heartbeat(): void {
    const o = this.opts;
    void this.enqueue({ type: 'heartbeat', v: MESSAGE_VERSION, cluster: o.cluster, agentId: o.agentId, seq: this.seq++, sentAt: this.clock.now() });
  }

  private sendFull(): void {
    const o = this.opts;
    const nodes = o.nodes.list().map((n) => nodeInventory(n, o.usage));
    this.lastNode.clear();
    for (const n of nodes) this.lastNode.set(n.name, JSON.stringify(n));
    this.dirtyNodes.clear();
    this.removedNodes.clear();
    void this.enqueue({ type: 'nodes-full', v: MESSAGE_VERSION, cluster: o.cluster, agentId: o.agentId, seq: this.seq++, sentAt: this.clock.now(), nodes });
  }

  private flushNodes(): void {
    if (this.dirtyNodes.size === 0 && this.removedNodes.size === 0) return;
    const o = this.opts;
    const upserts: NodeInventory[] = [];
    for (const name of this.dirtyNodes) {
      const node = o.nodes.get(undefined, name);
      if (!node) continue;
      const inv = nodeInventory(node, o.usage);
      const text = JSON.stringify(inv);
      if (this.lastNode.get(name) === text) continue;
      this.lastNode.set(name, text);
      upserts.push(inv);
    }
    const removed = [...this.removedNodes];
    for (const r of removed) this.lastNode.delete(r);
    this.dirtyNodes.clear();
    this.removedNodes.clear();
    if (upserts.length === 0 && removed.length === 0) return;
    void this.enqueue({ type: 'nodes-delta', v: MESSAGE_VERSION, cluster: o.cluster, agentId: o.agentId, seq: this.seq++, sentAt: this.clock.now(), upserts, removed });
  }

  private flushJobs(): void {
    if (this.dirtyJobs.size === 0) return;
    // Node usage first: the gateway drops its reservation once `bound` reaches the gang, and by
    // then the nodes' `requested` must already count those pods.
    this.flushNodes();
    const keys = [...this.dirtyJobs];
    this.dirtyJobs.clear();
    for (const key of keys) {
      const [ns, name] = key.split('/') as [string, string];
      const job = this.opts.jobs.get(ns, name);
      if (!job) continue;
      const body = this.jobStatus(job);
      if (!body) continue;
      const text = JSON.stringify(body);
      const memo = `${body.uid}/${body.epoch}`;
      if (this.lastJob.get(memo) === text) continue;
      this.lastJob.set(memo, text);
      void this.enqueue({ type: 'job-status', v: MESSAGE_VERSION, cluster: this.opts.cluster, agentId: this.opts.agentId, sentAt: this.clock.now(), ...body });
    }
  }

  /** The report body for a placed job, or undefined for jobs the gateway did not place. */
  jobStatus(job: Job): JobStatusBody | undefined {
    const placed = placementOf(job);
    const s = job.status;
    if (!placed || !s?.state?.phase) return undefined;
    let bound = 0;
    const pods = this.opts.pods.byIndex(PODS_BY_JOB, jobKey(job.metadata.namespace ?? 'default', job.metadata.name ?? ''));
    for (const p of pods) {
      if (!holdsNode(p)) continue;
      if (!(p.metadata.ownerReferences ?? []).some((o) => o.uid === job.metadata.uid)) continue;
      bound++;
    }
    const body: JobStatusBody = {
      uid: placed.uid,
      namespace: job.metadata.namespace ?? 'default',
      name: job.metadata.name ?? '',
      epoch: placed.epoch,
      phase: s.state.phase,
      counts: {
        pending: s.pending ?? 0,
        running: s.running ?? 0,
        succeeded: s.succeeded ?? 0,
        failed: s.failed ?? 0,
        terminating: s.terminating ?? 0,
        unknown: s.unknown ?? 0,
      },
      conditions: (s.conditions ?? []).map((c) => ({ status: c.status, lastTransitionTime: c.lastTransitionTime })),
      retryCount: s.retryCount ?? 0,
      version: s.version ?? 0,
      bound,
    };
    if (s.minAvailable !== undefined) body.minAvailable = s.minAvailable;
    if (s.state.reason) body.reason = s.state.reason;
    if (s.state.message) body.message = s.state.message;
    return body;
  }

  private enqueue(msg: ReportMessage): Promise<void> {
    const next = this.chain.then(() =>
      this.opts.sink.send(msg).catch((err: unknown) => this.log.warn({ type: msg.type, ...errorFields(err) }, 'report not sent')),
    );
    this.chain = next;
    return next;
  }
}
