/**
 * PodGroups for plain pods. A pod that names one of our schedulers but no PodGroup (a Deployment's
 * pod, a bare pod) gets one: `podgroup-<controller uid>` (so a ReplicaSet's pods share it) or
 * `podgroup-<pod uid>`, with minMember from the pod's `scheduling.volcano.sh/group-min-member`
 * (default 1), minResources = the pod's request × minMember, the pod's priority class and queue;
 * then the pod is annotated with the group's name so the scheduler can gang it.
 */
import type { Pod } from '../../../shared/api/core.js';
import { POD_GROUP_KIND, SCHEDULING_API_VERSION, type PodGroup } from '../../../shared/api/podgroup.js';
import {
  COOLDOWN_TIME_KEY,
  GROUP_MIN_MEMBER_ANNOTATION,
  JDB_MAX_UNAVAILABLE_KEY,
  JDB_MIN_AVAILABLE_KEY,
  NETWORK_TOPOLOGY_HIGHEST_TIER_ANNOTATION,
  NETWORK_TOPOLOGY_MODE_ANNOTATION,
  POD_GROUP_NAME_ANNOTATION,
  PREEMPTABLE_KEY,
  QUEUE_NAME_ANNOTATION_KEY,
  REVOCABLE_ZONE_KEY,
} from '../../../shared/api/well-known.js';
import { podRequest } from '../../../shared/resources/pod-request.js';
import { KeyedWorkQueue } from '../../keyed-work-queue.js';
import type { ObjectStore } from '../../kube/object-store.js';
import { errorFields, silentLogger, type AgentLogger } from '../../logger.js';

const COPIED_ANNOTATIONS = [
  PREEMPTABLE_KEY,
  COOLDOWN_TIME_KEY,
  REVOCABLE_ZONE_KEY,
  JDB_MIN_AVAILABLE_KEY,
  JDB_MAX_UNAVAILABLE_KEY,
  NETWORK_TOPOLOGY_MODE_ANNOTATION,
  NETWORK_TOPOLOGY_HIGHEST_TIER_ANNOTATION,
];

export interface PodGroupWriter {
  /** the created group, or undefined when it exists already */
  createPodGroup(pg: PodGroup): Promise<PodGroup | undefined>;
  /** sets the pod's group-name annotation; the patched pod, or undefined when it is gone */
  annotatePodGroup(namespace: string, pod: string, group: string): Promise<Pod | undefined>;
}

/** True for a pod this controller should give a PodGroup. */
export function needsPodGroup(pod: Pod, schedulerNames: ReadonlySet<string>): boolean {
  if (!schedulerNames.has(pod.spec.schedulerName ?? 'default-scheduler')) return false;
  if (pod.metadata.annotations?.[POD_GROUP_NAME_ANNOTATION]) return false;
  if (pod.metadata.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

export function plainPodGroupName(pod: Pod): string {
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller);
  return `podgroup-${owner?.uid ?? pod.metadata.uid ?? pod.metadata.name ?? ''}`;
}

/** The PodGroup a plain pod is gang-scheduled through. */
export function buildPlainPodGroup(pod: Pod): PodGroup {
  const ann = pod.metadata.annotations ?? {};
  const minMember = Math.max(1, Number.parseInt(ann[GROUP_MIN_MEMBER_ANNOTATION] ?? '1', 10) || 1);
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller);
  const annotations: Record<string, string> = {};
  for (const key of COPIED_ANNOTATIONS) {
    const v = ann[key] ?? pod.metadata.labels?.[key];
    if (v !== undefined) annotations[key] = v;
  }
  const pg: PodGroup = {
    apiVersion: SCHEDULING_API_VERSION,
    kind: POD_GROUP_KIND,
    metadata: {
      name: plainPodGroupName(pod),
      namespace: pod.metadata.namespace ?? 'default',
      annotations,
      ownerReferences: [
        owner
          ? { ...owner }
          : { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', controller: true },
      ],
    },
    spec: {
      minMember,
      queue: ann[QUEUE_NAME_ANNOTATION_KEY] ?? 'default',
      minResources: podRequest(pod.spec).scale(minMember).toQuantities(),
    },
    status: { phase: 'Pending' },
  };
  if (pod.spec.priorityClassName) pg.spec.priorityClassName = pod.spec.priorityClassName;
  return pg;
}

export interface PodGroupControllerOptions {
  pods: ObjectStore<Pod>;
  podGroups: ObjectStore<PodGroup>;
  writer: PodGroupWriter;
  schedulerNames: ReadonlySet<string>;
  log?: AgentLogger;
}

export class PodGroupController {
  private readonly queue: KeyedWorkQueue<Pod>;
  private unsubscribe: (() => void) | undefined;
  private readonly log: AgentLogger;

  constructor(private readonly opts: PodGroupControllerOptions) {
    this.log = opts.log ?? silentLogger;
    this.queue = new KeyedWorkQueue<Pod>({
      concurrency: 4,
      handle: (_key, items) => this.reconcile(items[items.length - 1]!),
      onError: (key, err) => this.log.warn({ pod: key, ...errorFields(err) }, 'podgroup for pod failed'),
    });
  }

  start(): void {
    this.unsubscribe = this.opts.pods.on((ev) => {
      if (ev.type !== 'deleted' && needsPodGroup(ev.obj, this.opts.schedulerNames)) {
        this.queue.add(`${ev.obj.metadata.namespace}/${ev.obj.metadata.name}`, ev.obj);
      }
    });
    for (const p of this.opts.pods.list()) {
      if (needsPodGroup(p, this.opts.schedulerNames)) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`, p);
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async reconcile(pod: Pod): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const current = this.opts.pods.get(ns, pod.metadata.name ?? '');
    if (!current || !needsPodGroup(current, this.opts.schedulerNames)) return;
    const name = plainPodGroupName(current);
    if (!this.opts.podGroups.get(ns, name)) {
      const made = await this.opts.writer.createPodGroup(buildPlainPodGroup(current));
      if (made) this.opts.podGroups.upsert(made);
    }
    const patched = await this.opts.writer.annotatePodGroup(ns, current.metadata.name ?? '', name);
    if (patched) this.opts.pods.upsert(patched);
  }
}
