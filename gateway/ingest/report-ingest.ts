/**
 * Applies a batch of agent reports on the leader:
 *   1. every report is a sign of life for its member (health); a member heard of for the first
 *      time is registered;
 *   2. node inventories go to the store and into the snapshot, in order per member;
 *   3. heartbeats: the latest per member is recorded;
 *   4. placement results and job status are checked against the job's current epoch: current
 *      ones move the placement on (accepted, bound, finished, rejected → back to the queue with a
 *      backoff), stale ones make the member delete its superseded copy;
 *   5. the store writes of step 4 go out as one fenced pipeline, then a cycle is asked for when
 *      room was freed or a member came back.
 */
import { randomUUID } from 'node:crypto';
import type {
  HeartbeatMessage,
  JobStatusMessage,
  NodesDeltaMessage,
  NodesFullMessage,
  PlacementResultMessage,
  ReportMessage,
} from '../../shared/messages/index.js';
import type { HealthTransition } from '../health/member-health.js';
import type { PlacementUpdate } from '../store/gateway-store.js';
import { CALDERA_API_VERSION, MEMBER_CLUSTER_KIND, type MemberCluster, type Placement, placementWith } from '../store/records.js';
import { isFinalPhase, type JobEntry } from '../scheduler/federation-state.js';
import {
  deleteStaleCopies,
  rejectBackoff,
  requeueGangs,
  type RequeueRequest,
} from '../scheduler/placement-actions.js';
import { NotLeaderError, type SchedulerContext } from '../scheduler/scheduler-context.js';
import { mirrorMutation } from './job-status-mutations.js';
import type { ReportHandler } from './report-consumer.js';

export interface ReportIngestOptions {
  ctx: SchedulerContext;
  /** called with the member health transitions the batch caused (the health monitor acts on them) */
  onTransitions?: (transitions: HealthTransition[]) => Promise<void>;
}

type NodeReportMessage = NodesFullMessage | NodesDeltaMessage;

export class ReportIngest implements ReportHandler {
  private readonly ctx: SchedulerContext;

  constructor(private readonly opts: ReportIngestOptions) {
    this.ctx = opts.ctx;
  }

  async handleReports(batch: readonly ReportMessage[]): Promise<void> {
    const ctx = this.ctx;
    ctx.token(); // a replica that no longer leads leaves the reports to the next leader
    const transitions: HealthTransition[] = [];
    const nodeReports = new Map<string, NodeReportMessage[]>();
    const heartbeats = new Map<string, HeartbeatMessage>();
    const results: PlacementResultMessage[] = [];
    const statuses: JobStatusMessage[] = [];
    for (const m of batch) {
      const agentId = 'agentId' in m ? m.agentId : undefined;
      const t = ctx.health.observe(m.cluster, agentId);
      if (t) transitions.push(t);
      ctx.metrics?.reports.inc({ cluster: m.cluster, type: m.type });
      switch (m.type) {
        case 'nodes-full':
        case 'nodes-delta': {
          const list = nodeReports.get(m.cluster);
          if (list) list.push(m);
          else nodeReports.set(m.cluster, [m]);
          break;
        }
        case 'heartbeat':
          heartbeats.set(m.cluster, m);
          break;
        case 'placement-result':
          results.push(m);
          break;
        case 'job-status':
          statuses.push(m);
          break;
      }
    }

    // 1. members heard of for the first time
    await this.register(new Set(batch.map((m) => m.cluster)));
    for (const t of transitions) ctx.state.setReadiness(t.cluster, t.to);

    // 2. and 3. inventories (in order per member, members side by side) and heartbeats
    let freed = transitions.length > 0;
    await Promise.all([
      ...[...nodeReports].map(async ([cluster, reports]) => {
        for (const r of reports) if (await this.applyNodes(cluster, r)) freed = true;
      }),
      ...[...heartbeats.values()].map((h) => ctx.store.recordHeartbeat({ cluster: h.cluster, agentId: h.agentId, seq: h.seq, at: ctx.clock.now() })),
    ]);

    // 4. placements and job status
    if (await this.applyJobReports(results, statuses)) freed = true;

    if (transitions.length > 0) await this.opts.onTransitions?.(transitions);
    if (freed) ctx.trigger();
  }

  private async register(clusters: Set<string>): Promise<void> {
    const ctx = this.ctx;
    const unknown = [...clusters].filter((c) => !ctx.state.memberOf(c).registered);
    await Promise.all(unknown.map(async (name) => {
      const member: MemberCluster = {
        apiVersion: CALDERA_API_VERSION,
        kind: MEMBER_CLUSTER_KIND,
        metadata: { name, uid: randomUUID(), creationTimestamp: new Date(ctx.clock.now()).toISOString() },
        spec: {},
        status: { phase: 'Ready', ready: true },
      };
      const stored = await ctx.store.ensureMember(member);
      ctx.state.upsertMember(stored);
      ctx.log.info({ cluster: name }, 'member cluster registered');
    }));
  }

