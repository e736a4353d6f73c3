/** Fields every gateway↔agent message carries, and the schema version they are written in. */
import { Type } from 'typebox';

/** The schema version of every message type defined here. A reader rejects any other value. */
export const MESSAGE_VERSION = 1;

/** DNS-1123 label: member cluster names end up in queue names and Redis keys. */
export const CLUSTER_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export const ClusterNameSchema = Type.String({ minLength: 1, maxLength: 63, pattern: CLUSTER_NAME_PATTERN });

/** Placement epochs start at 1 and only grow; 0 never names a placement. */
export const EpochSchema = Type.Integer({ minimum: 1 });

/** The common head: `type`, `v`, `cluster` and an optional send time (ms since the epoch). */
export function messageHead<T extends string>(type: T) {
  return {
    type: Type.Literal(type),
    v: Type.Literal(MESSAGE_VERSION),
    /** the member cluster the message is for (dispatch) or from (reports) */
    cluster: ClusterNameSchema,
    sentAt: Type.Optional(Type.Number({ minimum: 0 })),
  };
}

/** Identity of the job a message is about. */
export const jobRef = {
  uid: Type.String({ minLength: 1 }),
  namespace: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
};
