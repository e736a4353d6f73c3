/**
 * The leader's writes of placements and reservations, fenced by its lease token: the same records
 * and change-feed entries as `GatewayStore.setPlacements` / `updatePlacements`, but each script
 * first checks that the scheduler lease still holds the caller's token. One pipeline per batch.
 */
import type { PlacementUpdate, PlacementWrite, PlacementWriteResult } from './gateway-store.js';
import { jobKey } from './keys.js';
import { setPlacementFenced7, updatePlacementFenced7 } from './lua/fenced-placement-7.js';
import { DEFAULT_FEED_MAXLEN, type RedisGatewayStore } from './redis-gateway-store.js';
import { ScriptRunner, type ScriptReply } from './script-runner.js';

export type FencedWriteResult = PlacementWriteResult | { ok: false; reason: 'Fenced' };

function result(reply: ScriptReply): FencedWriteResult {
  const [code, n] = reply;
  switch (code) {
    case 0: return { ok: true, rv: n ?? 0 };
    case -1: return { ok: false, reason: 'NotFound' };
    case -3: return { ok: false, reason: 'UidMismatch' };
    case -4: return { ok: false, reason: 'StaleEpoch', currentEpoch: n ?? 0 };
    case -5: return { ok: false, reason: 'Deleting' };
    case -7: return { ok: false, reason: 'Fenced' };
    default: throw new Error(`unexpected fenced placement reply ${code}`);
  }
}

export class FencedPlacementStore {
  private readonly runner: ScriptRunner;
  private readonly maxLen: number;

  constructor(private readonly store: RedisGatewayStore, opts: { feedMaxLen?: number } = {}) {
    this.runner = new ScriptRunner(store.client);
    this.maxLen = opts.feedMaxLen ?? DEFAULT_FEED_MAXLEN;
  }

  /** Records a decision batch; each write applies only if its epoch is newer and `token` still leads. */
  async setPlacements(writes: readonly PlacementWrite[], token: string): Promise<FencedWriteResult[]> {
    const k = this.store.keys;
    const replies = await this.runner.runMany(setPlacementFenced7, writes.map((w) => ({
      keys: [k.placements, k.job(w.placement.namespace, w.placement.name), k.pendingJobs, k.reservations, k.rv, k.feed, k.leaderLease],
      args: [w.placement.uid, jobKey(w.placement.namespace, w.placement.name), w.placement.epoch,
        JSON.stringify(w.placement), w.reservation ? JSON.stringify(w.reservation) : '', this.maxLen, token],
    })));
    return replies.map(result);
  }

  /** Changes placements of the given epochs (state, reservation, re-queue) while `token` leads. */
  async updatePlacements(updates: readonly PlacementUpdate[], token: string): Promise<FencedWriteResult[]> {
    const k = this.store.keys;
    const replies = await this.runner.runMany(updatePlacementFenced7, updates.map((u) => ({
      keys: [k.placements, k.reservations, k.pendingJobs, k.job(u.namespace, u.name), k.rv, k.feed, k.leaderLease],
      args: [u.uid, u.epoch, u.placement ? JSON.stringify(u.placement) : '',
        u.reservation === undefined ? '' : u.reservation === 'release' ? '-' : JSON.stringify(u.reservation),
        u.requeue ? '1' : '0', jobKey(u.namespace, u.name), this.maxLen, token],
    })));
    return replies.map(result);
  }
}
