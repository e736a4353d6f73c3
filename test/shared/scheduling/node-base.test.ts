// A session's node base derived from a recent cycle's equals one built from scratch, bit for bit,
// through random sequences of node, domain and resource-name changes in an incremental store; and
// a whole cycle decides the same either way.
import t from 'tap';
import { ManualClock } from '../../../shared/clock.js';
import { ResourceVector } from '../../../shared/resources/resource-vector.js';
import { clearNodeBaseCache, freshNodeLineage, nodeLineageOf, nodeRowsOf, type NodeLineage, type NodeRows } from '../../../shared/scheduling/node-base.js';
import { ResourceSpace } from '../../../shared/scheduling/resource-space.js';
import { runCycle } from '../../../shared/scheduling/run-cycle.js';
import { Session } from '../../../shared/scheduling/session.js';
import { defaultRegistry } from '../../../shared/scheduling/registry.js';
import { defaultSchedulerConfig } from '../../../shared/scheduling/run-cycle.js';
import { SnapshotStore } from '../../../shared/scheduling/snapshot-store.js';
import type { ClusterSnapshot, NodeSnapshot } from '../../../shared/scheduling/snapshot.js';
import { GPU, T0 } from '../../support/scheduling-builders.js';
import { seededRandom as random } from '../../support/seeded-random.js';


