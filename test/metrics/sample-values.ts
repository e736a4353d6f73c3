/** Puts at least one sample into every family of the gateway's and the agent's metrics. */
import type { GatewayMetrics } from '../../gateway/metrics.js';
import type { AgentMetrics } from '../../member-agent/metrics.js';
import type { ManualClock } from '../../shared/clock.js';

export function fillGatewaySamples(m: GatewayMetrics, clock: ManualClock): void {
  m.placements.inc({ cluster: 'east', result: 'dispatched' }, 3);
  m.placements.inc({ cluster: 'west', result: 'rejected' });
  m.submitToDispatch.observe(0.42);
  m.reservations.set({ cluster: 'east' }, 2);
  m.setLeader(true);
  m.observeSchedulingCycle(0.012);
  m.observeApiRequest({ method: 'POST', route: '/apis/batch.volcano.sh/v1alpha1/namespaces/:namespace/jobs', code: 201, seconds: 0.004 });
  m.setPendingJobs([{ queue: 'default', reason: 'InsufficientResources', count: 2 }]);
  m.reports.inc({ cluster: 'east', type: 'heartbeat' });
  m.collectErrors.inc({ family: 'caldera_dispatch_queue_depth' }, 0);
  m.collectErrors.inc({ family: 'caldera_report_backlog' }, 0);
  m.recordQueues({
    queues: [{
      queue: 'default', weight: 1,
      deserved: { cpu: 8000, memory: 16 * 2 ** 30, 'nvidia.com/gpu': 2 },
      allocated: { cpu: 4000, memory: 8 * 2 ** 30, 'nvidia.com/gpu': 1 },
      request: { cpu: 12000, memory: 24 * 2 ** 30, 'nvidia.com/gpu': 3 },
      capability: { cpu: 16000, memory: 32 * 2 ** 30, 'nvidia.com/gpu': 4 },
    }],
    total: { cpu: 32000, memory: 64 * 2 ** 30, 'nvidia.com/gpu': 4 },
  });
  m.recordMemberResources([{ cluster: 'east', allocatable: { cpu: 16000, memory: 2 ** 35 }, allocated: { cpu: 4000, memory: 2 ** 33 } }]);
  m.cycle.setUnschedulable(new Map([['default/train', 3]]));
  m.cycle.setPodGroupPhases(new Map([['default', { Running: 2, Pending: 1 }]]));
  m.cycle.jobFinished({ job: 'train', queue: 'default', phase: 'Completed' });
  m.cycle.jobFinished({ job: 'eval', queue: 'default', phase: 'Failed' });
  const filledAt = clock.now();
  m.setMemberHealthSource(() => [
    { cluster: 'east', state: 'Ready', lastSeenAt: filledAt - 2_000 },
    { cluster: 'west', state: 'NotReady', lastSeenAt: filledAt - 45_000 },
  ]);
  m.setDispatchQueueDepthSource(async () => ({ east: 4, west: 0 }));
  m.setReportBacklogSource(async () => 7);
}

export function fillAgentSamples(m: AgentMetrics): void {
  m.podsBound.inc(8);
  m.bindErrors.inc(0);
  m.recordJobPhase({ job: 'train', queue: 'default', phase: 'Running' });
  m.recordJobPhase({ job: 'train', queue: 'default', phase: 'Completed' });
  m.recordJobPhase({ job: 'eval', queue: 'default', phase: 'Failed' });
  m.setJobPhases({ Running: 1, Pending: 2 });
  m.reconcileDuration.observe({ controller: 'job' }, 0.003);
  m.reconcileErrors.inc({ controller: 'podgroup' });
  m.placements.inc({ result: 'accepted' });
  m.reportsSent.inc({ type: 'heartbeat' });
  m.recordNodes({ counts: { ready: 3, not_ready: 1 }, allocatable: { cpu: 12000, memory: 3 * 2 ** 34 }, allocated: { cpu: 2500, memory: 2 ** 32 } });
  m.observeKubeRequest({ verb: 'create', resource: 'pods/binding', code: 201, seconds: 0.002 });
  m.setLeader(true);
  m.scheduleAttempts.inc({ result: 'Success' }, 8);
  m.evictionTransactions.inc({ action: 'preempt' });
  m.volcanoQueues.record([{ queue: 'default', weight: 1, deserved: { cpu: 4000, 'nvidia.com/gpu': 1 }, allocated: { cpu: 2000, memory: 2 ** 30, 'nvidia.com/gpu': 1 }, request: { cpu: 6000, 'nvidia.com/gpu': 2 }, capability: { cpu: 8000, 'nvidia.com/gpu': 2 } }]);
  m.observeSchedulingCycle(0.004);
  m.cycle.setUnschedulable(new Map([['default/eval', 1]]));
  m.cycle.setPodGroupPhases(new Map([['default', { Running: 1 }]]));
}
