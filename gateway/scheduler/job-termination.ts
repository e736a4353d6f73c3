/**
 * Deleting a placed job: the API marks it (deletionTimestamp and the terminate annotation); the
 * leader tells the member to delete its copy (and members holding superseded copies to delete
 * theirs), and once those messages are durable in the members' queues it removes the job from the
 * store. A job that never held a placement was already removed by the API.
 */
import type { DispatchMessage } from '../../shared/messages/index.js';
import type { SchedulerContext } from './scheduler-context.js';

export async function terminateDeletedJobs(ctx: SchedulerContext): Promise<number> {
  const entries = ctx.state.takeDeletions();
  if (entries.length === 0) return 0;
  const msgs: DispatchMessage[] = [];
  for (const e of entries) {
    const p = e.placement;
    const ref = { uid: e.uid, namespace: e.job.metadata.namespace ?? '', name: e.job.metadata.name ?? '' };
    if (p && p.cluster !== '') {
      msgs.push({ type: 'command', v: 1, cluster: p.cluster, ...ref, epoch: p.epoch, action: 'delete', reason: 'JobDeleted' });
    }
    for (const s of p?.superseded ?? []) {
      msgs.push({ type: 'delete-superseded', v: 1, cluster: s.cluster, ...ref, olderThanEpoch: p!.epoch + 1 });
    }
  }
  try {
    await ctx.dispatcher.send(msgs);
  } catch (err) {
    // try again on the next cycle: the jobs stay marked
    for (const e of entries) ctx.state.markDeleting(e);
    throw err;
  }
  await Promise.all(entries.map(async (e) => {
    await ctx.store.removeJob(e.job.metadata.namespace ?? '', e.job.metadata.name ?? '', { uid: e.uid });
    ctx.log.info({ job: e.id, cluster: e.placement?.cluster, epoch: e.placement?.epoch }, 'deleted job removed from its member and the store');
  }));
  return entries.length;
}
