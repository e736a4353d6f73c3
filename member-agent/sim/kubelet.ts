/**
 * The kubelets of a simulated cluster, one object playing every node. It owns every Node
 * in the store (nodes it created from shapes, and nodes created through the API) and plays each pod
 * bound to one of them:
 *   1. admission, as the real kubelet does it: pod count, resources (requests against allocatable,
 *      minus the pods already admitted), nodeSelector, NoExecute taints; a rejected pod ends Failed
 *      with the kubelet's reason (`OutOfcpu`, `OutOfnvidia.com/gpu`, `NodeAffinity`, `Taint`);
 *   2. after `startDelayMs` the pod is Running: pod IP, host IP, conditions, container statuses;
 *   3. after its duration (annotation or default) the containers exit with the pod's exit code; by
 *      restartPolicy the pod ends Succeeded / Failed, or the containers restart after a back-off
 *      (CrashLoopBackOff, restartCount + 1);
 *   4. a pod marked for graceful deletion stops after `stopDelayMs` (at most its grace period) and
 *      is then removed; pods on a deleted node are removed at once (as pod GC does).
 * Failure injection: `failNode` (NotReady, unreachable taints, pods lost), `recoverNode`, `evictPod`
 * (node-pressure eviction: Failed / Evicted). Times are simulated milliseconds of the SimClock.
 */
import type { Taint, Toleration } from '../../shared/api/core.js';
import { isStatusError } from '../../shared/errors/status.js';
import { podRequest } from '../../shared/resources/pod-request.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import { normalizeNodeGroup, type NodeGroupSpec } from './node-shapes.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import { DURATION_ANNOTATION, EXIT_CODE_ANNOTATION, exitCodeFor, parseSimDuration } from './pod-script.js';
import type { ResourceType } from './resource-table.js';
import type { SimClock, SimTimer } from './sim-clock.js';
import { isPlainObject, objectKey, rfc3339, type ObjectRef, type SimObject } from './sim-object.js';

export interface KubeletOptions {
  /** bound → Running, in simulated ms (default 1000) */
  startDelayMs?: number;
  /** how long a pod without a duration annotation runs (default 10,000; Infinity: until deleted) */
  defaultDurationMs?: number;
  /** exit code of a pod without an exit-code annotation (default 0) */
  defaultExitCode?: number;
  /** how long a graceful stop takes, capped by the pod's grace period (default 500) */
  stopDelayMs?: number;
  /** first CrashLoopBackOff delay, doubling per restart up to 300,000 (default 10,000) */
  restartBackoffMs?: number;
}

export interface FailNodeOptions {
  /** what happens to the node's pods: removed (default, as after taint eviction and pod GC) or Failed with reason NodeLost */
  pods?: 'delete' | 'fail';
}

interface NodeState {
  name: string;
  allocatable: ResourceVector;
  maxPods: number;
  used: ResourceVector;
  podCount: number;
  ready: boolean;
  labels: Record<string, string>;
  taints: Taint[];
  hostIP: string;
  podNet: string;
  nextIp: number;
}

interface PodState {
  ref: ObjectRef;
  node: string;
  request: ResourceVector;
  phase: 'starting' | 'running' | 'backoff' | 'stopping';
  attempt: number;
  timer: SimTimer | undefined;
  startedAt: string | undefined;
}

const UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Node conditions of a healthy kubelet: status, reason, message. */
const HEALTHY_CONDITIONS: Readonly<Record<string, { status: string; reason: string; message: string }>> = {
  MemoryPressure: { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  DiskPressure: { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  PIDPressure: { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  Ready: { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
};
const MAX_BACKOFF_MS = 300_000;

function rec(x: unknown): Record<string, unknown> {
  return isPlainObject(x) ? x : {};
}

function list(x: unknown): Record<string, unknown>[] {
  return Array.isArray(x) ? x.filter(isPlainObject) : [];
}

function upsertConditions(existing: unknown, updates: Record<string, unknown>[], now: string): Record<string, unknown>[] {
  const out = list(existing).map((c) => ({ ...c }));
  for (const u of updates) {
    const i = out.findIndex((c) => c.type === u.type);
    const cur = i >= 0 ? out[i] : undefined;
    const changed = !cur || cur.status !== u.status;
    const next = { lastProbeTime: null, ...cur, ...u, lastTransitionTime: changed ? now : (cur?.lastTransitionTime ?? now) };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}

function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

export class Kubelet {
  private readonly store: ObjectStore;
  private readonly clock: SimClock;
  private readonly clusterName: string;
  private readonly pods: ResourceType;
  private readonly nodesRes: ResourceType;
  private readonly nodes = new Map<string, NodeState>();
  private readonly podStates = new Map<string, PodState>();
  private readonly unsubscribe: () => void;
  private nodeCounter = 0;
  /** nodes created through the API get addresses from a range of their own */
  private adopted = 0;
  private stopped = false;
  readonly options: Required<KubeletOptions>;

  constructor(opts: { store: ObjectStore; clock: SimClock; clusterName: string } & KubeletOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.clusterName = opts.clusterName;
    this.pods = opts.store.registry.pods;
    this.nodesRes = opts.store.registry.nodes;
    this.options = {
      startDelayMs: opts.startDelayMs ?? 1000,
      defaultDurationMs: opts.defaultDurationMs ?? 10_000,
      defaultExitCode: opts.defaultExitCode ?? 0,
      stopDelayMs: opts.stopDelayMs ?? 500,
      restartBackoffMs: opts.restartBackoffMs ?? 10_000,
    };
    this.unsubscribe = this.store.onChange((e) => this.onChange(e));
    for (const node of this.store.list(this.nodesRes).items) this.registerNode(node.object);
  }

  /** Creates the nodes of each group; returns their names. */
  addNodes(groups: NodeGroupSpec[]): string[] {
    const names: string[] = [];
    for (const raw of groups) {
      const group = normalizeNodeGroup(raw);
      for (let i = 0; i < group.count; i++) {
        const index = this.nodeCounter++;
        const name = `${group.prefix ?? `${this.clusterName}-node-`}${index}`;
        this.store.create(this.nodesRes, this.nodeObject(name, index, group));
        names.push(name);
      }
    }
    return names;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** Pods this kubelet is playing (admitted, not finished). */
  activePods(): number {
    return this.podStates.size;
  }

  /** Resources in use on a node, by resource name (cpu in millicores, memory in bytes). */
  usage(nodeName: string): { pods: number; used: Record<string, number> } | undefined {
    const n = this.nodes.get(nodeName);
    return n && { pods: n.podCount, used: n.used.toAmounts() };
  }

  /** The node stops reporting: Ready=Unknown, unreachable taints, and its pods are lost. */
  failNode(name: string, opts: FailNodeOptions = {}): void {
    const node = this.mustNode(name);
    const now = rfc3339(this.clock.now());
    this.store.mutate(this.nodesRes, { namespace: '', name }, (draft) => {
      const spec = rec(draft.spec);
      draft.spec = spec;
      const taints = list(spec.taints).filter((t) => t.key !== UNREACHABLE);
      taints.push({ key: UNREACHABLE, effect: 'NoSchedule', timeAdded: now }, { key: UNREACHABLE, effect: 'NoExecute', timeAdded: now });
      spec.taints = taints;
    });
    this.store.mutate(this.nodesRes, { namespace: '', name }, (draft) => {
      const status = rec(draft.status);
      draft.status = status;
      status.conditions = list(status.conditions).map((c) => ({
        ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.',
        lastTransitionTime: c.status === 'Unknown' ? c.lastTransitionTime : now,
      }));
    }, { subresource: 'status' });
    node.ready = false;
    for (const pod of this.store.byIndex(this.pods, 'spec.nodeName', name)) {
      const phase = rec(pod.status).phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const ref = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name };
      this.forget(objectKey(ref.namespace, ref.name));
      if (opts.pods === 'fail') {
        this.store.mutateStatus(this.pods, ref, (status) => {
          status.phase = 'Failed';
          status.reason = 'NodeLost';
          status.message = `Node ${name} which was running pod ${ref.name} is unresponsive`;
          status.conditions = upsertConditions(status.conditions, [{ type: 'Ready', status: 'False' }], now);
        });
      } else {
        this.forceDelete(ref);
      }
    }
  }

  /** The node reports again: Ready=True, taints removed, pods bound to it start. */
  recoverNode(name: string): void {
    this.mustNode(name);
    const now = rfc3339(this.clock.now());
    this.store.mutate(this.nodesRes, { namespace: '', name }, (draft) => {
      const spec = rec(draft.spec);
      draft.spec = spec;
      spec.taints = list(spec.taints).filter((t) => t.key !== UNREACHABLE);
    });
    this.store.mutate(this.nodesRes, { namespace: '', name }, (draft) => {
      const status = rec(draft.status);
      draft.status = status;
      status.conditions = list(status.conditions).map((c) => {
        const healthy = HEALTHY_CONDITIONS[String(c.type)];
        return healthy ? { ...c, ...healthy, lastHeartbeatTime: now, lastTransitionTime: now } : c;
      });
    }, { subresource: 'status' });
  }

  /** Node-pressure eviction: the kubelet fails the pod with reason Evicted. */
  evictPod(ref: ObjectRef, opts: { message?: string } = {}): void {
    const key = objectKey(ref.namespace, ref.name);
    const state = this.podStates.get(key);
    this.forget(key);
    const now = rfc3339(this.clock.now());
    this.store.mutateStatus(this.pods, ref, (status) => {
      status.phase = 'Failed';
      status.reason = 'Evicted';
      status.message = opts.message ?? 'The node was low on resource: memory. ';
      status.conditions = upsertConditions(status.conditions, [
        { type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message: status.message },
        { type: 'Ready', status: 'False', reason: 'PodFailed' }, { type: 'ContainersReady', status: 'False', reason: 'PodFailed' },
      ], now);
      status.containerStatuses = list(status.containerStatuses).map((c) => ({
        ...c, ready: false, started: false,
        state: { terminated: { exitCode: 137, reason: 'Error', startedAt: state?.startedAt ?? now, finishedAt: now } },
      }));
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const s of this.podStates.values()) this.clock.cancel(s.timer);
    this.podStates.clear();
  }

  // ---------------------------------------------------------------- events

  private onChange(e: StoreEvent): void {
    if (this.stopped) return;
    if (e.resource === this.nodesRes) this.onNode(e);
    else if (e.resource === this.pods) this.onPod(e);
  }

  private onNode(e: StoreEvent): void {
    const name = e.object.metadata.name;
    if (e.type === 'DELETED') {
      this.nodes.delete(name);
      for (const pod of this.store.byIndex(this.pods, 'spec.nodeName', name)) {
        this.forceDelete({ namespace: pod.metadata.namespace ?? '', name: pod.metadata.name });
      }
      return;
    }
    const wasReady = this.nodes.get(name)?.ready ?? false;
    const node = this.registerNode(e.object);
    if (node.ready && !wasReady) {
      for (const pod of this.store.byIndex(this.pods, 'spec.nodeName', name)) this.onPodState(pod);
    }
  }

  private onPod(e: StoreEvent): void {
    const meta = e.object.metadata;
    const key = objectKey(meta.namespace ?? '', meta.name);
    if (e.type === 'DELETED') {
      this.forget(key);
      return;
    }
    this.onPodState(e.object);
  }

  private onPodState(pod: SimObject): void {
    const meta = pod.metadata;
    const ref = { namespace: meta.namespace ?? '', name: meta.name };
    const key = objectKey(ref.namespace, ref.name);
    const nodeName = rec(pod.spec).nodeName;
    if (typeof nodeName !== 'string' || nodeName === '') return;
    const state = this.podStates.get(key);
    if (state) {
      if (meta.deletionTimestamp !== undefined && state.phase !== 'stopping') this.beginStop(key, state, pod);
      return;
    }
    const phase = rec(pod.status).phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      if (meta.deletionTimestamp !== undefined) this.forceDelete(ref);
      return;
    }
    const node = this.nodes.get(nodeName);
    if (!node?.ready) return;
    if (meta.deletionTimestamp !== undefined) {
      this.forceDelete(ref);
      return;
    }
    this.admit(pod, ref, node);
  }

  // ---------------------------------------------------------------- lifecycle

  private admit(pod: SimObject, ref: ObjectRef, node: NodeState): void {
    const spec = rec(pod.spec);
    let request: ResourceVector;
    try {
      request = podRequest(spec as unknown as Parameters<typeof podRequest>[0]);
    } catch (err) {
      this.reject(ref, 'UnexpectedAdmissionError', `Pod was rejected: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (node.podCount + 1 > node.maxPods) {
      this.reject(ref, 'OutOfpods', `Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: ${node.podCount}, capacity: ${node.maxPods}`);
      return;
    }
    const after = node.used.add(request);
    if (!after.fits(node.allocatable)) {
      const short = request.names().find((n) => after.get(n) > node.allocatable.get(n)) ?? 'cpu';
      this.reject(ref, `OutOf${short}`, `Pod was rejected: Node didn't have enough resource: ${short}, requested: ${request.get(short)}, used: ${node.used.get(short)}, capacity: ${node.allocatable.get(short)}`);
      return;
    }
    const selector = rec(spec.nodeSelector);
    if (Object.entries(selector).some(([k, v]) => node.labels[k] !== v)) {
      this.reject(ref, 'NodeAffinity', "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector");
      return;
    }
    const tolerations = list(spec.tolerations) as unknown as Toleration[];
    const untolerated = node.taints.find((t) => t.effect === 'NoExecute' && !tolerates(tolerations, t));
    if (untolerated) {
      this.reject(ref, 'Taint', `Pod was rejected: Predicate TaintToleration failed: node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`);
      return;
    }
    node.used = after;
    node.podCount++;
    const key = objectKey(ref.namespace, ref.name);
    const state: PodState = { ref, node: node.name, request, phase: 'starting', attempt: 0, timer: undefined, startedAt: undefined };
    this.podStates.set(key, state);
    state.timer = this.clock.after(this.options.startDelayMs, () => this.run(key));
  }

  private reject(ref: ObjectRef, reason: string, message: string): void {
    this.store.mutateStatus(this.pods, ref, (status) => {
      status.phase = 'Failed';
      status.reason = reason;
      status.message = message;
      status.startTime ??= rfc3339(this.clock.now());
    });
  }

  /** Containers (re)start: the pod is Running. */
  private run(key: string): void {
    const state = this.podStates.get(key);
    const node = state && this.nodes.get(state.node);
    if (!state || !node || (state.phase !== 'starting' && state.phase !== 'backoff')) return;
    const pod = this.store.get(this.pods, state.ref);
    if (!pod) {
      this.forget(key);
      return;
    }
    const nowMs = this.clock.now();
    const now = rfc3339(nowMs);
    state.phase = 'running';
    state.startedAt = now;
    const uid = pod.metadata.uid ?? '';
    this.store.mutateStatus(this.pods, state.ref, (status, pod) => {
      const spec = rec(pod.spec);
      status.phase = 'Running';
      status.hostIP = node.hostIP;
      status.hostIPs = [{ ip: node.hostIP }];
      if (typeof status.podIP !== 'string') {
        const ip = rec(spec).hostNetwork === true ? node.hostIP : `${node.podNet}${2 + (node.nextIp++ % 250)}`;
        status.podIP = ip;
        status.podIPs = [{ ip }];
      }
      status.startTime ??= now;
      status.conditions = upsertConditions(status.conditions, ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']
        .map((type) => ({ type, status: 'True' })), now);
      const previous = new Map(list(status.containerStatuses).map((c) => [c.name, c]));
      status.containerStatuses = list(spec.containers).map((c) => ({
        name: c.name,
        image: c.image,
        imageID: `sim://${String(c.image)}`,
        containerID: `sim://${uid}/${String(c.name)}/${state.attempt}`,
        ready: true,
        started: true,
        restartCount: state.attempt,
        state: { running: { startedAt: now } },
        lastState: rec(previous.get(c.name)).lastState ?? {},
      }));
      const inits = list(spec.initContainers);
      if (inits.length > 0) {
        status.initContainerStatuses = inits.map((c) => ({
          name: c.name, image: c.image, imageID: `sim://${String(c.image)}`, containerID: `sim://${uid}/${String(c.name)}/0`,
          ready: true, started: false, restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
        }));
      }
    });
    const annotations = pod.metadata.annotations ?? {};
    const duration = parseSimDuration(annotations[DURATION_ANNOTATION]) ?? this.options.defaultDurationMs;
    if (Number.isFinite(duration)) state.timer = this.clock.after(duration, () => this.exit(key));
  }

  /** Containers exit: the pod finishes, or restarts after a back-off. */
  private exit(key: string): void {
    const state = this.podStates.get(key);
    if (!state || state.phase !== 'running') return;
    const pod = this.store.get(this.pods, state.ref);
    if (!pod) {
      this.forget(key);
      return;
    }
    const now = rfc3339(this.clock.now());
    const annotations = pod.metadata.annotations ?? {};
    const code = exitCodeFor(annotations[EXIT_CODE_ANNOTATION], state.attempt) ?? this.options.defaultExitCode;
    const policy = rec(pod.spec).restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && code !== 0);
    const terminated = { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', startedAt: state.startedAt ?? now, finishedAt: now };
    if (!restart) {
      this.forget(key);
      const phase = code === 0 ? 'Succeeded' : 'Failed';
      const reason = code === 0 ? 'PodCompleted' : 'PodFailed';
      this.store.mutateStatus(this.pods, state.ref, (status) => {
        status.phase = phase;
        status.conditions = upsertConditions(status.conditions, [
          { type: 'PodReadyToStartContainers', status: 'False' },
          { type: 'Ready', status: 'False', reason }, { type: 'ContainersReady', status: 'False', reason },
        ], now);
        status.containerStatuses = list(status.containerStatuses).map((c) => ({
          ...c, ready: false, started: false, state: { terminated: { ...terminated, containerID: c.containerID } },
        }));
      });
      return;
    }
    state.attempt++;
    state.phase = 'backoff';
    const backoff = Math.min(this.options.restartBackoffMs * 2 ** (state.attempt - 1), MAX_BACKOFF_MS);
    this.store.mutateStatus(this.pods, state.ref, (status) => {
      status.conditions = upsertConditions(status.conditions, [
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady' }, { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady' },
      ], now);
      status.containerStatuses = list(status.containerStatuses).map((c) => ({
        ...c, ready: false, started: false, restartCount: state.attempt,
        lastState: { terminated: { ...terminated, containerID: c.containerID } },
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${String(c.name)} pod=${state.ref.name}` } },
      }));
    });
    state.timer = this.clock.after(backoff, () => this.run(key));
  }

  private beginStop(key: string, state: PodState, pod: SimObject): void {
    this.clock.cancel(state.timer);
    state.phase = 'stopping';
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
    const uid = pod.metadata.uid;
    state.timer = this.clock.after(Math.min(grace, this.options.stopDelayMs), () => {
      this.forget(key);
      this.forceDelete(state.ref, uid);
    });
  }

  private forceDelete(ref: ObjectRef, uid?: string): void {
    try {
      this.store.delete(this.pods, ref, { gracePeriodSeconds: 0, ...(uid ? { preconditions: { uid } } : {}) });
    } catch (err) {
      // Already gone, or replaced by a new pod of the same name: nothing to stop.
      if (!isStatusError(err) || (err.status.code !== 404 && err.status.code !== 409)) throw err;
    }
  }

  /** Drops the pod's timers and gives its resources back to the node. */
  private forget(key: string): void {
    const state = this.podStates.get(key);
    if (!state) return;
    this.clock.cancel(state.timer);
    this.podStates.delete(key);
    const node = this.nodes.get(state.node);
    if (node) {
      node.used = node.used.subClamped(state.request);
      node.podCount = Math.max(0, node.podCount - 1);
    }
  }

  // ---------------------------------------------------------------- nodes

  private mustNode(name: string): NodeState {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node "${name}" in cluster ${this.clusterName}`);
    return n;
  }

  private registerNode(obj: SimObject): NodeState {
    const name = obj.metadata.name;
    const status = rec(obj.status);
    const quantities = Object.fromEntries(Object.entries(rec(status.allocatable))
      .filter(([, v]) => typeof v === 'string' || typeof v === 'number')) as Record<string, string | number>;
    const { pods: podsQ, ...resources } = quantities;
    let allocatable = ResourceVector.empty();
    try {
      allocatable = ResourceVector.fromQuantities(resources);
    } catch {
      // A node with unreadable allocatable admits nothing that requests resources.
    }
    const ready = list(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True');
    const taints = list(rec(obj.spec).taints) as unknown as Taint[];
    const existing = this.nodes.get(name);
    if (existing) {
      existing.allocatable = allocatable;
      existing.maxPods = Number(podsQ ?? 110);
      existing.ready = ready;
      existing.labels = obj.metadata.labels ?? {};
      existing.taints = taints;
      return existing;
    }
    const index = this.adopted++;
    const internal = list(status.addresses).find((a) => a.type === 'InternalIP');
    const cidr = rec(obj.spec).podCIDR;
    const net = typeof cidr === 'string' ? /^(\d+\.\d+\.\d+\.)0\/24$/.exec(cidr)?.[1] : undefined;
    const node: NodeState = {
      name,
      allocatable,
      maxPods: Number(podsQ ?? 110),
      used: ResourceVector.empty(),
      podCount: 0,
      ready,
      labels: obj.metadata.labels ?? {},
      taints,
      hostIP: typeof internal?.address === 'string' ? internal.address : hostIPOf(ADOPTED_BASE + index),
      podNet: net ?? podNetOf(ADOPTED_BASE + index),
      nextIp: 0,
    };
    this.nodes.set(name, node);
    return node;
  }

  private nodeObject(name: string, index: number, group: NodeGroupSpec): SimObject {
    const now = rfc3339(this.clock.now());
    const podCIDR = `${podNetOf(index)}0/24`;
    const capacity = Object.fromEntries(Object.entries(group.capacity).map(([k, v]) => [k, String(v)]));
    const condition = (type: string) => ({ type, ...HEALTHY_CONDITIONS[type], lastHeartbeatTime: now, lastTransitionTime: now });
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'beta.kubernetes.io/arch': 'amd64',
          'sim.caldera.dev/cluster': this.clusterName,
          ...group.labels,
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: {
        podCIDR,
        podCIDRs: [podCIDR],
        providerID: `sim://${this.clusterName}/${name}`,
        ...(group.taints && group.taints.length > 0 ? { taints: group.taints } : {}),
        ...(group.unschedulable ? { unschedulable: true } : {}),
      },
      status: {
        capacity,
        allocatable: capacity,
        conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map(condition),
        addresses: [{ type: 'InternalIP', address: hostIPOf(index) }, { type: 'Hostname', address: name }],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: `sim-${index}`, systemUUID: `sim-${this.clusterName}-${index}`, bootID: `boot-${index}`,
          kernelVersion: '6.1.0-sim', osImage: 'Caldera simulated node', containerRuntimeVersion: 'sim://1.0.0',
          kubeletVersion: 'v1.34.0-sim', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
        },
      },
    };
  }
}

const ADOPTED_BASE = 12_288;

/** Addresses are labels inside objects only; nothing ever connects to them. */
function hostIPOf(index: number): string {
  return `172.20.${(index >> 8) & 255}.${index & 255}`;
}

function podNetOf(index: number): string {
  return `10.${64 + ((index >> 8) & 63)}.${index & 255}.`;
}
