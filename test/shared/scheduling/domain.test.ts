// The gateway level: the domain plugin keeps a gang inside one member cluster and explains each
// cluster's refusal.
import t from 'tap';
import type { DomainSnapshot } from '../../../shared/scheduling/snapshot.js';
import { volcanoDefaultTiersWith } from '../../../shared/scheduling/config.js';
import { GPU, bindsOf, cycle, diagnosisOf, makeJob, makeNode, snapshotOf } from '../../support/scheduling-builders.js';

const GATEWAY = (strategy = 'pack') => volcanoDefaultTiersWith([{ name: 'domain', arguments: `{ domain.strategy: ${strategy} }` }]);

function cluster(name: string, nodes: number, gpus: number, opts: { used?: number } = {}) {
  return Array.from({ length: nodes }, (_, i) => {
    const b = makeNode(`${name}-n${i}`).domain(name).cpu('16').memory('64Gi').gpu(gpus);
    if (i === 0 && opts.used !== undefined) b.otherUsed({ [GPU]: opts.used });
    return b.build();
  });
}

const gpuGang = (name: string, n: number) => makeJob(name).phase('Inqueue').tasks(n, { cpu: '1', [GPU]: 1 });

function domainsOf(r: ReturnType<typeof cycle>): Set<string | undefined> {
  return new Set(r.decisions.filter((d) => d.type === 'bind').map((d) => d.domain));
}

t.test('a gang that fits only across two clusters binds nothing, and each cluster says why', async (t) => {
  const r = cycle(snapshotOf({ nodes: [...cluster('east', 2, 1), ...cluster('west', 2, 1)], jobs: [gpuGang('g', 4)] }), { config: GATEWAY() });
  t.same(bindsOf(r), []);
  const d = diagnosisOf(r, 'default/g');
  t.same(d?.domains.map((x) => [x.domain, x.message]), [
    ['east', '0/2 nodes are available: 2 Insufficient nvidia.com/gpu'],
    ['west', '0/2 nodes are available: 2 Insufficient nvidia.com/gpu'],
  ]);
  t.equal(d?.message, '4/4 tasks in gang unschedulable: east, west: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu');
  t.same(d?.domains.map((x) => [x.domain, x.fittingPods, x.neededPods]), [['east', 2, 4], ['west', 2, 4]], 'each cluster says how many of the 4 pods would fit');
});

t.test('a gang binds whole inside the one cluster where it fits', async (t) => {
  const r = cycle(snapshotOf({ nodes: [...cluster('east', 2, 1), ...cluster('west', 4, 1)], jobs: [gpuGang('g', 4)] }), { config: GATEWAY() });
  t.equal(bindsOf(r).length, 4);
  t.same([...domainsOf(r)], ['west']);
});

t.test('many gangs: none is ever split across clusters', async (t) => {
  const jobs = Array.from({ length: 12 }, (_, i) => gpuGang(`g${i}`, 3).created(i));
  const r = cycle(snapshotOf({ nodes: [...cluster('a', 3, 2), ...cluster('b', 3, 2), ...cluster('c', 2, 1)], jobs }), { config: GATEWAY() });
  const byJob = new Map<string, Set<string | undefined>>();
  for (const d of r.decisions) if (d.type === 'bind') byJob.set(d.job, (byJob.get(d.job) ?? new Set()).add(d.domain));
  t.ok(byJob.size >= 4);
  for (const [job, domains] of byJob) t.equal(domains.size, 1, `${job} stays in one cluster`);
  for (const [job, domains] of byJob) t.notOk(domains.has(undefined), `${job} binds carry the domain`);
});

t.test('pack fills the fuller cluster first; spread picks the emptier one', async (t) => {
  const snapshot = snapshotOf({ nodes: [...cluster('busy', 2, 4, { used: 2 }), ...cluster('idle', 2, 4)], jobs: [gpuGang('g', 2)] });
  t.same([...domainsOf(cycle(snapshot, { config: GATEWAY('pack') }))], ['busy']);
  t.same([...domainsOf(cycle(snapshot, { config: GATEWAY('spread') }))], ['idle']);
});

