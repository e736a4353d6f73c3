/**
 * The cluster writes of the scheduler loop, the PodGroup, Queue and TTL controllers, the dispatch
 * handler and leader election, over the Kubernetes API. Each consumer sees only its own interface.
 */
import type { Pod } from '../../shared/api/core.js';
import type { Job } from '../../shared/api/job.js';
import type { PodGroup, PodGroupStatus } from '../../shared/api/podgroup.js';
import type { Queue, QueueStatus } from '../../shared/api/queue.js';
import { POD_GROUP_NAME_ANNOTATION } from '../../shared/api/well-known.js';
import type { JobDeleter } from '../controllers/gc/job-ttl-collector.js';
import type { PodGroupWriter } from '../controllers/podgroup/podgroup-controller.js';
import type { QueueWriter } from '../controllers/queue/queue-controller.js';
import type { DispatchApi } from '../dispatch/dispatch-handler.js';
import type { Lease, LeaseApi } from '../leader/lease-election.js';
import type { SchedulerWriter } from '../scheduler/scheduler-loop.js';
import type { KubeClient } from './kube-client.js';
import { isAlreadyExists, isConflict, isNotFound, statusCodeOf, unlessAlreadyExists, unlessNotFound } from './kube-errors.js';
import { LEASE, NAMESPACE, POD, POD_GROUP, QUEUE, VC_JOB } from './kube-kinds.js';

export class KubeAgentWriter implements SchedulerWriter, PodGroupWriter, QueueWriter, JobDeleter, DispatchApi, LeaseApi {
  private readonly knownNamespaces = new Set<string>();
  private evictionServed = true;

  constructor(private readonly client: KubeClient) {}

  // scheduler loop
  async bindPod(namespace: string, name: string, node: string, uid?: string): Promise<void> {
    await this.client.bindPod(namespace, name, node, uid);
  }

  async evictPod(namespace: string, name: string): Promise<void> {
    if (this.evictionServed) {
      try {
        await this.client.evictPod(namespace, name);
        return;
      } catch (err) {
        // A server without the eviction subresource answers 404 for the path; fall back to delete.
        if (!isNotFound(err) || (await this.podExists(namespace, name)) === false) throw err;
        this.evictionServed = false;
      }
    }
    await this.client.delete(POD, namespace, name);
  }

  private async podExists(namespace: string, name: string): Promise<boolean> {
    try {
      await this.client.get<Pod>(POD, namespace, name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async patchPodGroupStatus(namespace: string, name: string, status: Partial<PodGroupStatus>): Promise<PodGroup | undefined> {
    return this.client.patchStatus<PodGroup>(POD_GROUP, namespace, name, { status });
  }

  // queue controller and scheduler
  async patchQueueStatus(name: string, status: Partial<QueueStatus>): Promise<Queue | undefined> {
    return unlessNotFound(this.client.patchStatus<Queue>(QUEUE, undefined, name, { status }));
  }

  async patchQueueSpec(name: string, spec: Record<string, unknown>): Promise<Queue | undefined> {
    return unlessNotFound(this.client.mergePatch<Queue>(QUEUE, undefined, name, { spec }));
  }

  // podgroup controller
  async createPodGroup(pg: PodGroup): Promise<PodGroup | undefined> {
    return unlessAlreadyExists(this.client.create<PodGroup>(POD_GROUP, pg));
  }

  async annotatePodGroup(namespace: string, pod: string, group: string): Promise<Pod | undefined> {
    return unlessNotFound(this.client.mergePatch<Pod>(POD, namespace, pod, { metadata: { annotations: { [POD_GROUP_NAME_ANNOTATION]: group } } }));
  }

  // TTL collector and dispatch
  async deleteJob(namespace: string, name: string, uid: string): Promise<void> {
    try {
      await this.client.delete(VC_JOB, namespace, name, { ...(uid ? { uid } : {}), propagationPolicy: 'Background' });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  async getJob(namespace: string, name: string): Promise<Job | undefined> {
    return unlessNotFound(this.client.get<Job>(VC_JOB, namespace, name));
  }

  async createJob(job: Job): Promise<Job> {
    return this.client.create<Job>(VC_JOB, job);
  }

  async ensureNamespace(name: string): Promise<void> {
    if (this.knownNamespaces.has(name)) return;
    try {
      await this.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      // Exists already, or we may not create namespaces (then the job create says what is wrong).
      const code = statusCodeOf(err);
      if (!isAlreadyExists(err) && code !== 403 && code !== 404 && code !== 405) throw err;
    }
    this.knownNamespaces.add(name);
  }

  async getQueue(name: string): Promise<Queue | undefined> {
    return unlessNotFound(this.client.get<Queue>(QUEUE, undefined, name));
  }

  async createQueue(queue: Queue): Promise<Queue | undefined> {
    return unlessAlreadyExists(this.client.create<Queue>(QUEUE, queue));
  }

  // leader election
  async getLease(namespace: string, name: string): Promise<Lease | undefined> {
    return unlessNotFound(this.client.get<Lease>(LEASE, namespace, name));
  }

  async createLease(lease: Lease): Promise<Lease> {
    return this.client.create<Lease>(LEASE, lease);
  }

  async replaceLease(lease: Lease): Promise<Lease> {
    return this.client.replace<Lease>(LEASE, lease);
  }
}
