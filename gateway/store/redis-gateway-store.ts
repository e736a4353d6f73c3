/**
 * The Redis adapter of `GatewayStore`. Keys come from `keys.ts`; every multi-key change is one Lua
 * script from `lua/` (so it is atomic and appends its change-stream entry in the same step);
 * reads are plain commands, pipelined where they fan out.
 */
import { Redis } from 'ioredis';
import { JOB_API_GROUP, type Job } from '../../shared/api/job.js';
import { SCHEDULING_API_GROUP } from '../../shared/api/podgroup.js';
import type { Queue } from '../../shared/api/queue.js';
import {
  alreadyExists,
  conflict,
  notFound,
  StatusError,
  type Status,
} from '../../shared/errors/status.js';
import type { NodeInventory } from '../../shared/messages/node-inventory.js';
import { ChangeFeed } from './change-feed.js';
import { withResourceVersion } from './change-entry.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import type {
  ChangeBatch,
  DeleteOutcome,
  GatewayStore,
  JobListOptions,
  ListOptions,
  ListPage,
  NodeReport,
  NodeReportResult,
  PendingEntry,
  PlacementUpdate,
  PlacementWrite,
  PlacementWriteResult,
  Preconditions,
  StoreSnapshot,
  SubscribeOptions,
  Subscription,
} from './gateway-store.js';
import { jobKey, splitJobKey, storeKeys, type StoreKeys } from './keys.js';
import { scripts } from './lua/index.js';
import {
  CALDERA_API_GROUP,
  MEMBER_CLUSTER_KIND,
  type ChangeOrigin,
  type JobExplanationRecord,
  type MemberCluster,
  type Placement,
  type QueueUsage,
  type Reservation,
} from './records.js';
import { ScriptRunner, type ScriptReply } from './script-runner.js';

export interface RedisGatewayStoreOptions {
  client: Redis;
  /** deployment key prefix (default `caldera`); all keys live under the hash tag `{prefix}` */
  prefix?: string;
  /** approximate length the change stream is trimmed to (default 100000) */
  feedMaxLen?: number;
  /** close the client on `close()` (default true) */
  ownsClient?: boolean;
}

export const DEFAULT_FEED_MAXLEN = 100_000;
const READ_CHUNK = 500;
const DEFAULT_MUTATE_RETRIES = 8;

/** How each object family is stored (jobs are namespaced; queues and members are cluster-scoped). */
interface Family {
  kind: string;
  group: string;
  feedKind: 'job' | 'queue' | 'member';
}

const JOBS: Family = { kind: 'Job', group: JOB_API_GROUP, feedKind: 'job' };
const QUEUES: Family = { kind: 'Queue', group: SCHEDULING_API_GROUP, feedKind: 'queue' };
const MEMBERS: Family = { kind: MEMBER_CLUSTER_KIND, group: CALDERA_API_GROUP, feedKind: 'member' };

/**
 * What a write returns: the caller's object with the stored resourceVersion, as a copy of its top
 * level and metadata (the caller's own object is not changed; nested values are shared, as the
 * stored JSON was already written from them).
 */
function stamped<T extends { metadata: { resourceVersion?: string } }>(object: T, rv: number | string): T {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
}

function fail(status: Status): never {
  throw new StatusError(status);
}

/** The stored JSON of an object: everything but its resourceVersion, which lives beside it. */
function storedJson(object: { metadata: { resourceVersion?: string } }): string {
  const { resourceVersion: _rv, ...metadata } = object.metadata;
  return JSON.stringify({ ...object, metadata });
}

