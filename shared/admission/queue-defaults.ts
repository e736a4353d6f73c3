/**
 * Volcano's mutating defaults for a Queue: `weight` 1 when 0 or absent, `reclaimable` true when
 * absent, and a hierarchy path that does not start at `root` gets `root/` (and weight `1/`)
 * prefixed. A missing `spec.parent` is left absent; it means the root queue.
 */
import { SCHEDULING_API_VERSION } from '../api/podgroup.js';
import { QUEUE_KIND, ROOT_QUEUE, type Queue } from '../api/queue.js';
import { HIERARCHY_ANNOTATION, HIERARCHY_WEIGHTS_ANNOTATION } from '../api/well-known.js';
import { copyJsonValue, isObject, own, setOwn, type JsonObject } from './json-value.js';

/** Returns a defaulted deep copy of `queue`. Throws only if `queue` is not JSON data; admission checks that first. */
export function defaultQueue(queue: Queue): Queue {
  const copy = copyJsonValue(queue);
  if (!copy.ok) throw new TypeError(`queue ${copy.path} ${copy.message}`);
  if (isObject(copy.value)) applyQueueDefaults(copy.value);
  return copy.value as Queue;
}

/** Applies the defaults in place to an already-copied object. Never throws. */
export function applyQueueDefaults(queue: JsonObject): void {
  const unset = (v: unknown): boolean => v === undefined || v === null || v === '';
  if (unset(own(queue, 'apiVersion'))) setOwn(queue, 'apiVersion', SCHEDULING_API_VERSION);
  if (unset(own(queue, 'kind'))) setOwn(queue, 'kind', QUEUE_KIND);
  if (own(queue, 'spec') === undefined || own(queue, 'spec') === null) setOwn(queue, 'spec', {});
  const spec = own(queue, 'spec');
  if (isObject(spec)) {
    const weight = own(spec, 'weight');
    if (weight === undefined || weight === null || weight === 0) setOwn(spec, 'weight', 1);
    const reclaimable = own(spec, 'reclaimable');
    if (reclaimable === undefined || reclaimable === null) setOwn(spec, 'reclaimable', true);
  }

  const annotations = own(own(queue, 'metadata'), 'annotations');
  if (!isObject(annotations)) return;
  const path = own(annotations, HIERARCHY_ANNOTATION);
  const weights = own(annotations, HIERARCHY_WEIGHTS_ANNOTATION);
  if (typeof path === 'string' && typeof weights === 'string' && path !== '' && path.split('/')[0] !== ROOT_QUEUE) {
    setOwn(annotations, HIERARCHY_ANNOTATION, `${ROOT_QUEUE}/${path}`);
    setOwn(annotations, HIERARCHY_WEIGHTS_ANNOTATION, `1/${weights}`);
  }
}
