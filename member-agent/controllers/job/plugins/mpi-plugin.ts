/**
 * `mpi`: the master learns its workers' host names as MPI_HOST (comma list); every container opens
 * the ssh port as `mpijob-port`. Admission pairs it with `svc` and `ssh`.
 */
import type { Pod } from '../../../../shared/api/core.js';
import { allContainers, findTask, podTaskName, setEnv, taskHosts } from '../job-shape.js';
import type { JobPlugin } from './job-plugin.js';

export const MPI_PORT_NAME = 'mpijob-port';

export const mpiPlugin: JobPlugin = {
  name: 'mpi',
  onPodCreate(pod: Pod, ctx) {
    const masterName = ctx.args.string('master', 'master');
    const workerName = ctx.args.string('worker', 'worker');
    const port = ctx.args.int('port', 22);
    if (podTaskName(pod) === masterName) {
      const worker = findTask(ctx.job, workerName);
      const hosts = worker ? taskHosts(ctx.job, worker).join(',') : '';
      for (const c of allContainers(pod)) setEnv(c, 'MPI_HOST', hosts);
    }
    for (const c of pod.spec.containers) {
      const ports = (c.ports ??= []);
      if (!ports.some((p) => p.name === MPI_PORT_NAME || p.containerPort === port)) ports.push({ name: MPI_PORT_NAME, containerPort: port });
    }
  },
};
