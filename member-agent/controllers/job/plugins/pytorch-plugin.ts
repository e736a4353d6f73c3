/**
 * `pytorch`: torch.distributed's rendezvous variables. MASTER_ADDR is replica 0 of the master task,
 * WORLD_SIZE counts master and worker replicas, RANK is 0 on the master and index+1 on a worker.
 * Optionally workers wait in an init container until the master's port answers.
 */
import type { Container, Pod } from '../../../../shared/api/core.js';
import { findTask, podIndex, podTaskName, replicasOf, setEnv, taskHost } from '../job-shape.js';
import type { JobPlugin, PluginContext } from './job-plugin.js';

export const PYTORCH_PORT_NAME = 'pytorchjob-port';

function opts(ctx: PluginContext) {
  return {
    master: ctx.args.string('master', 'master'),
    worker: ctx.args.string('worker', 'worker'),
    port: ctx.args.int('port', 23456),
    waitMaster: ctx.args.bool('wait-master-enabled', false),
    waitTimeout: ctx.args.int('wait-master-timeout', 300),
    waitImage: ctx.args.string('wait-master-image', 'busybox:1.36.1'),
  };
}

function addPort(c: Container, name: string, port: number): void {
  const ports = (c.ports ??= []);
  if (!ports.some((p) => p.name === name || p.containerPort === port)) ports.push({ name, containerPort: port });
}

export const pytorchPlugin: JobPlugin = {
  name: 'pytorch',
  onPodCreate(pod: Pod, ctx) {
    const o = opts(ctx);
    const master = findTask(ctx.job, o.master);
    if (!master) return;
    const task = podTaskName(pod);
    if (task !== o.master && task !== o.worker) return;
    const worker = findTask(ctx.job, o.worker);
    const masterAddr = taskHost(ctx.job, master, 0);
    const worldSize = replicasOf(master) + (worker ? replicasOf(worker) : 0);
    const rank = task === o.master ? 0 : podIndex(pod) + 1;
    for (const c of pod.spec.containers) {
      setEnv(c, 'MASTER_ADDR', masterAddr);
      setEnv(c, 'MASTER_PORT', String(o.port));
      setEnv(c, 'WORLD_SIZE', String(worldSize));
      setEnv(c, 'RANK', String(rank));
      addPort(c, PYTORCH_PORT_NAME, o.port);
    }
    if (o.waitMaster && task === o.worker) {
      const init = (pod.spec.initContainers ??= []);
      if (!init.some((c) => c.name === 'wait-for-master')) {
        init.unshift({
          name: 'wait-for-master',
          image: o.waitImage,
          command: [
            'sh',
            '-c',
            `end=$(( $(date +%s) + ${o.waitTimeout} )); ` +
              `until nc -z ${masterAddr} ${o.port}; do ` +
              `if [ $(date +%s) -ge $end ]; then echo "master ${masterAddr}:${o.port} not reachable"; exit 1; fi; sleep 2; done`,
          ],
        });
      }
    }
  },
};
