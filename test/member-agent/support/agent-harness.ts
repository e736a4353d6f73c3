/**
 * A member agent against a simulated cluster over HTTP, for end-to-end tests: the sim runs with time
 * sped up, the agent leads alone (or campaigns, when asked), reports are collected in memory unless
 * the real report stream is wanted.
 */
import type { Pod } from '../../../shared/api/core.js';
import type { Job, JobPhase } from '../../../shared/api/job.js';
import { Queue } from 'bullmq';
import {
  dispatchJobId,
  dispatchQueueName,
  type DispatchMessage,
  type PlacementMessage,
  type ReportMessage,
} from '../../../shared/messages/index.js';
import { startAgent, type AgentHandle, type AgentOptions } from '../../../member-agent/agent.js';
import type { KubeObject } from '../../../member-agent/kube/kube-client.js';
import { VC_JOB } from '../../../member-agent/kube/kube-kinds.js';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../../../member-agent/sim/sim-cluster.js';
import { useRedis, type TestRedis } from '../../support/redis.js';

interface Teardownable {
  name: string;
  teardown(fn: () => unknown): void;
}

export interface SimAgent {
  sim: SimCluster;
  agent: AgentHandle;
  redis: TestRedis;
  /** reports the agent sent (when the real report stream is not used) */
  reports: ReportMessage[];
  bullPrefix: string;
  /** starts another agent process on the same cluster and Redis */
  startAgent(extra?: Partial<AgentOptions>): Promise<AgentHandle>;
}

export interface SimAgentOptions {
  nodes?: string;
  /** simulated ms per real ms (default 20) */
  speed?: number;
  sim?: Partial<SimClusterOptions>;
  agent?: Partial<AgentOptions>;
  /** report through the real BullMQ queue instead of collecting in memory */
  realReports?: boolean;
}

export async function useSimAgent(t: Teardownable, opts: SimAgentOptions = {}): Promise<SimAgent> {
  const redis = await useRedis(t);
  const sim = await startSimCluster({
    name: 'm1',
    nodes: opts.nodes ?? '4x{cpu: 8, memory: 32Gi}',
    clock: { speed: opts.speed ?? 20 },
    ...(opts.sim ?? {}),
  });
  const reports: ReportMessage[] = [];
  const bullPrefix = `{${redis.prefix.replace(/[^A-Za-z0-9._-]/g, '')}}`;
  const agents: AgentHandle[] = [];
  const launch = async (extra: Partial<AgentOptions> = {}) => {
    const a = await startAgent({
      cluster: 'm1',
      kubeConfig: sim.kubeconfig.config,
      redisUrl: redis.url,
      bullPrefix,
      leaderElection: false,
      schedulePeriodMs: 200,
      reporter: { heartbeatEveryMs: 200, deltaEveryMs: 50 },
      ...(opts.realReports ? {} : { reportSink: { send: async (m: ReportMessage) => void reports.push(m) } }),
      ...(opts.agent ?? {}),
      ...extra,
    });
    agents.push(a);
    return a;
  };
  const agent = await launch();
  t.teardown(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    await sim.stop();
  });
  return { sim, agent, redis, reports, bullPrefix, startAgent: launch };
}

/** Polls `fn` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function jobPhase(agent: AgentHandle, ns: string, name: string): JobPhase | undefined {
  return agent.caches.jobs.get(ns, name)?.status?.state?.phase;
}

export async function waitPhase(agent: AgentHandle, ns: string, name: string, phase: JobPhase, timeoutMs = 15_000): Promise<Job> {
  return eventually(() => {
    const j = agent.caches.jobs.get(ns, name);
    return j?.status?.state?.phase === phase ? j : undefined;
  }, `job ${ns}/${name} to be ${phase} (is ${jobPhase(agent, ns, name) ?? 'absent'})`, timeoutMs);
}

export function podsOf(agent: AgentHandle, ns: string, job: string): Pod[] {
  return agent.caches.pods.list().filter((p) => p.metadata.namespace === ns && p.metadata.labels?.['volcano.sh/job-name'] === job);
}

/** Creates a vcjob straight in the member cluster (as kubectl would). */
export async function createJob(agent: AgentHandle, job: Job): Promise<Job> {
  return agent.client.create<KubeObject & Job>(VC_JOB, job as KubeObject & Job);
}

/** A placement of `job` (defaulted, with uid and namespace) on cluster m1. */
export function placementOf(job: Job, opts: { epoch?: number; attempt?: number; nodePlan?: Record<string, string[]> } = {}): PlacementMessage {
  return {
    type: 'placement',
    v: 1,
    cluster: 'm1',
    uid: job.metadata.uid!,
    namespace: job.metadata.namespace!,
    name: job.metadata.name!,
    epoch: opts.epoch ?? 1,
    attempt: opts.attempt ?? 1,
    queue: job.spec.queue ?? 'default',
    job,
    nodePlan: opts.nodePlan ?? {},
  };
}

/** Sends gateway messages on m1's dispatch queue, as the gateway's dispatcher does. */
export function dispatcher(t: Teardownable, h: SimAgent): (msg: DispatchMessage) => Promise<void> {
  const queue = new Queue(dispatchQueueName('m1'), { connection: h.redis.connect(), prefix: h.bullPrefix });
  t.teardown(() => queue.close());
  let n = 0;
  return async (msg) => {
    await queue.add(msg.type, msg, { jobId: `${dispatchJobId(msg as Parameters<typeof dispatchJobId>[0])}.${n++}` });
  };
}
