/**
 * What the leader does to placements outside a cycle: take gangs back (reject, Lost member,
 * reclaim), delete superseded copies on members, and record acceptance and binding. Each batch is
 * one fenced pipeline; the in-memory state changes only after the store accepted the change.
 */
import type { DeleteSupersededMessage, DispatchMessage } from '../../shared/messages/index.js';
import type { PlacementUpdate } from '../store/gateway-store.js';
import type { FencedWriteResult } from '../store/placement-store.js';
import { placementWith, type Placement } from '../store/records.js';
import {
  failedMutation,
  requeuedMutation,
} from '../ingest/job-status-mutations.js';
import type { JobEntry } from './federation-state.js';
import { NotLeaderError, type SchedulerContext } from './scheduler-context.js';

export type RequeueReason =
  | 'Rejected' // the member's agent refused the placement
  | 'MemberLost' // the member was silent past its grace period
  | 'Reclaimed'; // evicted so a queue below its share gets its due

export interface RequeueRequest {
  entry: JobEntry;
  reason: RequeueReason;
  message: string;
  /** the member may still hold a copy: delete it there (now or when it is back) */
  supersede: boolean;
  /** wait this long before placing the gang again */
  backoffMs: number;
}

function checkFenced(results: readonly FencedWriteResult[]): void {
  if (results.some((r) => !r.ok && r.reason === 'Fenced')) throw new NotLeaderError();
}

