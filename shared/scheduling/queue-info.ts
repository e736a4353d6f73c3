// Session view of one queue.

import type { QueueState } from '../api/queue.js';
import type { ResourceVector } from '../resources/resource-vector.js';
import type { JobInfo } from './job-info.js';
import type { QueueSnapshot } from './snapshot.js';

export class QueueInfo {
  readonly name: string;
  readonly weight: number;
  readonly capability: ResourceVector | undefined;
  readonly deserved: ResourceVector | undefined;
  readonly guarantee: ResourceVector | undefined;
  readonly reclaimable: boolean;
  readonly state: QueueState;
  readonly parent: string | undefined;
  readonly priority: number;
  readonly annotations: Readonly<Record<string, string>>;
  readonly creationTimestamp: number;
  /** Jobs of the snapshot in this queue. */
  readonly jobs: JobInfo[] = [];

  constructor(readonly index: number, readonly snapshot: QueueSnapshot) {
    this.name = snapshot.name;
    this.weight = Math.max(1, snapshot.weight ?? 1);
    this.capability = snapshot.capability;
    this.deserved = snapshot.deserved;
    this.guarantee = snapshot.guarantee;
    this.reclaimable = snapshot.reclaimable ?? true;
    this.state = snapshot.state ?? 'Open';
    this.parent = snapshot.parent;
    this.priority = snapshot.priority ?? 0;
    this.annotations = snapshot.annotations ?? {};
    this.creationTimestamp = snapshot.creationTimestamp ?? 0;
  }

  get isOpen(): boolean {
    return this.state === 'Open';
  }
}
