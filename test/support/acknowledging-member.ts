/**
 * A stand-in member cluster for gateway tests and the gateway benchmark: it consumes its dispatch
 * queue (single messages and batches) with a real BullMQ Worker and answers on the report stream with real, validated messages.
 *
 * It keeps jobs by (uid, epoch) like the real agent: a duplicate or older placement changes nothing,
 * `delete-superseded` removes older copies. With `runJobs` it also "runs" what it accepts: the pods
 * are counted on the nodes of the placement's node plan, reported in a nodes delta before the job
 * status (as the real agent does), and `complete(uid)` finishes a job and frees its nodes.
 * `stop()` models a cluster that went silent (nothing is deleted); `start()` again models its return
 * with a new agent id: full inventory first, then the status of every job it still holds.
 */
import { Worker, type Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Job } from '../../shared/api/job.js';
import {
  bullmqPrefix,
  dispatchQueueName,
  parseDispatchEntry,
  type DispatchMessage,
  type NodeInventory,
  type PlacementMessage,
  type ReportMessage,
} from '../../shared/messages/index.js';
import { podRequest } from '../../shared/resources/pod-request.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import { StreamReportSink } from '../../member-agent/reporter/stream-report-sink.js';

export interface AcknowledgingMemberOptions {
  cluster: string;
  /** worker connection (maxRetriesPerRequest null); BullMQ duplicates it for blocking reads */
  connection: Redis;
  prefix?: string;
  nodes: NodeInventory[];
  /** run accepted jobs: count their pods on nodes and report them Running; default true */
  runJobs?: boolean;
  /** refuse a placement with this reason when it returns one */
  reject?: (p: PlacementMessage) => string | undefined;
  heartbeatMs?: number;
  concurrency?: number;
  /** called for every placement received (benchmarks measure latency with it) */
  onPlacement?: (p: PlacementMessage, receivedAt: number) => void;
  /** keep every message received in `received` / `messages` (default true) */
  keepMessages?: boolean;
}

export interface HeldJob {
  uid: string;
  name: string;
  namespace: string;
  epoch: number;
  attempt: number;
  /** request of each pod, per node it was counted on */
  pods: { node: string; request: ResourceVector }[];
  phase: 'Running' | 'Completed';
}

export class AcknowledgingMember {
  readonly cluster: string;
  private readonly opts: AcknowledgingMemberOptions;
  private worker: Worker | undefined;
  private reports: StreamReportSink | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private live = false;
  private agentId = '';
  private seq = 0;
  private readonly nodes = new Map<string, NodeInventory>();
  private readonly base = new Map<string, ResourceVector>();
  readonly jobs = new Map<string, HeldJob>();
  /** every placement message received, in order (duplicates included) */
  readonly received: PlacementMessage[] = [];
  /** every dispatch message received */
  readonly messages: DispatchMessage[] = [];
  private outbox: ReportMessage[] = [];
  private flushing: Promise<void> | undefined;

  constructor(opts: AcknowledgingMemberOptions) {
    this.opts = opts;
    this.cluster = opts.cluster;
    for (const n of opts.nodes) {
      this.nodes.set(n.name, n);
      this.base.set(n.name, ResourceVector.fromQuantities(n.requested));
    }
  }

  /** The agent is up: it reads its queue and reports. */
  get running(): boolean {
    return this.live;
  }

