/**
 * `hcclrank`: the Ascend collective-communication rank as the pod annotation `hccl/rankIndex`: the
 * container's RANK when one is set, else the master index, or masterReplicas+index for a worker.
 */
import type { Pod } from '../../../../shared/api/core.js';
import { HCCL_RANK_INDEX_ANNOTATION } from '../../../../shared/api/well-known.js';
import { findTask, podIndex, podTaskName, replicasOf } from '../job-shape.js';
import type { JobPlugin } from './job-plugin.js';

export const hcclRankPlugin: JobPlugin = {
  name: 'hcclrank',
  onPodCreate(pod: Pod, ctx) {
    const masterName = ctx.args.string('master', 'master');
    const workerName = ctx.args.string('worker', 'worker');
    const task = podTaskName(pod);
    let rank: number | undefined;
    const fromEnv = pod.spec.containers.flatMap((c) => c.env ?? []).find((e) => e.name === 'RANK' && e.value !== undefined);
    if (fromEnv?.value !== undefined && /^\d+$/.test(fromEnv.value)) rank = Number(fromEnv.value);
    else if (task === masterName) rank = podIndex(pod);
    else if (task === workerName) {
      const master = findTask(ctx.job, masterName);
      rank = (master ? replicasOf(master) : 0) + podIndex(pod);
    }
    if (rank === undefined) return;
    (pod.metadata.annotations ??= {})[HCCL_RANK_INDEX_ANNOTATION] = String(rank);
  },
};