function nameOf(o: { metadata: { name?: string } }, what: string): string {
  const name = o.metadata.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${what} without metadata.name`);
  return name;
}

function pre(p: Preconditions | undefined): [string, string] {
  return [p?.resourceVersion ?? '', p?.uid ?? ''];
}

function placementResult(reply: ScriptReply): PlacementWriteResult {
  const [code, n] = reply;
  switch (code) {
    case 0: return { ok: true, rv: n ?? 0 };
    case -1: return { ok: false, reason: 'NotFound' };
    case -3: return { ok: false, reason: 'UidMismatch' };
    case -5: return { ok: false, reason: 'Deleting' };
    case -4: return { ok: false, reason: 'StaleEpoch', currentEpoch: n ?? 0 };
    default: throw new Error(`unexpected placement script reply ${code}`);
  }
}

export class RedisGatewayStore implements GatewayStore {
  readonly keys: StoreKeys;
  readonly client: Redis;
  private readonly runner: ScriptRunner;
  private readonly feed: ChangeFeed;
  private readonly maxLen: number;
  private readonly ownsClient: boolean;

  constructor(opts: RedisGatewayStoreOptions) {
    this.client = opts.client;
    this.keys = storeKeys(opts.prefix);
    this.runner = new ScriptRunner(opts.client);
    this.maxLen = opts.feedMaxLen ?? DEFAULT_FEED_MAXLEN;
    this.ownsClient = opts.ownsClient ?? true;
    this.feed = new ChangeFeed({ client: opts.client, feedKey: this.keys.feed, rvKey: this.keys.rv });
  }

  /** Connects to `url` and waits until Redis answers. */
  static async connect(opts: { url: string; prefix?: string; feedMaxLen?: number }): Promise<RedisGatewayStore> {
    // auto-pipelining: concurrent requests share one write to Redis instead of one system call each
    const client = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true });
    client.on('error', () => {
      // ioredis reconnects by itself; failing commands surface to their callers
    });
    await client.connect();
    return new RedisGatewayStore({ client, prefix: opts.prefix, feedMaxLen: opts.feedMaxLen });
  }

  async ping(): Promise<void> {
    const pong = await this.client.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
  }

  async close(): Promise<void> {
    await this.feed.close();
    if (this.ownsClient) await this.client.quit().catch(() => this.client.disconnect());
  }

  // ---- feed -------------------------------------------------------------------------------------

  async currentRv(): Promise<number> {
    return Number((await this.client.get(this.keys.rv)) ?? 0);
  }

  oldestResumableRv(): Promise<number> {
    return this.feed.oldestResumableRv();
  }

  readChanges(opts: { afterRv: number; count?: number }): Promise<ChangeBatch> {
    return this.feed.read(opts.afterRv, opts.count);
  }

  subscribe(opts: SubscribeOptions): Promise<Subscription> {
    return this.feed.subscribe(opts);
  }

  async loadSnapshot(): Promise<StoreSnapshot> {
    const resourceVersion = await this.currentRv();
    const jobKeys = await this.client.zrange(this.keys.jobs, '0', '-1');
    const queueNames = await this.client.zrange(this.keys.queues, '0', '-1');
    const memberNames = await this.client.zrange(this.keys.members, '0', '-1');
    const [jobs, queues, members] = await Promise.all([
      this.readObjects<Job>(jobKeys.map((k) => { const { namespace, name } = splitJobKey(k); return this.keys.job(namespace, name); })),
      this.readObjects<Queue>(queueNames.map((n) => this.keys.queue(n))),
      this.readMembers(memberNames),
    ]);
    const nodes: Record<string, NodeInventory[]> = {};
    await Promise.all(memberNames.map(async (m) => { nodes[m] = await this.getNodes(m); }));
    const [placements, reservations, usage, pending] = await Promise.all([
      this.listPlacements(),
      this.listReservations(),
      this.listQueueUsage(),
      this.pendingJobs(),
    ]);
    return {
      resourceVersion,
      jobs: jobs.filter((j): j is Job => j !== undefined),
      queues: queues.filter((q): q is Queue => q !== undefined),
      members: members.filter((m): m is MemberCluster => m !== undefined),
      nodes,
      placements,
      reservations,
      usage,
      pending,
    };
  }

  // ---- generic object plumbing ------------------------------------------------------------------

  /** Reads objects (hash fields obj + rv) in chunks; a missing key gives undefined. */
  private async readObjects<T>(hashKeys: string[]): Promise<Array<T | undefined>> {
    const out: Array<T | undefined> = [];
    for (let i = 0; i < hashKeys.length; i += READ_CHUNK) {
      const p = this.client.pipeline();
      for (const k of hashKeys.slice(i, i + READ_CHUNK)) p.hmget(k, 'obj', 'rv');
      const res = (await p.exec()) ?? [];
      for (const [err, val] of res) {
        if (err) throw err;
        const [obj, rv] = val as [string | null, string | null];
        out.push(obj === null || rv === null ? undefined : withResourceVersion(JSON.parse(obj) as T, rv));
      }
    }
    return out;
  }

  private async readObject<T>(hashKey: string): Promise<T | undefined> {
    return (await this.readObjects<T>([hashKey]))[0];
  }

  /** Pages through a lexicographic index, reading and filtering objects until `limit` match. */
  private async listIndex<T>(opts: {
    index: string;
    scope: string;
    hashKeyOf(member: string): string;
    limit?: number;
    continue?: string;
    filter?: (o: T) => boolean;
  }): Promise<ListPage<T>> {
    const resourceVersion = String(await this.currentRv());
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
    let after = opts.continue !== undefined && opts.continue !== '' ? decodeContinue(opts.scope, opts.continue) : undefined;
    const items: T[] = [];
    let lastKey: string | undefined;
    let exhausted = false;
    while (items.length < limit) {
      const want = Math.min(READ_CHUNK, limit === Infinity ? READ_CHUNK : limit - items.length);
      const members = await this.client.zrangebylex(opts.index, after === undefined ? '-' : `(${after}`, '+', 'LIMIT', 0, want);
      const objects = await this.readObjects<T>(members.map((m) => opts.hashKeyOf(m)));
      members.forEach((m, i) => {
        const o = objects[i];
        lastKey = m;
        if (o !== undefined && (opts.filter === undefined || opts.filter(o))) items.push(o);
      });
      if (members.length < want) { exhausted = true; break; }
      after = members.at(-1);
    }
    const page: ListPage<T> = { items, resourceVersion };
    if (!exhausted && lastKey !== undefined) {
      const remaining = await this.client.zlexcount(opts.index, `(${lastKey}`, '+');
      if (remaining > 0) {
        page.continue = encodeContinue(opts.scope, lastKey);
        if (opts.filter === undefined) page.remainingItemCount = remaining;
      }
    }
    return page;
  }

  private async createNamed<T extends { metadata: { name?: string; uid?: string; resourceVersion?: string } }>(
    family: Family, hashKey: string, index: string, object: T,
  ): Promise<T> {
    const name = nameOf(object, family.kind);
    const [code, rv] = await this.runner.run(scripts.createNamed4, [hashKey, index, this.keys.rv, this.keys.feed], [
      family.feedKind, name, storedJson(object), object.metadata.uid ?? '', Date.now(), this.maxLen,
    ]);
    if (code === 1) fail(alreadyExists(family.kind, name, family.group));
    return stamped(object, rv ?? 0);
  }

  private async updateStored<T extends { metadata: { name?: string; resourceVersion?: string } }>(
    family: Family, hashKey: string, feedKey: string, object: T, p?: Preconditions, origin?: ChangeOrigin,
  ): Promise<T> {
    const name = nameOf(object, family.kind);
    const [code, rv] = await this.runner.run(scripts.updateObject3, [hashKey, this.keys.rv, this.keys.feed], [
      family.feedKind, feedKey, storedJson(object), ...pre(p), this.maxLen, origin ?? '',
    ]);
    this.throwForCode(family, name, code);
    return stamped(object, rv ?? 0);
  }

  private throwForCode(family: Family, name: string, code: number): void {
    if (code === -1) fail(notFound(family.kind, name, family.group));
    if (code === -2) {
      fail(conflict(family.kind, name, 'the object has been modified; please apply your changes to the latest version and try again', family.group));
    }
    if (code === -3) fail(conflict(family.kind, name, 'the object was replaced by another one with the same name (uid precondition failed)', family.group));
  }

  private async mutate<T extends { metadata: { resourceVersion?: string; uid?: string } }>(
    read: () => Promise<T | undefined>,
    write: (o: T, p: Preconditions) => Promise<T>,
    mutate: (o: T) => T | undefined,
    opts: { uid?: string; retries?: number },
  ): Promise<T | undefined> {
    const retries = opts.retries ?? DEFAULT_MUTATE_RETRIES;
    for (let attempt = 0; ; attempt++) {
      const current = await read();
      if (current === undefined) return undefined;
      if (opts.uid !== undefined && current.metadata.uid !== opts.uid) return undefined;
      // `current` was just parsed from Redis: nobody else holds it, so it is changed in place
      const next = mutate(current);
      if (next === undefined) return current;
      try {
        return await write(next, { resourceVersion: current.metadata.resourceVersion, uid: current.metadata.uid });
      } catch (err) {
        const retriable = err instanceof StatusError && err.status.reason === 'Conflict' && attempt < retries;
        if (!retriable) throw err;
      }
    }
  }

  // ---- jobs -------------------------------------------------------------------------------------

  async createJob(job: Job, opts: { pending?: boolean } = {}): Promise<Job> {
    const name = nameOf(job, 'Job');
    const namespace = job.metadata.namespace;
    const uid = job.metadata.uid;
    if (!namespace || !uid) throw new Error('createJob needs metadata.namespace and metadata.uid');
    const queue = job.spec.queue ?? 'default';
    const k = jobKey(namespace, name);
    const [code, rv] = await this.runner.run(scripts.createJob8, [
      this.keys.job(namespace, name), this.keys.jobs, this.keys.jobsInNamespace(namespace), this.keys.jobsInQueue(queue),
      this.keys.pendingJobs, this.keys.jobUids, this.keys.rv, this.keys.feed,
    ], [storedJson(job), k, name, uid, queue, Date.now(), opts.pending === false ? '0' : '1', this.maxLen]);
    if (code === 1) fail(alreadyExists('Job', name, JOB_API_GROUP));
    return stamped(job, rv ?? 0);
  }

  getJob(namespace: string, name: string): Promise<Job | undefined> {
    return this.readObject<Job>(this.keys.job(namespace, name));
  }

  async getJobByUid(uid: string): Promise<Job | undefined> {
    const k = await this.client.hget(this.keys.jobUids, uid);
    if (k === null) return undefined;
    const { namespace, name } = splitJobKey(k);
    const job = await this.getJob(namespace, name);
    return job?.metadata.uid === uid ? job : undefined;
  }

  listJobs(opts: JobListOptions = {}): Promise<ListPage<Job>> {
    const ns = opts.namespace;
    return this.listIndex<Job>({
      index: ns === undefined ? this.keys.jobs : this.keys.jobsInNamespace(ns),
      scope: ns === undefined ? 'jobs' : `jobs/${ns}`,
      hashKeyOf: (m) => {
        if (ns !== undefined) return this.keys.job(ns, m);
        const { namespace, name } = splitJobKey(m);
        return this.keys.job(namespace, name);
      },
      limit: opts.limit,
      continue: opts.continue,
      filter: opts.filter,
    });
  }

  updateJob(job: Job, p?: Preconditions): Promise<Job> {
    const name = nameOf(job, 'Job');
    const namespace = job.metadata.namespace ?? '';
    return this.updateStored(JOBS, this.keys.job(namespace, name), jobKey(namespace, name), job, p);
  }

  mutateJob(namespace: string, name: string, mutate: (job: Job) => Job | undefined, opts: { uid?: string; retries?: number; origin?: ChangeOrigin } = {}): Promise<Job | undefined> {
    const write = (j: Job, p: Preconditions) => this.updateStored(JOBS, this.keys.job(namespace, nameOf(j, 'Job')), jobKey(namespace, nameOf(j, 'Job')), j, p, opts.origin);
    return this.mutate<Job>(() => this.getJob(namespace, name), write, mutate, opts);
  }

  private async deleteJob(mode: 'request' | 'remove', namespace: string, name: string, marked: Job | undefined, p?: Preconditions): Promise<{ code: number; rv: number; job: Job | undefined }> {
    // The queue index key comes from the stored job; the uid guard makes the script refuse if the
    // name was taken by another job since this read.
    const current = await this.getJob(namespace, name);
    if (current === undefined) return { code: -1, rv: 0, job: undefined };
    const uid = current.metadata.uid ?? '';
    if (p?.uid !== undefined && p.uid !== uid) return { code: -3, rv: 0, job: current };
    const queue = current.spec.queue ?? 'default';
    const [code, rv] = await this.runner.run(scripts.deleteJob10, [
      this.keys.job(namespace, name), this.keys.jobs, this.keys.jobsInNamespace(namespace), this.keys.jobsInQueue(queue),
      this.keys.pendingJobs, this.keys.jobUids, this.keys.placements, this.keys.reservations, this.keys.rv, this.keys.feed,
    ], [mode, jobKey(namespace, name), name, p?.resourceVersion ?? '', uid, marked ? storedJson(marked) : '', this.maxLen]);
    const shown = marked ?? current;
    return { code, rv: rv ?? 0, job: withResourceVersion(structuredClone(shown), rv ?? 0) };
  }

  async requestJobDeletion(namespace: string, name: string, opts: { marked: Job; pre?: Preconditions }): Promise<{ outcome: DeleteOutcome; job: Job }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = await this.deleteJob('request', namespace, name, opts.marked, opts.pre);
      if (r.code === -3 && opts.pre?.uid === undefined) continue; // replaced between read and script: read again
      this.throwForCode(JOBS, name, r.code);
      if (r.job === undefined) fail(notFound('Job', name, JOB_API_GROUP));
      if (r.code === 2) {
        const stored = await this.getJob(namespace, name);
        return { outcome: 'already-marked', job: stored ?? r.job };
      }
      return { outcome: r.code === 0 ? 'deleted' : 'marked', job: r.job };
    }
    return fail(conflict('Job', name, 'the job was replaced while it was being deleted', JOB_API_GROUP));
  }

  async removeJob(namespace: string, name: string, p?: Preconditions): Promise<Job | undefined> {
    const r = await this.deleteJob('remove', namespace, name, undefined, p);
    if (r.code === -1 || r.code === -3) return undefined;
    this.throwForCode(JOBS, name, r.code);
    return r.job;
  }

  async pendingJobs(opts: { limit?: number } = {}): Promise<PendingEntry[]> {
    const stop = opts.limit !== undefined && opts.limit > 0 ? opts.limit - 1 : -1;
    const flat = await this.client.zrange(this.keys.pendingJobs, '0', String(stop), 'WITHSCORES');
    const out: PendingEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const { namespace, name } = splitJobKey(flat[i] as string);
      out.push({ namespace, name, order: Number(flat[i + 1]) });
    }
    return out;
  }

  async putExplanations(records: Array<{ namespace: string; name: string; explanation: JobExplanationRecord }>): Promise<void> {
    await this.runner.runMany(scripts.setFields1, records.map((r) => ({
      keys: [this.keys.job(r.namespace, r.name)],
      args: [r.explanation.uid, 'explain', JSON.stringify(r.explanation)],
    })));
  }

  async getExplanation(namespace: string, name: string): Promise<JobExplanationRecord | undefined> {
    const raw = await this.client.hget(this.keys.job(namespace, name), 'explain');
    return raw === null ? undefined : (JSON.parse(raw) as JobExplanationRecord);
  }

  // ---- queues -----------------------------------------------------------------------------------

  createQueue(queue: Queue): Promise<Queue> {
    return this.createNamed(QUEUES, this.keys.queue(nameOf(queue, 'Queue')), this.keys.queues, queue);
  }

  async ensureQueue(queue: Queue): Promise<Queue> {
    try {
      return await this.createQueue(queue);
    } catch (err) {
      if (!(err instanceof StatusError && err.status.reason === 'AlreadyExists')) throw err;
      const stored = await this.getQueue(nameOf(queue, 'Queue'));
      if (stored === undefined) return this.ensureQueue(queue);
      return stored;
    }
  }

  getQueue(name: string): Promise<Queue | undefined> {
    return this.readObject<Queue>(this.keys.queue(name));
  }

  listQueues(opts: ListOptions<Queue> = {}): Promise<ListPage<Queue>> {
    return this.listIndex<Queue>({ index: this.keys.queues, scope: 'queues', hashKeyOf: (n) => this.keys.queue(n), ...opts });
  }

  updateQueue(queue: Queue, p?: Preconditions): Promise<Queue> {
    const name = nameOf(queue, 'Queue');
    return this.updateStored(QUEUES, this.keys.queue(name), name, queue, p);
  }

  async deleteQueue(name: string, p?: Preconditions): Promise<Queue> {
    const current = await this.getQueue(name);
    if (current === undefined) fail(notFound('Queue', name, SCHEDULING_API_GROUP));
    const [code, rv] = await this.runner.run(scripts.deleteNamed5, [
      this.keys.queue(name), this.keys.queues, this.keys.jobsInQueue(name), this.keys.rv, this.keys.feed,
    ], ['queue', name, ...pre(p), this.maxLen]);
    if (code === -7) fail(conflict('Queue', name, `the queue still holds ${rv ?? 0} job(s); delete them first`, SCHEDULING_API_GROUP));
    this.throwForCode(QUEUES, name, code);
    return withResourceVersion(current, rv ?? 0);
  }

  mutateQueue(name: string, mutate: (queue: Queue) => Queue | undefined, opts: { retries?: number } = {}): Promise<Queue | undefined> {
    return this.mutate<Queue>(() => this.getQueue(name), (q, p) => this.updateQueue(q, p), mutate, opts);
  }

  // ---- member clusters --------------------------------------------------------------------------

  createMember(member: MemberCluster): Promise<MemberCluster> {
    return this.createNamed(MEMBERS, this.keys.member(nameOf(member, 'MemberCluster')), this.keys.members, member);
  }

  async ensureMember(member: MemberCluster): Promise<MemberCluster> {
    try {
      return await this.createMember(member);
    } catch (err) {
      if (!(err instanceof StatusError && err.status.reason === 'AlreadyExists')) throw err;
      const stored = await this.getMember(nameOf(member, 'MemberCluster'));
      if (stored === undefined) return this.ensureMember(member);
      return stored;
    }
  }

  /** Reads members and merges the heartbeat side fields into their status. */
  private async readMembers(names: string[]): Promise<Array<MemberCluster | undefined>> {
    const out: Array<MemberCluster | undefined> = [];
    for (let i = 0; i < names.length; i += READ_CHUNK) {
      const p = this.client.pipeline();
      for (const n of names.slice(i, i + READ_CHUNK)) p.hmget(this.keys.member(n), 'obj', 'rv', 'hbAt', 'hbAgent');
      for (const [err, val] of (await p.exec()) ?? []) {
        if (err) throw err;
        const [obj, rv, hbAt, hbAgent] = val as Array<string | null>;
        if (obj === null || obj === undefined || rv === null || rv === undefined) { out.push(undefined); continue; }
        const m = withResourceVersion(JSON.parse(obj) as MemberCluster, rv);
        if (hbAt) {
          m.status = { ...m.status, lastHeartbeatTime: new Date(Number(hbAt)).toISOString() };
          if (hbAgent && m.status.agentId === undefined) m.status.agentId = hbAgent;
        }
        out.push(m);
      }
    }
    return out;
  }

  async getMember(name: string): Promise<MemberCluster | undefined> {
    return (await this.readMembers([name]))[0];
  }

  async listMembers(opts: ListOptions<MemberCluster> = {}): Promise<ListPage<MemberCluster>> {
    const page = await this.listIndex<MemberCluster>({ index: this.keys.members, scope: 'members', hashKeyOf: (n) => this.keys.member(n), ...opts });
    const merged = await this.readMembers(page.items.map((m) => m.metadata.name ?? ''));
    page.items = page.items.map((m, i) => {
      const withHb = merged[i];
      return withHb !== undefined && withHb.metadata.resourceVersion === m.metadata.resourceVersion ? withHb : m;
    });
    return page;
  }

  updateMember(member: MemberCluster, p?: Preconditions): Promise<MemberCluster> {
    const name = nameOf(member, 'MemberCluster');
    // heartbeat fields are side fields, never part of the stored object
    const { lastHeartbeatTime: _t, heartbeatAgeSeconds: _a, ...status } = member.status ?? {};
    return this.updateStored(MEMBERS, this.keys.member(name), name, { ...member, status }, p);
  }

  mutateMember(name: string, mutate: (m: MemberCluster) => MemberCluster | undefined, opts: { retries?: number } = {}): Promise<MemberCluster | undefined> {
    return this.mutate<MemberCluster>(() => this.getMember(name), (m, p) => this.updateMember(m, p), mutate, opts);
  }

  async recordHeartbeat(hb: { cluster: string; agentId: string; seq: number; at: number }): Promise<boolean> {
    const [code] = await this.runner.run(scripts.setFields1, [this.keys.member(hb.cluster)], [
      '', 'hbAt', hb.at, 'hbAgent', hb.agentId, 'hbSeq', hb.seq,
    ]);
    return code === 0;
  }

  async heartbeats(): Promise<Record<string, { at: number; agentId: string; seq: number }>> {
    const names = await this.client.zrange(this.keys.members, '0', '-1');
    const p = this.client.pipeline();
    for (const n of names) p.hmget(this.keys.member(n), 'hbAt', 'hbAgent', 'hbSeq');
    const res = (await p.exec()) ?? [];
    const out: Record<string, { at: number; agentId: string; seq: number }> = {};
    names.forEach((n, i) => {
      const [at, agentId, seq] = (res[i]?.[1] ?? []) as Array<string | null>;
      if (at) out[n] = { at: Number(at), agentId: agentId ?? '', seq: Number(seq ?? 0) };
    });
    return out;
  }

  async putNodes(report: NodeReport): Promise<NodeReportResult> {
    const upserts = report.mode === 'full' ? report.nodes : report.upserts;
    const removed = report.mode === 'full' ? [] : report.removed;
    const change = { cluster: report.cluster, mode: report.mode, upserts, removed };
    const args: Array<string | number> = [
      report.mode, report.cluster, report.agentId, report.seq, this.maxLen, JSON.stringify(change), upserts.length,
    ];
    for (const n of upserts) args.push(n.name, JSON.stringify(n));
    args.push(...removed);
    const [code, rv] = await this.runner.run(scripts.putNodes4, [
      this.keys.nodes(report.cluster), this.keys.member(report.cluster), this.keys.rv, this.keys.feed,
    ], args);
    switch (code) {
      case 0: return { applied: true, rv: rv ?? 0 };
      case -1: return { applied: false, reason: 'UnknownMember' };
      case -5: return { applied: false, reason: 'StaleSeq' };
      case -6: return { applied: false, reason: 'NoFullInventory' };
      default: throw new Error(`unexpected put-nodes reply ${code}`);
    }
  }

  async getNodes(cluster: string): Promise<NodeInventory[]> {
    const all = await this.client.hgetall(this.keys.nodes(cluster));
    return Object.keys(all).sort().map((n) => JSON.parse(all[n] as string) as NodeInventory);
  }

  // ---- placements, reservations, usage ----------------------------------------------------------

  async getPlacement(uid: string): Promise<Placement | undefined> {
    const raw = await this.client.hget(this.keys.placements, uid);
    return raw === null ? undefined : (JSON.parse(raw) as Placement);
  }

  private async hashRecords<T>(key: string): Promise<T[]> {
    const all = await this.client.hgetall(key);
    return Object.values(all).map((v) => JSON.parse(v) as T);
  }

  listPlacements(): Promise<Placement[]> {
    return this.hashRecords<Placement>(this.keys.placements);
  }

  async setPlacements(writes: PlacementWrite[]): Promise<PlacementWriteResult[]> {
    const replies = await this.runner.runMany(scripts.setPlacement6, writes.map((w) => ({
      keys: [this.keys.placements, this.keys.job(w.placement.namespace, w.placement.name), this.keys.pendingJobs,
        this.keys.reservations, this.keys.rv, this.keys.feed],
      args: [w.placement.uid, jobKey(w.placement.namespace, w.placement.name), w.placement.epoch,
        JSON.stringify(w.placement), w.reservation ? JSON.stringify(w.reservation) : '', this.maxLen],
    })));
    return replies.map(placementResult);
  }

  async updatePlacements(updates: PlacementUpdate[]): Promise<PlacementWriteResult[]> {
    const replies = await this.runner.runMany(scripts.updatePlacement6, updates.map((u) => ({
      keys: [this.keys.placements, this.keys.reservations, this.keys.pendingJobs, this.keys.job(u.namespace, u.name),
        this.keys.rv, this.keys.feed],
      args: [u.uid, u.epoch, u.placement ? JSON.stringify(u.placement) : '',
        u.reservation === undefined ? '' : u.reservation === 'release' ? '-' : JSON.stringify(u.reservation),
        u.requeue ? '1' : '0', jobKey(u.namespace, u.name), this.maxLen],
    })));
    return replies.map(placementResult);
  }

  listReservations(): Promise<Reservation[]> {
    return this.hashRecords<Reservation>(this.keys.reservations);
  }

  async setQueueUsage(usage: QueueUsage[]): Promise<void> {
    await this.runner.runMany(scripts.putRecord3, usage.map((u) => ({
      keys: [this.keys.usage, this.keys.rv, this.keys.feed],
      args: ['usage', u.queue, JSON.stringify(u), this.maxLen],
    })));
  }

  listQueueUsage(): Promise<QueueUsage[]> {
    return this.hashRecords<QueueUsage>(this.keys.usage);
  }
}
