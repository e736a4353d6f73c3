/** The job controller's writer over the Kubernetes API. */
import type { Pod } from '../../../shared/api/core.js';
import type { Job } from '../../../shared/api/job.js';
import type { PodGroup } from '../../../shared/api/podgroup.js';
import { CONTROLLER_OUT_OF_SYNC_ANNOTATION } from '../../../shared/api/well-known.js';
import type { KubeClient, KubeObject } from '../../kube/kube-client.js';
import { isAlreadyExists, isConflict, isKindNotServed, isNotFound, unlessAlreadyExists, unlessNotFound } from '../../kube/kube-errors.js';
import { KINDS_BY_NAME, POD, POD_GROUP, VC_JOB, type KubeKind } from '../../kube/kube-kinds.js';
import type { OwnedKind, OwnedObject } from './job-effects.js';
import type { JobWriter } from './job-writer.js';

function ownedKind(obj: { apiVersion: string; kind: string }): KubeKind {
  const k = KINDS_BY_NAME[`${obj.apiVersion}/${obj.kind}`];
  if (!k) throw new Error(`no API kind for ${obj.apiVersion} ${obj.kind}`);
  return k;
}

const OWNED_API_VERSION: Readonly<Record<OwnedKind, string>> = {
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  PersistentVolumeClaim: 'v1',
  NetworkPolicy: 'networking.k8s.io/v1',
};

export class KubeJobWriter implements JobWriter {
  /** Kinds the server does not serve (a bare API server without networking.k8s.io): skipped after one try. */
  private readonly unserved = new Set<string>();

  constructor(private readonly client: KubeClient) {}

  async createPod(pod: Pod): Promise<Pod | undefined> {
    return unlessAlreadyExists(this.client.create<Pod>(POD, pod));
  }

  async markPodOutOfSync(namespace: string, name: string): Promise<Pod | undefined> {
    return unlessNotFound(this.client.mergePatch<Pod>(POD, namespace, name, {
        metadata: { annotations: { [CONTROLLER_OUT_OF_SYNC_ANNOTATION]: 'true' } },
      }));
  }

  async deletePod(namespace: string, name: string, uid?: string): Promise<Pod | undefined> {
    try {
      const out = await this.client.delete(POD, namespace, name, uid ? { uid } : {});
      return out && (out as Pod).metadata.deletionTimestamp ? (out as Pod) : undefined;
    } catch (err) {
      // Gone already, or the name now belongs to another pod: either way ours is not there.
      if (isNotFound(err) || isConflict(err)) return undefined;
      throw err;
    }
  }

  async createPodGroup(pg: PodGroup): Promise<PodGroup | undefined> {
    return unlessAlreadyExists(this.client.create<PodGroup>(POD_GROUP, pg));
  }

  async replacePodGroup(pg: PodGroup): Promise<PodGroup> {
    return this.client.replace<PodGroup>(POD_GROUP, pg);
  }

  async deletePodGroup(namespace: string, name: string): Promise<void> {
    try {
      await this.client.delete(POD_GROUP, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async ensureObject(obj: OwnedObject, ifExists: 'replace' | 'keep'): Promise<void> {
    const kind = ownedKind(obj);
    if (this.unserved.has(kind.plural)) return;
    try {
      await this.client.create(kind, obj as KubeObject);
      return;
    } catch (err) {
      // A bare API server (the simulated one) may not serve these; the job runs without them.
      if (isKindNotServed(err) && (kind.kind === 'NetworkPolicy' || kind.kind === 'PersistentVolumeClaim')) {
        this.unserved.add(kind.plural);
        return;
      }
      if (!isAlreadyExists(err)) throw err;
    }
    if (ifExists === 'keep') return;
    const live = await this.client.get<KubeObject>(kind, obj.metadata.namespace, obj.metadata.name);
    await this.client.replace(kind, { ...obj, metadata: { ...live.metadata, ...obj.metadata, resourceVersion: live.metadata.resourceVersion } });
  }

  async deleteObject(kind: OwnedKind, namespace: string, name: string): Promise<void> {
    const k = ownedKind({ apiVersion: OWNED_API_VERSION[kind], kind });
    if (this.unserved.has(k.plural)) return;
    try {
      await this.client.delete(k, namespace, name);
    } catch (err) {
      if (isKindNotServed(err) && (kind === 'NetworkPolicy' || kind === 'PersistentVolumeClaim')) {
        this.unserved.add(k.plural);
        return;
      }
      if (!isNotFound(err)) throw err;
    }
  }

  async replaceJobStatus(job: Job): Promise<Job> {
    return this.client.replaceStatus<Job>(VC_JOB, job);
  }

  async getJob(namespace: string, name: string): Promise<Job | undefined> {
    return unlessNotFound(this.client.get<Job>(VC_JOB, namespace, name));
  }
}