t.test('caldera.dev/clusters, readiness, cordons and caldera.dev/cluster-selector refuse clusters, each with its reason', async (t) => {
  const domains: DomainSnapshot[] = [
    { name: 'a', labels: { region: 'eu' } },
    { name: 'b', labels: { region: 'us' } },
    { name: 'c', labels: { region: 'eu' }, ready: false },
    { name: 'd', labels: { region: 'eu' }, cordoned: true },
    { name: 'e', labels: { region: 'eu', gpu: 'h100' } },
  ];
  const nodes = ['a', 'b', 'c', 'd', 'e'].flatMap((n) => cluster(n, 1, 1));
  const listed = cycle(snapshotOf({ nodes, domains, jobs: [gpuGang('g', 1).annotation('caldera.dev/clusters', 'b, c')] }), { config: GATEWAY() });
  t.same([...domainsOf(listed)], ['b']);

  const selected = cycle(snapshotOf({ nodes, domains, jobs: [gpuGang('g', 2).annotation('caldera.dev/cluster-selector', 'region=eu,gpu')] }), { config: GATEWAY() });
  t.same(bindsOf(selected), []);
  const why = diagnosisOf(selected, 'default/g')!;
  t.same(Object.fromEntries(why.domains.map((d) => [d.domain, d.refused ?? d.message])), {
    a: 'labels do not match caldera.dev/cluster-selector "region=eu,gpu"',
    b: 'labels do not match caldera.dev/cluster-selector "region=eu,gpu"',
    c: 'cluster is not ready',
    d: 'cluster is cordoned',
    e: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu',
  });
  t.match(why.message, /^2\/2 tasks in gang unschedulable: a, b: labels do not match .*; c: cluster is not ready; d: cluster is cordoned; e: 0\/1 nodes are available: 1 Insufficient nvidia.com\/gpu$/);
});

t.test('an invalid cluster selector refuses every cluster with the parse error', async (t) => {
  const r = cycle(snapshotOf({ nodes: cluster('a', 1, 1), jobs: [gpuGang('g', 1).annotation('caldera.dev/cluster-selector', 'region in (eu')] }), { config: GATEWAY() });
  t.same(bindsOf(r), []);
  t.match(diagnosisOf(r, 'default/g')?.domains[0]?.refused, /^invalid caldera.dev\/cluster-selector: /);
});

t.test('a job already running in a cluster places its remaining tasks there only', async (t) => {
  const job = makeJob('elastic').phase('Running').minMember(1).placed('Running', 'small-n0', { cpu: '1', [GPU]: 1 }).tasks(2, { cpu: '1', [GPU]: 1 });
  const r = cycle(snapshotOf({ nodes: [...cluster('small', 2, 1), ...cluster('large', 4, 1)], jobs: [job] }), { config: GATEWAY() });
  t.same(bindsOf(r), ['default/elastic/worker-1->small-n1']);
});

t.test('no new tasks go to a cluster that became not ready, even for a job already running there', async (t) => {
  // minMember 2 with one task running: the gang is short of one task
  const job = makeJob('short').phase('Running').minMember(2).placed('Running', 'small-n0', { cpu: '1', [GPU]: 1 }).tasks(1, { cpu: '1', [GPU]: 1 });
  const r = cycle(snapshotOf({
    nodes: [...cluster('small', 2, 1), ...cluster('large', 4, 1)],
    domains: [{ name: 'small', ready: false }, { name: 'large' }],
    jobs: [job],
  }), { config: GATEWAY() });
  t.same(bindsOf(r), []);
  t.same(diagnosisOf(r, 'default/short')?.domains.map((d) => [d.domain, d.refused]), [
    ['large', 'gang already placed in cluster small'],
    ['small', 'cluster is not ready'],
  ]);
});

t.test('without the domain plugin the same nodes are one pool (the agent level)', async (t) => {
  const r = cycle(snapshotOf({ nodes: [...cluster('east', 2, 1), ...cluster('west', 2, 1)], jobs: [gpuGang('g', 4)] }));
  t.equal(bindsOf(r).length, 4);
});