  private async applyNodes(cluster: string, r: NodeReportMessage): Promise<boolean> {
    const ctx = this.ctx;
    const report = r.type === 'nodes-full'
      ? { cluster, agentId: r.agentId, seq: r.seq, mode: 'full' as const, nodes: r.nodes }
      : { cluster, agentId: r.agentId, seq: r.seq, mode: 'delta' as const, upserts: r.upserts, removed: r.removed };
    const res = await ctx.store.putNodes(report);
    if (!res.applied) {
      ctx.log.debug({ cluster, reason: res.reason, seq: r.seq }, 'node report not applied');
      return false;
    }
    ctx.state.applyNodes(cluster, r.type === 'nodes-full'
      ? { mode: 'full', upserts: r.nodes, removed: [] }
      : { mode: 'delta', upserts: r.upserts, removed: r.removed });
    return true;
  }

  /** Returns true when room was freed (a gang bound, finished or was taken back). */
  private async applyJobReports(results: PlacementResultMessage[], statuses: JobStatusMessage[]): Promise<boolean> {
    const ctx = this.ctx;
    const now = ctx.clock.now();
    const iso = new Date(now).toISOString();
    const stale: Array<{ cluster: string; uid: string; namespace: string; name: string; epoch: number }> = [];
    const requeues: RequeueRequest[] = [];
    const updates = new Map<string, { e: JobEntry; u: PlacementUpdate; after: () => void }>();
    let freed = false;

    const current = (m: { uid: string; epoch: number; cluster: string }): JobEntry | undefined => {
      const e = ctx.state.byUid.get(m.uid);
      const p = e?.placement;
      if (e && p && p.epoch === m.epoch && p.cluster === m.cluster) return e;
      return undefined;
    };
    const update = (e: JobEntry, change: Omit<PlacementUpdate, 'uid' | 'namespace' | 'name' | 'epoch'>, after: () => void): void => {
      const prev = updates.get(e.uid);
      const base: PlacementUpdate = prev?.u ?? {
        uid: e.uid, namespace: e.job.metadata.namespace ?? '', name: e.job.metadata.name ?? '', epoch: e.placement?.epoch ?? 0,
      };
      const u = { ...base, ...change };
      updates.set(e.uid, { e, u, after: prev ? () => { prev.after(); after(); } : after });
    };

    for (const r of results) {
      const e = current(r);
      if (!e) {
        // an older (or unknown) placement: whatever the member holds for it must go
        if (r.result === 'accepted') stale.push({ cluster: r.cluster, uid: r.uid, namespace: r.namespace, name: r.name, epoch: r.epoch });
        continue;
      }
      if (e.stage !== 'placed') continue;
      const p = e.placement as Placement;
      if (r.result === 'accepted') {
        if (p.state === 'Accepted') continue;
        const next = placementWith(p, { state: 'Accepted', updatedAt: iso });
        update(e, { placement: next }, () => ctx.state.updatePlacement(e, next));
        ctx.metrics?.placements.inc({ cluster: r.cluster, result: 'accepted' });
        ctx.log.debug({ job: e.id, cluster: r.cluster, epoch: r.epoch }, 'placement accepted');
      } else {
        requeues.push({
          entry: e, reason: 'Rejected', supersede: false,
          message: `cluster ${r.cluster} rejected the placement${r.reason ? ` (${r.reason})` : ''}${r.message ? `: ${r.message}` : ''}`,
          backoffMs: rejectBackoff(ctx, p.attempt),
        });
      }
    }

    for (const s of statuses) {
      const e = current(s);
      if (!e) {
        stale.push({ cluster: s.cluster, uid: s.uid, namespace: s.namespace, name: s.name, epoch: s.epoch });
        continue;
      }
      const ref = { namespace: e.job.metadata.namespace ?? '', name: e.job.metadata.name ?? '', uid: e.uid };
      ctx.statusWriter.update(ref, mirrorMutation(s, iso));
      if (e.stage !== 'placed') continue;
      const p = e.placement as Placement;
      const planned = Object.values(p.nodePlan ?? {}).reduce((n, nodes) => n + nodes.length, 0);
      const accepted = p.state === 'Accepted' ? p : placementWith(p, { state: 'Accepted', updatedAt: iso });
      if (isFinalPhase(s.phase)) {
        update(e, { placement: accepted, reservation: 'release' }, () => {
          ctx.state.updatePlacement(e, accepted);
          ctx.state.markFinished(e);
        });
        freed = true;
      } else if (e.reserved && (s.bound ?? 0) >= planned) {
        update(e, { placement: accepted, reservation: 'release' }, () => {
          ctx.state.updatePlacement(e, accepted);
          ctx.state.markBound(e);
        });
      } else if (p.state !== 'Accepted') {
        update(e, { placement: accepted }, () => ctx.state.updatePlacement(e, accepted));
      }
    }

    const list = [...updates.values()];
    if (list.length > 0) {
      const res = await ctx.placements.updatePlacements(list.map((x) => x.u), ctx.token());
      if (res.some((r) => !r.ok && r.reason === 'Fenced')) throw new NotLeaderError();
      list.forEach((x, i) => { if (res[i]?.ok) x.after(); });
    }
    if (requeues.length > 0) {
      await requeueGangs(ctx, requeues);
      freed = true;
    }
    await deleteStaleCopies(ctx, stale);
    return freed;
  }
}
