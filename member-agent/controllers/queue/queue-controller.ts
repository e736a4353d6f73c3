/**
 * The Queue controller: keeps each queue's PodGroup counts (pending, inqueue, running, unknown,
 * completed) and its state (Open / Closing / Closed) in `status`, fills `spec.parent = root` when
 * unset, and takes open/close commands. `status.allocated` belongs to the scheduler.
 */
import type { PodGroup } from '../../../shared/api/podgroup.js';
import { ROOT_QUEUE, type Queue, type QueueStatus } from '../../../shared/api/queue.js';
import { POD_GROUPS_BY_QUEUE } from '../../cluster-caches.js';
import { KeyedWorkQueue } from '../../keyed-work-queue.js';
import type { ObjectStore } from '../../kube/object-store.js';
import { errorFields, silentLogger, type AgentLogger } from '../../logger.js';
import { nextQueueState, type QueueAction } from './queue-state.js';

export interface QueueWriter {
  /** merge-patches the queue's status; returns the queue as stored */
  patchQueueStatus(name: string, status: Partial<QueueStatus>): Promise<Queue | undefined>;
  /** merge-patches the queue's spec */
  patchQueueSpec(name: string, spec: Record<string, unknown>): Promise<Queue | undefined>;
}

export interface QueueControllerOptions {
  queues: ObjectStore<Queue>;
  /** must carry the POD_GROUPS_BY_QUEUE index */
  podGroups: ObjectStore<PodGroup>;
  writer: QueueWriter;
  log?: AgentLogger;
}

type CountKey = 'pending' | 'inqueue' | 'running' | 'unknown' | 'completed';

export function podGroupCounts(groups: readonly PodGroup[]): Record<CountKey, number> {
  const c: Record<CountKey, number> = { pending: 0, inqueue: 0, running: 0, unknown: 0, completed: 0 };
  for (const pg of groups) {
    switch (pg.status?.phase ?? 'Pending') {
      case 'Pending':
        c.pending++;
        break;
      case 'Inqueue':
        c.inqueue++;
        break;
      case 'Running':
        c.running++;
        break;
      case 'Unknown':
        c.unknown++;
        break;
      case 'Completed':
        c.completed++;
        break;
    }
  }
  return c;
}

export class QueueController {
  private readonly work: KeyedWorkQueue<QueueAction>;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly log: AgentLogger;

  constructor(private readonly opts: QueueControllerOptions) {
    this.log = opts.log ?? silentLogger;
    this.work = new KeyedWorkQueue<QueueAction>({
      concurrency: 4,
      handle: (name, actions) => this.sync(name, actions),
      onError: (name, err) => this.log.warn({ queue: name, ...errorFields(err) }, 'queue sync failed'),
    });
  }

  start(): void {
    this.unsubscribe.push(
      this.opts.queues.on((ev) => {
        if (ev.type !== 'deleted') this.work.add(ev.obj.metadata.name ?? '', 'SyncQueue');
      }),
      this.opts.podGroups.on((ev) => {
        const q = ev.obj.spec.queue ?? 'default';
        if (ev.type !== 'updated' || ev.old?.status?.phase !== ev.obj.status?.phase || ev.old?.spec.queue !== q) {
          this.work.add(q, 'SyncQueue');
          if (ev.old && ev.old.spec.queue !== q) this.work.add(ev.old.spec.queue ?? 'default', 'SyncQueue');
        }
      }),
    );
    for (const q of this.opts.queues.list()) this.work.add(q.metadata.name ?? '', 'SyncQueue');
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.work.stop();
  }

  idle(): Promise<void> {
    return this.work.idle();
  }

  /** Opens or closes a queue (`root` cannot be closed). */
  command(name: string, action: 'OpenQueue' | 'CloseQueue'): void {
    if (name === ROOT_QUEUE && action === 'CloseQueue') return;
    this.work.add(name, action);
  }

  private async sync(name: string, actions: QueueAction[]): Promise<void> {
    const queue = this.opts.queues.get(undefined, name);
    if (!queue) return;
    const groups = this.opts.podGroups.byIndex(POD_GROUPS_BY_QUEUE, name);
    let state = queue.status?.state;
    for (const a of actions) state = nextQueueState(state, a, groups.length);
    state = nextQueueState(state, 'SyncQueue', groups.length);
    const counts = podGroupCounts(groups);
    const want: Partial<QueueStatus> = { state, ...counts };
    const have = queue.status ?? {};
    const changed = (Object.keys(want) as (keyof QueueStatus)[]).some((k) => have[k] !== want[k]);
    if (changed) {
      const out = await this.opts.writer.patchQueueStatus(name, want);
      if (out) this.opts.queues.upsert(out);
      if ((have.state ?? 'Open') !== state) this.log.info({ queue: name, from: have.state ?? 'Open', to: state }, 'queue state changed');
    }
    if (name !== ROOT_QUEUE && !queue.spec.parent) {
      const out = await this.opts.writer.patchQueueSpec(name, { parent: ROOT_QUEUE });
      if (out) this.opts.queues.upsert(out);
    }
  }
}