function randomNode(rnd: () => number, name: string, domain: string | undefined): NodeSnapshot {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const gpu = rnd() < 0.25 ? pick([1, 2, 8]) : 0;
  const fpga = rnd() < 0.05 ? 1 : 0;
  const cpu = pick([2000, 8000, 64000]);
  return {
    name,
    ...(domain !== undefined ? { domain } : {}),
    allocatable: ResourceVector.fromAmounts({ cpu, memory: pick([8, 64, 256]) * 2 ** 30, [GPU]: gpu, 'example.com/fpga': fpga, ...(rnd() < 0.5 ? { pods: 110 } : {}) }),
    ...(rnd() < 0.7 ? { otherUsed: ResourceVector.fromAmounts({ cpu: Math.floor(rnd() * cpu) + 1, memory: Math.floor(rnd() * 2 ** 30), [GPU]: gpu > 0 && rnd() < 0.5 ? 1 : 0 }) } : {}),
    ...(rnd() < 0.2 ? { otherReleasing: ResourceVector.fromAmounts({ cpu: 125, memory: 2 ** 20 }) } : {}),
    ...(rnd() < 0.5 ? { otherPods: Math.floor(rnd() * 20) } : {}),
    ...(rnd() < 0.1 ? { maxPods: 7 } : {}),
    ...(rnd() < 0.1 ? { unschedulable: true } : {}),
    labels: { zone: pick(['a', 'b']) },
    ...(rnd() < 0.15 ? { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' as const }] } : {}),
  };
}

const rowFields = ['allocatable', 'used', 'releasing', 'podCount', 'maxPods', 'totalAllocatable', 'totalUsed', 'totalReleasing', 'domainAllocatable', 'domainUsed', 'domainReleasing'] as const;

function lineageFacts(l: NodeLineage) {
  return {
    sorted: l.sorted.map((n) => n.name),
    sameNodes: l.sorted,
    index: [...l.indexByName].sort(),
    domains: l.domains,
    domainOf: [...l.domainOf],
    ranges: [...l.ranges],
    extraNames: [...l.extraNames].sort(),
  };
}

function rowFacts(r: NodeRows) {
  return Object.fromEntries(rowFields.map((f) => [f, [...r[f]]]));
}

/** The base of a snapshot as the cache gives it, and built from nothing. */
function bothWays(snap: ClusterSnapshot) {
  const names = (l: NodeLineage) => new ResourceSpace([...l.extraNames, GPU]);
  const derived = nodeLineageOf(snap.nodes, snap.domains, snap.nodeChanges);
  const derivedRows = nodeRowsOf(derived, names(derived));
  const fresh = freshNodeLineage([...snap.nodes], [...snap.domains]);
  const freshRows = nodeRowsOf(fresh, names(fresh));
  // the cycle's own list again: cached, and the most recent base for the next step to derive from
  t.equal(nodeLineageOf(snap.nodes, snap.domains), derived);
  return { derived, derivedRows, fresh, freshRows };
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  t.test(`derived node bases equal fresh ones (seed ${seed})`, async (t) => {
    const rnd = random(seed);
    const store = new SnapshotStore();
    const withDomains = seed % 3 !== 0;
    const domainOf = (i: number) => (withDomains && (seed % 2 === 0 || i % 4 !== 0) ? `d${i % 3}` : undefined);
    let count = 20 + Math.floor(rnd() * 30);
    for (let i = 0; i < count; i++) store.upsertNode(randomNode(rnd, `n${String(i).padStart(3, '0')}`, domainOf(i)));
    let derivedSteps = 0;
    for (let step = 0; step < 60; step++) {
      const r = rnd();
      if (r < 0.7) {
        // replace a few nodes in place (the common case: usage changed)
        for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
          const i = Math.floor(rnd() * count);
          store.upsertNode(randomNode(rnd, `n${String(i).padStart(3, '0')}`, domainOf(i)));
        }
      } else if (r < 0.8) {
        store.upsertNode(randomNode(rnd, `n${String(count).padStart(3, '0')}`, domainOf(count)));
        count++;
      } else if (r < 0.87) {
        store.removeNode(`n${String(Math.floor(rnd() * count)).padStart(3, '0')}`);
      } else if (r < 0.94) {
        store.upsertDomain({ name: `d${Math.floor(rnd() * 4)}`, ready: rnd() < 0.5, labels: { step: String(step) } });
      }
      // else: nothing changed; the very same lists come back
      const before = store.snapshot();
      const { derived, derivedRows, fresh, freshRows } = bothWays(before);
      if (derived.changed !== undefined || derived.sorted === before.nodes) derivedSteps++;
      t.same(lineageFacts(derived), lineageFacts(fresh), `step ${step}: lineage`);
      t.strictSame(rowFacts(derivedRows), rowFacts(freshRows), `step ${step}: rows`);
    }
    t.ok(derivedSteps > 30, `most steps were derived or cached (${derivedSteps})`);
  });
}

t.test('a cycle over a derived base decides what a cycle over a fresh one decides', async (t) => {
  const rnd = random(42);
  const store = new SnapshotStore();
  for (let i = 0; i < 40; i++) store.upsertNode(randomNode(rnd, `n${String(i).padStart(2, '0')}`, `d${i % 4}`));
  store.upsertQueue({ name: 'default', weight: 1, reclaimable: true, creationTimestamp: T0 });
  const clock = new ManualClock(T0);
  const request = ResourceVector.fromAmounts({ cpu: 1000, memory: 2 ** 30 });
  for (let step = 0; step < 30; step++) {
    for (let k = 0; k < 3; k++) {
      const i = Math.floor(rnd() * 40);
      store.upsertNode(randomNode(rnd, `n${String(i).padStart(2, '0')}`, `d${i % 4}`));
    }
    const id = `ns/job-${step}`;
    store.upsertJob({
      id, name: `job-${step}`, namespace: 'ns', queue: 'default', minMember: 4, creationTimestamp: T0 + step,
      tasks: Array.from({ length: 4 }, (_, k) => ({
        id: `${id}-${k}`, name: `w-${k}`, status: 'Pending' as const, request,
        ...(step % 2 === 0 ? { nodeSelector: { zone: 'a' } } : {}),
      })),
    });
    const snap = store.snapshot();
    // the warm cycle reuses the node objects of the previous cycle (labels, taints and
    // schedulability of replaced nodes must follow), the cold one starts from nothing
    const warm = runCycle({ snapshot: snap, clock });
    clearNodeBaseCache();
    const cold = runCycle({ snapshot: { ...snap, nodes: [...snap.nodes], domains: [...snap.domains] }, clock });
    t.strictSame(warm.decisions, cold.decisions, `step ${step}: decisions`);
    t.strictSame(warm.diagnostics, cold.diagnostics, `step ${step}: diagnostics`);
    nodeLineageOf(snap.nodes, snap.domains); // keep the warm chain going
    store.removeJob(id);
  }
  // the session sees the same totals either way
  const snap = store.snapshot();
  const a = new Session({ snapshot: snap, config: defaultSchedulerConfig(), clock, registry: defaultRegistry });
  clearNodeBaseCache();
  const b = new Session({ snapshot: { ...snap, nodes: [...snap.nodes] }, config: defaultSchedulerConfig(), clock, registry: defaultRegistry });
  t.strictSame([...a.totalUsed], [...b.totalUsed]);
  t.strictSame(a.domains.map((d) => [d.name, d.nodeStart, d.nodeEnd, [...d.used]]), b.domains.map((d) => [d.name, d.nodeStart, d.nodeEnd, [...d.used]]));
});

t.test('node objects handed from one session to the next show each node as the new list has it', async (t) => {
  clearNodeBaseCache();
  const clock = new ManualClock(T0);
  const config = defaultSchedulerConfig();
  const store = new SnapshotStore();
  const plain = (name: string): NodeSnapshot => ({ name, allocatable: ResourceVector.fromAmounts({ cpu: 4000, memory: 2 ** 33 }), labels: { zone: 'b' } });
  for (const n of ['n1', 'n2', 'n3', 'n4']) store.upsertNode(plain(n));
  const session = () => new Session({ snapshot: store.snapshot(), config, clock, registry: defaultRegistry });
  const view = (s: Session) => Object.fromEntries(s.nodes.map((n) => [n.name, { zone: n.labels.zone, taints: n.taints.length, unschedulable: n.unschedulable }]));

  store.upsertQueue({ name: 'default', weight: 1, reclaimable: true, creationTimestamp: T0 });
  store.upsertJob({
    id: 'ns/running', name: 'running', namespace: 'ns', queue: 'default', minMember: 1, creationTimestamp: T0,
    tasks: [{ id: 'ns/running-0', name: 'w-0', status: 'Running', node: 'n1', request: ResourceVector.fromAmounts({ cpu: 1000 }) }],
  });
  const first = session();
  const objects = [...first.nodes];
  t.equal(first.nodes.find((n) => n.name === 'n1')?.tasks.length, 1, 'the running task is counted on its node');
  first.release();
  store.removeJob('ns/running');

  // one node replaced (new labels): the next session reuses the objects and refreshes that one
  store.upsertNode({ ...plain('n2'), labels: { zone: 'a' } });
  const second = session();
  t.ok(second.nodes.every((n, i) => n === objects[i]), 'the node objects were handed on');
  t.ok(second.nodes.every((n) => n.tasks.length === 0), 'with no task of the earlier session left on them');
  t.same(view(second), {
    n1: { zone: 'b', taints: 0, unschedulable: false }, n2: { zone: 'a', taints: 0, unschedulable: false },
    n3: { zone: 'b', taints: 0, unschedulable: false }, n4: { zone: 'b', taints: 0, unschedulable: false },
  });
  second.release();

  // two lists derived one after the other with no session between them, then a session
  store.upsertNode({ ...plain('n3'), unschedulable: true });
  nodeLineageOf(store.snapshot().nodes, store.snapshot().domains);
  store.upsertNode({ ...plain('n4'), taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] });
  const third = session();
  t.same(view(third), {
    n1: { zone: 'b', taints: 0, unschedulable: false }, n2: { zone: 'a', taints: 0, unschedulable: false },
    n3: { zone: 'b', taints: 0, unschedulable: true }, n4: { zone: 'b', taints: 1, unschedulable: false },
  }, 'every change since the objects were last refreshed shows');
  third.release();

  // the very same list again: nothing to refresh, everything as before
  const fourth = session();
  t.same(view(fourth), view(third));
  fourth.release();
});
