/**
 * Queue admission: defaults, then validation, over a deep copy. Never throws; refusals are
 * Kubernetes Status objects like those of job admission.
 */
import { forbidden, internalError, invalid, type Status } from '../errors/status.js';
import { SCHEDULING_API_GROUP, SCHEDULING_API_VERSION } from '../api/podgroup.js';
import { QUEUE_KIND, type Queue } from '../api/queue.js';
import { capCauses, objectName, prepareObject } from './admit-job.js';
import { FieldErrors } from './field-errors.js';
import { applyQueueDefaults } from './queue-defaults.js';
import { checkQueue, queueDeleteRefusal, type QueueValidationOptions } from './queue-validation.js';

export type AdmitQueueOptions = QueueValidationOptions;

export type AdmitQueueResult = { ok: true; queue: Queue } | { ok: false; status: Status };

export function admitQueue(input: unknown, opts: AdmitQueueOptions): AdmitQueueResult {
  try {
    const prepared = prepareObject(input, { apiVersion: SCHEDULING_API_VERSION, kind: QUEUE_KIND });
    if (!prepared.ok) return prepared;
    const queue = prepared.object;
    applyQueueDefaults(queue);
    const fe = new FieldErrors();
    checkQueue(fe, queue, opts);
    if (!fe.empty) {
      return {
        ok: false,
        status: invalid({ kind: QUEUE_KIND, group: SCHEDULING_API_GROUP, name: objectName(queue), causes: capCauses(fe.causes) }),
      };
    }
    return { ok: true, queue: queue as Queue };
  } catch (err) {
    return { ok: false, status: internalError(`queue admission failed: ${err instanceof Error ? err.message : String(err)}`) };
  }
}

/** DELETE admission: `default` and `root`, and queues with children, stay. */
export function admitQueueDelete(name: string, opts: { listQueues?: () => readonly Queue[] } = {}): { ok: true } | { ok: false; status: Status } {
  try {
    const refusal = queueDeleteRefusal(name, opts);
    return refusal === undefined ? { ok: true } : { ok: false, status: forbidden(refusal) };
  } catch (err) {
    return { ok: false, status: internalError(`queue admission failed: ${err instanceof Error ? err.message : String(err)}`) };
  }
}
