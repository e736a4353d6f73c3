/** `env`: every container learns its replica index as VK_TASK_INDEX and VC_TASK_INDEX. */
import { allContainers, podIndex, setEnv } from '../job-shape.js';
import type { JobPlugin } from './job-plugin.js';

export const TASK_INDEX_ENV = 'VC_TASK_INDEX';
export const LEGACY_TASK_INDEX_ENV = 'VK_TASK_INDEX';

export const envPlugin: JobPlugin = {
  name: 'env',
  onPodCreate(pod) {
    const index = String(podIndex(pod));
    for (const c of allContainers(pod)) {
      setEnv(c, LEGACY_TASK_INDEX_ENV, index);
      setEnv(c, TASK_INDEX_ENV, index);
    }
  },
};
