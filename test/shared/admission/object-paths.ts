/** Test helpers: build Jobs and Queues, and edit them by Kubernetes-style paths (`spec.tasks[1].name`). */
import type { Job } from '../../../shared/api/job.js';
import type { Queue } from '../../../shared/api/queue.js';

type Step = string | number;

function steps(path: string): Step[] {
  const out: Step[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[[^\]]+\])*)$/.exec(part);
    if (!m) throw new Error(`bad path ${path}`);
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]?.match(/\[[^\]]+\]/g) ?? []) {
      const inner = idx.slice(1, -1);
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
    }
  }
  return out;
}

/** Sets `path` in `obj` (creating objects on the way); `undefined` deletes the member. Returns obj. */
export function setPath<T>(obj: T, path: string, value: unknown): T {
  const s = steps(path);
  let cur = obj as unknown as Record<string | number, unknown>;
  s.slice(0, -1).forEach((step, i) => {
    let next = cur[step];
    if (typeof next !== 'object' || next === null) {
      next = typeof s[i + 1] === 'number' ? [] : {};
      cur[step] = next;
    }
    cur = next as Record<string | number, unknown>;
  });
  const last = s[s.length - 1] ?? '';
  if (value === undefined) {
    if (Array.isArray(cur) && typeof last === 'number') cur.splice(last, 1);
    else delete cur[last];
  } else {
    Object.defineProperty(cur, last, { value, writable: true, enumerable: true, configurable: true });
  }
  return obj;
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const step of steps(path)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

export function makeTask(name: string, replicas: number, opts: { cpu?: string; image?: string } = {}): Record<string, unknown> {
  return {
    name,
    replicas,
    template: {
      spec: {
        containers: [
          { name: 'main', image: opts.image ?? 'busybox:1.36', resources: { requests: { cpu: opts.cpu ?? '1', memory: '1Gi' } } },
        ],
        restartPolicy: 'Never',
      },
    },
  };
}

/** A valid two-task job (`ps` ×1, `worker` ×2) named `demo`. */
export function makeJob(name = 'demo'): Job {
  return {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    metadata: { name, namespace: 'team-a' },
    spec: { tasks: [makeTask('ps', 1), makeTask('worker', 2)] },
  };
}

export function makeQueue(name: string, spec: Record<string, unknown> = {}, extra: Partial<Queue> = {}): Queue {
  return {
    apiVersion: 'scheduling.volcano.sh/v1beta1',
    kind: 'Queue',
    metadata: { name },
    spec: { weight: 1, ...spec },
    ...extra,
  };
}