  /**
   * Starts (or restarts) the agent. Like the real agent, it first works off what waited in its
   * dispatch queue (deletions of superseded copies included), then reports its inventory and the
   * status of every job it still holds.
   */
  async start(): Promise<void> {
    if (this.worker) return;
    this.agentId = `${this.cluster}-${randomBytes(3).toString('hex')}`;
    this.seq = 0;
    const prefix = this.opts.prefix ?? bullmqPrefix();
    this.reports = new StreamReportSink({ connection: this.opts.connection, prefix });
    this.worker = new Worker(dispatchQueueName(this.cluster), (job: BullJob) => this.process(job), {
      connection: this.opts.connection,
      prefix,
      concurrency: this.opts.concurrency ?? 64,
      drainDelay: 1,
    });
    this.worker.on('error', () => {});
    const worker = this.worker;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 500);
      worker.once('drained', () => { clearTimeout(timer); resolve(); });
    });
    this.report({ type: 'nodes-full', v: 1, cluster: this.cluster, agentId: this.agentId, seq: this.nextSeq(), nodes: this.inventory() });
    for (const j of this.jobs.values()) this.reportStatus(j);
    this.live = true;
    await this.flush();
    const every = this.opts.heartbeatMs ?? 200;
    this.heartbeat = setInterval(() => {
      this.report({ type: 'heartbeat', v: 1, cluster: this.cluster, agentId: this.agentId, seq: this.nextSeq(), sentAt: Date.now() });
      void this.flush();
    }, every);
  }

  /** The cluster goes silent: no more reports, no more consumption; what it runs stays. */
  async stop(): Promise<void> {
    this.live = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.close(true);
    await this.flushing;
    this.outbox = [];
    this.reports = undefined;
  }

  /** Finishes a running job: frees its pods and reports it Completed. */
  async complete(uid: string): Promise<void> {
    const j = this.jobs.get(uid);
    if (!j || j.phase !== 'Running') throw new Error(`${this.cluster} does not run ${uid}`);
    j.phase = 'Completed';
    this.reportNodes(j.pods.map((p) => p.node));
    this.reportStatus(j);
    await this.flush();
  }

  /** Changes nodes (capacity, readiness, cordon) and reports them as a delta. */
  async updateNodes(nodes: NodeInventory[]): Promise<void> {
    for (const n of nodes) {
      this.nodes.set(n.name, n);
      this.base.set(n.name, ResourceVector.fromQuantities(n.requested));
    }
    this.reportNodes(nodes.map((n) => n.name));
    await this.flush();
  }

  /** uids of the jobs this member runs now */
  runningUids(): string[] {
    return [...this.jobs.values()].filter((j) => j.phase === 'Running').map((j) => j.uid);
  }

  private async process(job: BullJob): Promise<void> {
    const entry = parseDispatchEntry(job.data);
    if (!entry.ok) throw new Error(entry.error);
    if (entry.invalid.length > 0) throw new Error(entry.invalid.join('; '));
    for (const m of entry.messages) {
      if (this.opts.keepMessages ?? true) this.messages.push(m);
      if (m.type === 'placement') this.place(m);
      else if (m.type === 'delete-superseded') this.deleteOlder(m.uid, m.olderThanEpoch);
      else if (m.action === 'delete' || m.action === 'terminate' || m.action === 'abort') this.deleteOlder(m.uid, m.epoch + 1);
    }
    await this.flush();
  }

  private place(p: PlacementMessage): void {
    this.opts.onPlacement?.(p, Date.now());
    if (this.opts.keepMessages ?? true) this.received.push(p);
    const held = this.jobs.get(p.uid);
    if (held && held.epoch >= p.epoch) return; // duplicate or late: already decided
    const reason = this.opts.reject?.(p);
    if (reason !== undefined) {
      this.report({ type: 'placement-result', v: 1, cluster: this.cluster, uid: p.uid, namespace: p.namespace, name: p.name,
        agentId: this.agentId, epoch: p.epoch, attempt: p.attempt, result: 'rejected', reason, message: `refused: ${reason}` });
      return;
    }
    if (held) this.deleteOlder(p.uid, p.epoch);
    const pods = podsOf(p);
    const j: HeldJob = { uid: p.uid, name: p.name, namespace: p.namespace, epoch: p.epoch, attempt: p.attempt, pods, phase: 'Running' };
    this.jobs.set(p.uid, j);
    this.report({ type: 'placement-result', v: 1, cluster: this.cluster, uid: p.uid, namespace: p.namespace, name: p.name,
      agentId: this.agentId, epoch: p.epoch, attempt: p.attempt, result: 'accepted' });
    if (this.opts.runJobs ?? true) {
      this.reportNodes(pods.map((x) => x.node));
      this.reportStatus(j);
    }
  }

  private deleteOlder(uid: string, olderThanEpoch: number): void {
    const j = this.jobs.get(uid);
    if (!j || j.epoch >= olderThanEpoch) return;
    this.jobs.delete(uid);
    if (this.opts.runJobs ?? true) this.reportNodes(j.pods.map((p) => p.node));
  }

  private reportStatus(j: HeldJob): void {
    const n = j.pods.length;
    const running = j.phase === 'Running' ? n : 0;
    this.report({
      type: 'job-status', v: 1, cluster: this.cluster, uid: j.uid, namespace: j.namespace, name: j.name, agentId: this.agentId,
      epoch: j.epoch, phase: j.phase, minAvailable: n, retryCount: 0, bound: running,
      counts: { pending: 0, running, succeeded: n - running, failed: 0, terminating: 0, unknown: 0 },
      conditions: [{ status: j.phase, lastTransitionTime: new Date().toISOString() }],
    });
  }

  private reportNodes(names: string[]): void {
    const upserts = [...new Set(names)].map((name) => this.nodeNow(name)).filter((n): n is NodeInventory => n !== undefined);
    if (upserts.length === 0) return;
    this.report({ type: 'nodes-delta', v: 1, cluster: this.cluster, agentId: this.agentId, seq: this.nextSeq(), upserts, removed: [] });
  }

  private inventory(): NodeInventory[] {
    return [...this.nodes.keys()].map((n) => this.nodeNow(n)).filter((n): n is NodeInventory => n !== undefined);
  }

  /** A node with `requested` = its own base load plus the pods of running jobs counted on it. */
  private nodeNow(name: string): NodeInventory | undefined {
    const n = this.nodes.get(name);
    if (!n) return undefined;
    let req = this.base.get(name) ?? ResourceVector.empty();
    let pods = 0;
    if (this.opts.runJobs ?? true) {
      for (const j of this.jobs.values()) {
        if (j.phase !== 'Running') continue;
        for (const p of j.pods) if (p.node === name) { req = req.add(p.request); pods++; }
      }
    }
    return { ...n, requested: req.toQuantities(), podCount: pods };
  }

  private nextSeq(): number {
    return this.seq++;
  }

  private report(m: ReportMessage): void {
    this.outbox.push(m);
  }

  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const q = this.reports;
    if (!q || this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.flushing = q.sendMany(batch)
      .then(() => undefined, () => undefined)
      .finally(() => { this.flushing = undefined; });
    await this.flushing;
  }
}

function podsOf(p: PlacementMessage): { node: string; request: ResourceVector }[] {
  const job: Job = p.job;
  const out: { node: string; request: ResourceVector }[] = [];
  for (const task of job.spec.tasks ?? []) {
    const nodes = p.nodePlan[task.name ?? ''] ?? [];
    const request = task.template?.spec ? podRequest(task.template.spec) : ResourceVector.empty();
    for (const node of nodes) out.push({ node, request });
  }
  return out;
}
