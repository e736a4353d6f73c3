/** Label, annotation and name keys shared by Volcano and Caldera. */

// Pod grouping
/** Pod annotation naming its PodGroup; the scheduler groups pods by `<ns>/<value>`. */
export const POD_GROUP_NAME_ANNOTATION = 'scheduling.k8s.io/group-name';
export const VOLCANO_POD_GROUP_NAME_ANNOTATION = 'scheduling.volcano.sh/group-name';
export const GROUP_MIN_MEMBER_ANNOTATION = 'scheduling.volcano.sh/group-min-member';
export const GROUP_MIN_RESOURCES_ANNOTATION = 'scheduling.volcano.sh/group-min-resources';
/** Pod or Namespace annotation choosing a queue for auto-created PodGroups. */
export const QUEUE_NAME_ANNOTATION_KEY = 'scheduling.volcano.sh/queue-name';
export const QUEUE_ALLOCATION_GATE = 'scheduling.volcano.sh/queue-allocation-gate';

// Job identity on pods (labels, most also annotations)
export const JOB_NAME_LABEL = 'volcano.sh/job-name';
export const JOB_NAMESPACE_LABEL = 'volcano.sh/job-namespace';
export const TASK_SPEC_LABEL = 'volcano.sh/task-spec';
export const TASK_INDEX_LABEL = 'volcano.sh/task-index';
export const QUEUE_NAME_LABEL = 'volcano.sh/queue-name';
export const JOB_TYPE_LABEL = 'volcano.sh/job-type';
export const PARTITION_ID_LABEL = 'volcano.sh/partition-id';

// Generation tracking on pods
export const JOB_VERSION_ANNOTATION = 'volcano.sh/job-version';
export const JOB_RETRY_COUNT_ANNOTATION = 'volcano.sh/job-retry-count';
export const TEMPLATE_UID_ANNOTATION = 'volcano.sh/template-uid';
export const CONTROLLER_OUT_OF_SYNC_ANNOTATION = 'volcano.sh/controller-out-of-sync';
export const NUMA_TOPOLOGY_POLICY_ANNOTATION = 'volcano.sh/numa-topology-policy';

// User hints on Job / PodGroup / Pod
export const PREEMPTABLE_KEY = 'volcano.sh/preemptable';
export const COOLDOWN_TIME_KEY = 'volcano.sh/cooldown-time';
export const REVOCABLE_ZONE_KEY = 'volcano.sh/revocable-zone';
export const JDB_MIN_AVAILABLE_KEY = 'volcano.sh/jdb-min-available';
export const JDB_MAX_UNAVAILABLE_KEY = 'volcano.sh/jdb-max-unavailable';
export const SLA_WAITING_TIME_KEY = 'volcano.sh/sla-waiting-time';
export const SLA_WAITING_TIME_BARE_KEY = 'sla-waiting-time';
export const TASK_PRIORITY_ANNOTATION = 'volcano.sh/task-priority';
export const TASK_TOPOLOGY_AFFINITY_ANNOTATION = 'volcano.sh/task-topology-affinity';
export const TASK_TOPOLOGY_ANTI_AFFINITY_ANNOTATION = 'volcano.sh/task-topology-anti-affinity';
export const TASK_TOPOLOGY_TASK_ORDER_ANNOTATION = 'volcano.sh/task-topology-task-order';
export const NETWORK_TOPOLOGY_MODE_ANNOTATION = 'volcano.sh/network-topology-mode';
export const NETWORK_TOPOLOGY_HIGHEST_TIER_ANNOTATION = 'volcano.sh/network-topology-highest-tier';

// Queues and nodes
export const HIERARCHY_ANNOTATION = 'volcano.sh/hierarchy';
export const HIERARCHY_WEIGHTS_ANNOTATION = 'volcano.sh/hierarchy-weights';
export const CLOSED_BY_PARENT_ANNOTATION = 'volcano.sh/closed-by-parent';
export const NODE_GROUP_NAME_LABEL = 'volcano.sh/nodegroup-name';
export const NODE_GROUP_RESOURCE_LIMITS_ANNOTATION = 'volcano.sh/nodegroup-resource-limits';

// Legacy forwarding and device keys
export const JOB_FORWARDING_KEY = 'volcano.sh/job-forwarding';
export const FORWARD_CLUSTER_KEY = 'volcano.sh/forward-cluster';
export const HCCL_RANK_INDEX_ANNOTATION = 'hccl/rankIndex';

// Caldera
/** Job annotation: comma-separated member clusters the job may be placed on. */
export const CALDERA_CLUSTERS_ANNOTATION = 'caldera.dev/clusters';
/** Job annotation: label selector over member-cluster labels. */
export const CALDERA_CLUSTER_SELECTOR_ANNOTATION = 'caldera.dev/cluster-selector';

// Scheduler names
/** Volcano's scheduler name; the default `spec.schedulerName` admission writes. */
export const VOLCANO_SCHEDULER_NAME = 'volcano';
/** Caldera's own scheduler name; member agents accept pods that carry either name. */
export const CALDERA_SCHEDULER_NAME = 'caldera';
export const ACCEPTED_SCHEDULER_NAMES: readonly string[] = [VOLCANO_SCHEDULER_NAME, CALDERA_SCHEDULER_NAME];

// Name formats
/** Pod name of replica `index` of `task` in `job`. */
export function podName(job: string, task: string, index: number): string {
  return `${job}-${task}-${index}`;
}

/** PodGroup name for a vcjob. */
export function jobPodGroupName(job: string, uid: string): string {
  return `${job}-${uid}`;
}

// Caldera placement facts on a federated job (written by the gateway, read by the CLI and the agent)
/** The member cluster the job is placed on. */
export const CALDERA_CLUSTER_ANNOTATION = 'caldera.dev/cluster';
/** The placement epoch: a newer epoch supersedes every older copy of the job. */
export const CALDERA_EPOCH_ANNOTATION = 'caldera.dev/epoch';
/** The gateway's uid of the job, carried onto the member cluster's copy. */
export const CALDERA_UID_ANNOTATION = 'caldera.dev/uid';
/** How many times the gateway has placed the job. */
export const CALDERA_ATTEMPT_ANNOTATION = 'caldera.dev/attempt';
