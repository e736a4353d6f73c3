/**
 * The two things a phase can do to a job, as pure planners:
 *  - SyncJob: initiate (plugins' objects, volumes, PodGroup), then create the pods that are missing
 *    (only once the PodGroup is past Pending, and only for tasks whose dependencies are ready) and
 *    delete pods that should not exist; recount and let the phase function judge.
 *  - Kill: delete the job's pods (all, or one task/pod/partition), keeping finished ones when asked
 *    or on the last retry; a full kill starts a new pod generation and drops the PodGroup; every kill
 *    removes the plugins' objects. Recount and let the phase function judge.
 */
import type { Pod } from '../../../shared/api/core.js';
import type { JobAction } from '../../../shared/api/job.js';
import { CONTROLLER_OUT_OF_SYNC_ANNOTATION, PARTITION_ID_LABEL } from '../../../shared/api/well-known.js';
import { dependenciesReady } from './job-dependencies.js';
import type { JobEffect } from './job-effects.js';
import { buildJobPod } from './job-pod.js';
import { buildJobPodGroup, podGroupNeedsUpdate } from './job-podgroup.js';
import { podName } from '../../../shared/api/well-known.js';
import { jobName, podTaskName, replicasOf, taskName, tasksOf } from './job-shape.js';
import { countPod, emptyDraft, finish, type PhaseFn } from './job-status.js';
import { currentPhase, type JobView, type PhaseOutcome } from './job-view.js';
import { claimEffects, withClaimNames } from './job-volumes.js';
import { pluginResourceKey } from './plugins/job-plugin.js';
import { PluginArgs } from './plugins/plugin-args.js';
import { jobPlugins } from './plugins/plugin-registry.js';

/** Pod phases a kill leaves alone. `soft` keeps finished pods, `none` kills everything. */
export type RetainPhases = 'soft' | 'none';

function pluginContexts(view: JobView) {
  return jobPlugins(view.job.spec.plugins).map(({ plugin, args }) => ({
    plugin,
    ctx: { job: view.job, args: new PluginArgs(args), deps: view.deps },
  }));
}

function deletePodEffect(pod: Pod): JobEffect {
  return { kind: 'deletePod', name: pod.metadata.name ?? '', ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) };
}

export function syncJob(view: JobView, phaseFn: PhaseFn): PhaseOutcome {
  if (view.job.metadata.deletionTimestamp) {
    return { nextPhase: currentPhase(view.job) || 'Pending', status: view.job.status ?? {}, effects: [] };
  }
  const job = withClaimNames(view.job);
  const effects: JobEffect[] = [];
  const controlled: Record<string, string> = { ...(view.job.status?.controlledResources ?? {}) };
  const phase = currentPhase(view.job);
  const initiated = phase !== '' && phase !== 'Pending';

  for (const { plugin, ctx } of pluginContexts(view)) {
    const key = pluginResourceKey(plugin.name);
    if (!initiated) {
      if (controlled[key] !== plugin.name) {
        effects.push(...(plugin.onJobAdd?.(ctx) ?? []));
        controlled[key] = plugin.name;
      }
    } else {
      effects.push(...(plugin.onJobUpdate?.(ctx) ?? []));
    }
  }
  if (!initiated) effects.push(...claimEffects(job));

  const wantPg = buildJobPodGroup(job, view.priorityOf);
  if (!view.podGroup) {
    effects.push({ kind: 'createPodGroup', podGroup: wantPg });
  } else if (podGroupNeedsUpdate(view.podGroup, wantPg)) {
    effects.push({ kind: 'updatePodGroupSpec', podGroup: { ...view.podGroup, spec: { ...view.podGroup.spec, ...wantPg.spec } } });
  }
  // Pods wait until `enqueue` has admitted the gang: creating them earlier would bypass admission.
  const pgPhase = view.podGroup?.status?.phase;
  const admitted = pgPhase !== undefined && pgPhase !== 'Pending';

  const draft = emptyDraft(view);
  const byName = new Map<string, Pod>();
  for (const p of view.pods) if (p.metadata.name) byName.set(p.metadata.name, p);
  const expected = new Set<string>();
  const jobForPods = { ...job, status: { ...(job.status ?? {}), controlledResources: controlled } };

  for (const task of tasksOf(job)) {
    const tname = taskName(task);
    let depsReady: boolean | undefined;
    for (let i = 0; i < replicasOf(task); i++) {
      const name = podName(jobName(job), tname, i);
      expected.add(name);
      const pod = byName.get(name);
      if (!pod) {
        if (!admitted) continue;
        depsReady ??= dependenciesReady(job, task, view.pods);
        if (!depsReady) continue;
        const fresh = buildJobPod({ job: jobForPods, task, index: i, deps: view.deps });
        effects.push({ kind: 'createPod', pod: fresh });
        countPod(draft, fresh, 'Pending');
        continue;
      }
      if (pod.metadata.deletionTimestamp) {
        draft.terminating++;
        continue;
      }
      if (pod.metadata.annotations?.[CONTROLLER_OUT_OF_SYNC_ANNOTATION] !== undefined) {
        effects.push(deletePodEffect(pod));
        draft.terminating++;
        continue;
      }
      countPod(draft, pod);
    }
  }
  // Scale-down and pods of removed tasks.
  for (const pod of view.pods) {
    if (expected.has(pod.metadata.name ?? '')) continue;
    if (!pod.metadata.deletionTimestamp) effects.push(deletePodEffect(pod));
    draft.terminating++;
  }
  phaseFn(draft);
  return finish(view, { draft, effects, controlledResources: controlled, bumpVersion: false });
}

