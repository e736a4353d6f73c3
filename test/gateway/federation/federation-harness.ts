/**
 * Builders and a harness for gateway federation tests: jobs, queues and nodes in a few words, a
 * federation (one or more gateway replicas) on a test's own Redis key prefix, and acknowledging
 * members on the same BullMQ prefix.
 */
import { randomUUID } from 'node:crypto';
import type { Job } from '../../../shared/api/job.js';
import type { Queue } from '../../../shared/api/queue.js';
import type { NodeInventory } from '../../../shared/messages/index.js';
import { pino } from 'pino';
import { Federation, type FederationOptions } from '../../../gateway/federation.js';
import { RedisGatewayStore } from '../../../gateway/store/redis-gateway-store.js';
import type { TestRedis } from '../../support/redis.js';
import { AcknowledgingMember, type AcknowledgingMemberOptions } from '../../support/acknowledging-member.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, cond: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await cond();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export interface JobSpecShort {
  name: string;
  namespace?: string;
  queue?: string;
  /** pods in the gang (one task) */
  pods?: number;
  /** cpu per pod, e.g. '1' or '500m' */
  cpu?: string;
  minAvailable?: number;
  annotations?: Record<string, string>;
  priorityClassName?: string;
  maxRetry?: number;
}

/** An admitted-looking vcjob: one task `worker` of `pods` replicas. */
export function gang(s: JobSpecShort): Job {
  const pods = s.pods ?? 1;
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: {
      name: s.name,
      namespace: s.namespace ?? 'default',
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
      ...(s.annotations ? { annotations: s.annotations } : {}),
    },
    spec: {
      schedulerName: 'volcano',
      queue: s.queue ?? 'default',
      minAvailable: s.minAvailable ?? pods,
      maxRetry: s.maxRetry ?? 3,
      ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
      tasks: [{
        name: 'worker',
        replicas: pods,
        template: { spec: { containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: s.cpu ?? '1', memory: '1Gi' } } }] } },
      }],
    },
  };
}

export function queue(name: string, weight = 1, extra: Partial<Queue['spec']> = {}): Queue {
  return {
    apiVersion: 'scheduling.volcano.sh/v1beta1',
    kind: 'Queue',
    metadata: { name, uid: randomUUID(), creationTimestamp: new Date().toISOString() },
    spec: { weight, reclaimable: true, ...extra },
    status: { state: 'Open' },
  };
}

/** `count` identical ready nodes named `<prefix>-<i>`. */
export function nodes(count: number, opts: { cpu?: string; memory?: string; prefix?: string; labels?: Record<string, string> } = {}): NodeInventory[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `${opts.prefix ?? 'node'}-${i}`;
    const size = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '16Gi', pods: 110 };
    return {
      name, allocatable: size, capacity: size, labels: { 'kubernetes.io/hostname': name, ...opts.labels },
      taints: [], unschedulable: false, requested: {}, ready: true,
    };
  });
}

export interface Harness {
  store: RedisGatewayStore;
  storePrefix: string;
  queuePrefix: string;
  gateways: Federation[];
  members: Map<string, AcknowledgingMember>;
  startGateway(extra?: Partial<FederationOptions>): Promise<Federation>;
  addMember(cluster: string, opts: Omit<AcknowledgingMemberOptions, 'cluster' | 'connection' | 'prefix'>): Promise<AcknowledgingMember>;
  leader(): Federation | undefined;
  submit(job: Job): Promise<Job>;
  stop(): Promise<void>;
}

/** Fast timings so tests run in seconds. */
export const FAST: Partial<FederationOptions> = {
  leaseTtlMs: 600,
  health: { notReadyAfterMs: 300, lostAfterMs: 900 },
  healthCheckEveryMs: 20,
  debounceMs: 2,
  periodMs: 100,
  refreshEveryMs: 500,
  settings: { rejectBackoffMs: 50, maxBackoffMs: 200 },
};

export async function harness(r: TestRedis, base: Partial<FederationOptions> = {}): Promise<Harness> {
  const storePrefix = r.prefix.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 60);
  const queuePrefix = `{${storePrefix}-q}`;
  const store = new RedisGatewayStore({ client: r.connect(), prefix: storePrefix, ownsClient: true });
  const gateways: Federation[] = [];
  const members = new Map<string, AcknowledgingMember>();
  let n = 0;
  const h: Harness = {
    store, storePrefix, queuePrefix, gateways, members,
    async startGateway(extra = {}) {
      // CALDERA_TEST_LOG=debug shows the gateway's logs on stderr
      const level = process.env.CALDERA_TEST_LOG;
      const logger = level ? pino({ level }, pino.destination(2)) : undefined;
      const fed = await Federation.start({ redisUrl: r.url, prefix: storePrefix, queuePrefix, holderId: `gw-${n++}`, ...FAST, ...(logger ? { logger } : {}), ...base, ...extra });
      gateways.push(fed);
      return fed;
    },
    async addMember(cluster, opts) {
      const m = new AcknowledgingMember({ cluster, connection: r.connect(), prefix: queuePrefix, heartbeatMs: 50, ...opts });
      members.set(cluster, m);
      await m.start();
      return m;
    },
    leader: () => gateways.find((g) => g.isLeader()),
    submit: (job) => store.createJob(job),
    async stop() {
      await Promise.allSettled([...members.values()].map((m) => m.stop()));
      await Promise.allSettled(gateways.map((g) => g.stop()));
      await store.close();
    },
  };
  await store.ensureQueue(queue('default'));
  return h;
}
