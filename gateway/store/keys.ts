/**
 * Every Redis key the gateway store uses is built here, and only here.
 *
 * All keys of one deployment share the hash tag `{<prefix>}`. Every committed change increments the
 * one resourceVersion counter and appends to the one change stream, and Redis Cluster runs a Lua
 * script only when all its keys hash to one slot; a global, gap-free resourceVersion (what
 * Kubernetes watch clients resume from) therefore puts the whole store in one slot. That keeps the
 * store correct on Redis Cluster (no CROSSSLOT errors) without spreading it: a federation's state
 * (queues, tens of thousands of jobs, hundreds of members' node inventories) fits one Redis node.
 * Two deployments on one cluster land in different slots because their prefixes differ.
 *
 * Layout, with `T = {prefix}`:
 *
 * | key                      | type   | contents |
 * |--------------------------|--------|----------|
 * | `T:rv`                   | string | the resourceVersion counter (INCR) |
 * | `T:feed`                 | stream | one entry per resourceVersion, id `<rv>-0`: kind, key, rv, type, obj |
 * | `T:job:<ns>/<name>`      | hash   | obj (JSON without resourceVersion), rv, uid, queue, created (ms), crv (creation rv), deleting, explain |
 * | `T:jobs`                 | zset   | every job as `<ns>/<name>`, score 0 (lexicographic order) |
 * | `T:jobs:ns:<ns>`         | zset   | names of the jobs in a namespace, score 0 |
 * | `T:jobs:queue:<queue>`   | zset   | `<ns>/<name>` of the jobs in a queue, score = creation rv |
 * | `T:jobs:pending`         | zset   | `<ns>/<name>` of jobs waiting for a placement, score = creation rv (FIFO) |
 * | `T:jobs:uid`             | hash   | uid → `<ns>/<name>` |
 * | `T:queue:<name>`         | hash   | obj, rv, uid, created |
 * | `T:queues`               | zset   | queue names, score 0 |
 * | `T:member:<name>`        | hash   | obj, rv, uid, created; liveness fields hbAt, hbAgent, hbSeq; nodesAgent, nodesSeq |
 * | `T:members`              | zset   | member cluster names, score 0 |
 * | `T:nodes:<cluster>`      | hash   | node name → NodeInventory JSON |
 * | `T:placements`           | hash   | job uid → Placement JSON |
 * | `T:reservations`         | hash   | job uid → Reservation JSON |
 * | `T:usage`                | hash   | queue name → QueueUsage JSON |
 * | `T:leader`               | string | the scheduler lease: `<holder>\|<term>`, with a TTL |
 * | `T:leader:term`          | string | the lease term counter (INCR); fenced writes compare the lease with their token |
 */

/** A deployment prefix: letters, digits, '.', '_' and '-' (no braces or colons). */
export const PREFIX_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export const DEFAULT_PREFIX = 'caldera';

export interface StoreKeys {
  readonly tag: string;
  readonly rv: string;
  readonly feed: string;
  job(namespace: string, name: string): string;
  readonly jobs: string;
  jobsInNamespace(namespace: string): string;
  jobsInQueue(queue: string): string;
  readonly pendingJobs: string;
  readonly jobUids: string;
  queue(name: string): string;
  readonly queues: string;
  member(name: string): string;
  readonly members: string;
  nodes(cluster: string): string;
  readonly placements: string;
  readonly reservations: string;
  readonly usage: string;
  readonly leaderLease: string;
  readonly leaderTerm: string;
}

/**
 * The keys of one deployment. A trailing ':' is dropped, so test prefixes such as `name-1a2b:`
 * work as given.
 */
export function storeKeys(prefix: string = DEFAULT_PREFIX): StoreKeys {
  const base = prefix.endsWith(':') ? prefix.slice(0, -1) : prefix;
  if (!PREFIX_PATTERN.test(base)) {
    throw new Error(`invalid key prefix "${prefix}": use 1-64 letters, digits, '.', '_' or '-'`);
  }
  const t = `{${base}}`;
  return {
    tag: t,
    rv: `${t}:rv`,
    feed: `${t}:feed`,
    job: (namespace, name) => `${t}:job:${namespace}/${name}`,
    jobs: `${t}:jobs`,
    jobsInNamespace: (namespace) => `${t}:jobs:ns:${namespace}`,
    jobsInQueue: (queue) => `${t}:jobs:queue:${queue}`,
    pendingJobs: `${t}:jobs:pending`,
    jobUids: `${t}:jobs:uid`,
    queue: (name) => `${t}:queue:${name}`,
    queues: `${t}:queues`,
    member: (name) => `${t}:member:${name}`,
    members: `${t}:members`,
    nodes: (cluster) => `${t}:nodes:${cluster}`,
    placements: `${t}:placements`,
    reservations: `${t}:reservations`,
    usage: `${t}:usage`,
    leaderLease: `${t}:leader`,
    leaderTerm: `${t}:leader:term`,
  };
}

/** `<ns>/<name>`: how jobs are named in indexes, feed entries and placements. */
export function jobKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function splitJobKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
