/**
 * `tensorflow`: TF_CONFIG for distributed TensorFlow. The cluster map lists each role's replicas as
 * `<host>:<port>`; `task` names the pod's own role and index.
 */
import type { Pod } from '../../../../shared/api/core.js';
import type { Job } from '../../../../shared/api/job.js';
import { findTask, podIndex, podTaskName, replicasOf, setEnv, taskHosts, tasksOf } from '../job-shape.js';
import type { JobPlugin, PluginContext } from './job-plugin.js';

export type TfRole = 'ps' | 'worker' | 'chief' | 'evaluator';
const ROLES: readonly TfRole[] = ['ps', 'worker', 'chief', 'evaluator'];

export interface TfConfig {
  cluster: Partial<Record<TfRole, string[]>>;
  task: { type: TfRole; index: number };
}

function roleTasks(ctx: PluginContext): Record<TfRole, string> {
  return {
    ps: ctx.args.string('ps', 'ps'),
    worker: ctx.args.string('worker', 'worker'),
    chief: ctx.args.string('chief', 'chief'),
    evaluator: ctx.args.string('evaluator', 'evaluator'),
  };
}

export function tfCluster(job: Job, ctx: PluginContext): TfConfig['cluster'] {
  const port = ctx.args.int('port', 2222);
  const names = roleTasks(ctx);
  const cluster: TfConfig['cluster'] = {};
  for (const role of ROLES) {
    const task = findTask(job, names[role]);
    if (!task || replicasOf(task) === 0) continue;
    cluster[role] = taskHosts(job, task).map((h) => `${h}:${port}`);
  }
  return cluster;
}

export const tensorflowPlugin: JobPlugin = {
  name: 'tensorflow',
  onPodCreate(pod: Pod, ctx) {
    const tasks = tasksOf(ctx.job);
    // A single replica is not distributed training; TF_CONFIG would only confuse it.
    if (tasks.length === 1 && replicasOf(tasks[0]!) === 1) return;
    const names = roleTasks(ctx);
    const task = podTaskName(pod);
    const role = ROLES.find((r) => names[r] === task);
    if (!role) return;
    const config: TfConfig = { cluster: tfCluster(ctx.job, ctx), task: { type: role, index: podIndex(pod) } };
    const text = JSON.stringify(config);
    for (const c of pod.spec.containers) setEnv(c, 'TF_CONFIG', text);
  },
};