/** The backoff before the n-th re-placement after a reject. */
export function rejectBackoff(ctx: SchedulerContext, attempt: number): number {
  const { rejectBackoffMs, maxBackoffMs } = ctx.settings;
  return Math.min(maxBackoffMs, rejectBackoffMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Takes gangs back from their members as whole gangs. A gang that already used up its retries
 * (`spec.maxRetry`; rejects and Lost members count, reclaims do not) fails instead.
 */
export async function requeueGangs(ctx: SchedulerContext, reqs: readonly RequeueRequest[]): Promise<void> {
  const now = ctx.clock.now();
  const iso = new Date(now).toISOString();
  const work: Array<{ r: RequeueRequest; next: Placement; exhausted: boolean }> = [];
  const updates: PlacementUpdate[] = [];
  for (const r of reqs) {
    const e = r.entry;
    const p = e.placement;
    if (!p || e.stage !== 'placed') continue;
    // a reject or a Lost member is a retry (spec.maxRetry); a reclaim is the federation's doing, not the job's
    const retries = Number(p.retries ?? 0) + (r.reason === 'Reclaimed' ? 0 : 1);
    const exhausted = retries > e.shape.maxRetry;
    // a Lost member is reminded to delete its copy when it is back
    const remember = r.supersede && r.reason === 'MemberLost';
    const superseded = remember ? [...(p.superseded ?? []), { cluster: p.cluster, epoch: p.epoch }] : p.superseded;
    const next = placementWith(p, {
      cluster: '',
      state: r.reason === 'Rejected' ? 'Rejected' : 'Requeued',
      reason: r.reason,
      message: r.message,
      updatedAt: iso,
      ...(superseded && superseded.length > 0 ? { superseded } : {}),
      previousCluster: p.cluster,
      retries,
    });
    work.push({ r, next, exhausted });
    updates.push({
      uid: e.uid, namespace: e.job.metadata.namespace ?? '', name: e.job.metadata.name ?? '', epoch: p.epoch,
      placement: next, reservation: 'release', requeue: !exhausted,
    });
  }
  if (updates.length === 0) return;
  const results = await ctx.placements.updatePlacements(updates, ctx.token());
  checkFenced(results);
  const deletes: DispatchMessage[] = [];
  work.forEach(({ r, next, exhausted }, i) => {
    if (!results[i]?.ok) return;
    const e = r.entry;
    const ref = { namespace: e.job.metadata.namespace ?? '', name: e.job.metadata.name ?? '', uid: e.uid };
    const cluster = String(next.previousCluster ?? '');
    ctx.log.info({ job: e.id, queue: e.shape.queue, cluster, epoch: next.epoch, reason: r.reason, exhausted }, 'gang taken back');
    ctx.metrics?.placements.inc({ cluster, result: r.reason === 'Rejected' ? 'rejected' : 'requeued' });
    if (exhausted) {
      ctx.state.markFailed(e);
      e.placement = next;
      ctx.statusWriter.update(ref, failedMutation({
        reason: 'RetriesExhausted',
        message: `${r.message}; retries exhausted (spec.maxRetry ${e.shape.maxRetry})`,
        now: iso,
      }));
    } else {
      ctx.state.requeue(e, { placement: next, notBefore: now + r.backoffMs });
      ctx.statusWriter.update(ref, requeuedMutation({ reason: r.reason, message: r.message, epoch: next.epoch, attempt: next.attempt, now: iso }));
    }
    // the member deletes its copy as soon as it reads its queue again; a Lost one is told again when it is back
    if (r.supersede) deletes.push(supersedeMessage(e, cluster, next.epoch + 1));
  });
  if (deletes.length > 0) await ctx.dispatcher.send(deletes);
  ctx.trigger();
}

function supersedeMessage(e: JobEntry, cluster: string, olderThanEpoch: number): DeleteSupersededMessage {
  return {
    type: 'delete-superseded', v: 1, cluster, uid: e.uid,
    namespace: e.job.metadata.namespace ?? '', name: e.job.metadata.name ?? '', olderThanEpoch,
  };
}

/** The epoch below which copies of the job on `cluster` are superseded. */
export function supersededBelow(e: JobEntry | undefined, cluster: string, seenEpoch: number): number {
  const p = e?.placement;
  if (e && p && e.stage === 'placed' && p.cluster === cluster) return p.epoch;
  return Math.max(p?.epoch ?? 0, seenEpoch) + 1;
}

/**
 * A member that was Lost is back: delete every copy it holds from a superseded placement, then
 * forget those entries.
 */
export async function deleteSupersededOn(ctx: SchedulerContext, cluster: string): Promise<number> {
  const msgs: DispatchMessage[] = [];
  const updates: PlacementUpdate[] = [];
  const changed: Array<{ e: JobEntry; next: Placement }> = [];
  for (const e of ctx.state.jobs.values()) {
    const p = e.placement;
    const mine = p?.superseded?.filter((s) => s.cluster === cluster) ?? [];
    if (!p || mine.length === 0) continue;
    const maxSeen = Math.max(...mine.map((s) => s.epoch));
    msgs.push(supersedeMessage(e, cluster, supersededBelow(e, cluster, maxSeen)));
    const rest = (p.superseded ?? []).filter((s) => s.cluster !== cluster);
    const next = placementWith(p, { superseded: rest });
    changed.push({ e, next });
    updates.push({ uid: e.uid, namespace: e.job.metadata.namespace ?? '', name: e.job.metadata.name ?? '', epoch: p.epoch, placement: next });
  }
  if (msgs.length === 0) return 0;
  // the messages are durable in the member's queue before the store forgets the entries
  await ctx.dispatcher.send(msgs);
  const results = await ctx.placements.updatePlacements(updates, ctx.token());
  checkFenced(results);
  changed.forEach(({ e, next }, i) => { if (results[i]?.ok) ctx.state.updatePlacement(e, next); });
  ctx.log.info({ cluster, count: msgs.length }, 'deleting superseded copies on a returned member');
  return msgs.length;
}

/** Tells members to delete copies whose epoch is no longer current (stale reports). */
export async function deleteStaleCopies(ctx: SchedulerContext, stale: ReadonlyArray<{ cluster: string; uid: string; namespace: string; name: string; epoch: number }>): Promise<void> {
  if (stale.length === 0) return;
  const msgs = stale.map((s): DeleteSupersededMessage => ({
    type: 'delete-superseded', v: 1, cluster: s.cluster, uid: s.uid, namespace: s.namespace, name: s.name,
    olderThanEpoch: supersededBelow(ctx.state.byUid.get(s.uid), s.cluster, s.epoch),
  }));
  await ctx.dispatcher.send(msgs);
}
