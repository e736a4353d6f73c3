// What a cycle decides, as data. The caller applies decisions (bind, evict, nominate) at the edge.

export type Decision =
  | {
      /** Bind the task's pod to the node. */
      readonly type: 'bind';
      readonly job: string;
      readonly task: string;
      readonly node: string;
      readonly domain?: string;
    }
  | {
      /** Evict (delete) the task's pod to free its node. */
      readonly type: 'evict';
      readonly job: string;
      readonly task: string;
      readonly node: string;
      readonly domain?: string;
      readonly reason: string;
    }
  | {
      /** The task waits for resources being released on the node (its nominated node). */
      readonly type: 'pipeline';
      readonly job: string;
      readonly task: string;
      readonly node: string;
      readonly domain?: string;
    };
