/**
 * The agent's informer caches: one ObjectStore per kind it reads, each kept current by a Reflector.
 * Controllers, the scheduler loop and the reporter read these; nothing reads the API server in a loop.
 */
import type { Node, Pod } from '../shared/api/core.js';
import type { Job } from '../shared/api/job.js';
import type { PodGroup } from '../shared/api/podgroup.js';
import type { Queue } from '../shared/api/queue.js';
import { indexPodsByJob } from './controllers/job/job-controller.js';
import type { KubeClient } from './kube/kube-client.js';
import { NODE, POD, POD_GROUP, QUEUE, VC_JOB } from './kube/kube-kinds.js';
import { ObjectStore } from './kube/object-store.js';
import { Reflector } from './kube/reflector.js';
import { errorFields, silentLogger, type AgentLogger } from './logger.js';

export const CALDERA_UID_ANNOTATION = 'caldera.dev/uid';
export const CALDERA_EPOCH_ANNOTATION = 'caldera.dev/epoch';
export const CALDERA_ATTEMPT_ANNOTATION = 'caldera.dev/attempt';
export const CALDERA_NODE_PLAN_ANNOTATION = 'caldera.dev/node-plan';

/** Job index: the gateway's uid of the job (`caldera.dev/uid`). */
export const JOBS_BY_CALDERA_UID = 'caldera-uid';
/** Pod index: the node a pod is bound to. */
export const PODS_BY_NODE = 'node';
/** Pod index: `<namespace>/<PodGroup name>` from the group-name annotation. */
export const PODS_BY_GROUP = 'group';
/** PodGroup index: queue name. */
export const POD_GROUPS_BY_QUEUE = 'queue';

export class ClusterCaches {
  readonly pods = new ObjectStore<Pod>();
  readonly nodes = new ObjectStore<Node>();
  readonly jobs = new ObjectStore<Job>();
  readonly podGroups = new ObjectStore<PodGroup>();
  readonly queues = new ObjectStore<Queue>();
  private readonly reflectors: Reflector<Pod | Node | Job | PodGroup | Queue>[] = [];

  constructor(
    private readonly client: KubeClient,
    private readonly log: AgentLogger = silentLogger,
  ) {
    indexPodsByJob(this.pods);
    this.pods.addIndex(PODS_BY_NODE, (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    this.pods.addIndex(PODS_BY_GROUP, (p) => {
      const g = p.metadata.annotations?.['scheduling.k8s.io/group-name'];
      return g ? [`${p.metadata.namespace ?? 'default'}/${g}`] : [];
    });
    this.jobs.addIndex(JOBS_BY_CALDERA_UID, (j) => {
      const uid = j.metadata.annotations?.[CALDERA_UID_ANNOTATION];
      return uid ? [uid] : [];
    });
    this.podGroups.addIndex(POD_GROUPS_BY_QUEUE, (pg) => [pg.spec.queue ?? 'default']);
  }

  /** Lists every kind and starts watching; resolves once all are listed. */
  async start(): Promise<void> {
    const onError = (kind: string) => (err: unknown) => this.log.warn({ kind, ...errorFields(err) }, 'watch failed; retrying');
    const add = <T extends Pod | Node | Job | PodGroup | Queue>(store: ObjectStore<T>, kind: typeof POD) => {
      const r = new Reflector<T>({ client: this.client, kind, store, onError: onError(kind.plural) });
      this.reflectors.push(r as unknown as Reflector<Pod | Node | Job | PodGroup | Queue>);
      return r.start();
    };
    await Promise.all([
      add(this.nodes, NODE),
      add(this.queues, QUEUE),
      add(this.podGroups, POD_GROUP),
      add(this.jobs, VC_JOB),
      add(this.pods, POD),
    ]);
  }

  stop(): void {
    for (const r of this.reflectors.splice(0)) r.stop();
  }
}