/** Which pods a targeted restart reaches, from the request that triggered it. */
export function restartTarget(view: JobView, action: JobAction): ((pod: Pod) => boolean) | undefined {
  const req = view.request;
  switch (action) {
    case 'RestartTask':
      return req.taskName === undefined ? undefined : (pod) => podTaskName(pod) === req.taskName;
    case 'RestartPod':
      return req.podName === undefined ? undefined : (pod) => pod.metadata.name === req.podName;
    case 'RestartPartition': {
      if (req.taskName === undefined || req.partitionId === undefined) return undefined;
      return (pod) => podTaskName(pod) === req.taskName && pod.metadata.labels?.[PARTITION_ID_LABEL] === req.partitionId;
    }
    default:
      return undefined;
  }
}

export interface KillOptions {
  retain: RetainPhases;
  /** only these pods (a targeted restart); all pods and the PodGroup when absent */
  target?: (pod: Pod) => boolean;
}

export function killPods(view: JobView, { retain, target }: KillOptions, phaseFn: PhaseFn): PhaseOutcome {
  const job = view.job;
  const maxRetry = job.spec.maxRetry ?? 3;
  const retryCount = job.status?.retryCount ?? 0;
  // The last attempt keeps finished pods even for RestartJob, so their results survive.
  const lastRetry = retryCount >= maxRetry - 1;
  const keep = retain === 'soft' || lastRetry;
  const effects: JobEffect[] = [];
  const draft = emptyDraft(view);

  for (const pod of view.pods) {
    if (pod.metadata.deletionTimestamp) {
      draft.terminating++;
      continue;
    }
    const phase = pod.status?.phase ?? 'Pending';
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const selected = target ? target(pod) : true;
    if (selected && !(keep && finished)) {
      effects.push(deletePodEffect(pod));
      draft.terminating++;
      continue;
    }
    countPod(draft, pod);
  }
  phaseFn(draft);

  const controlled: Record<string, string> = { ...(job.status?.controlledResources ?? {}) };
  for (const { plugin, ctx } of pluginContexts(view)) {
    effects.push(...(plugin.onJobDelete?.(ctx) ?? []));
    delete controlled[pluginResourceKey(plugin.name)];
  }
  const full = target === undefined;
  if (full && view.podGroup) effects.push({ kind: 'deletePodGroup', name: view.podGroup.metadata.name ?? '' });
  return finish(view, { draft, effects, controlledResources: controlled, bumpVersion: full });
}

export function killJob(view: JobView, retain: RetainPhases, phaseFn: PhaseFn): PhaseOutcome {
  return killPods(view, { retain }, phaseFn);
}

/** A targeted restart; without a usable target (no task or pod in the request) nothing is killed. */
export function killTarget(view: JobView, action: JobAction, phaseFn: PhaseFn): PhaseOutcome {
  const target = restartTarget(view, action) ?? (() => false);
  return killPods(view, { retain: 'none', target }, phaseFn);
}
