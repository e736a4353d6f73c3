import t from 'tap';
import { QuantityError, parseQuantity } from '../../../shared/resources/quantity.js';
import { ResourceVector, ResourceVectorError, amountOf } from '../../../shared/resources/resource-vector.js';
import { seededRandom as seeded } from '../../support/seeded-random.js';

const GPU = 'nvidia.com/gpu';
const GiB = 1024 ** 3;

const v = (rec: Record<string, string | number>): ResourceVector => ResourceVector.fromQuantities(rec);

t.test('amountOf counts cpu in milli-cores, byte resources in bytes, the rest in whole units rounded up', async (t) => {
  t.equal(amountOf('cpu', '100m'), 100);
  t.equal(amountOf('cpu', 2), 2000);
  t.equal(amountOf('cpu', '0.1m'), 1);
  t.equal(amountOf('memory', '1Gi'), GiB);
  t.equal(amountOf('memory', '1.5'), 2);
  t.equal(amountOf('ephemeral-storage', '10G'), 10e9);
  t.equal(amountOf('hugepages-2Mi', '4Mi'), 4 * 1024 * 1024);
  t.equal(amountOf(GPU, '1'), 1);
  t.equal(amountOf(GPU, '500m'), 1);
  t.equal(amountOf('pods', '1e2'), 100);
  t.equal(amountOf('cpu', parseQuantity('250m')), 250);
  t.throws(() => amountOf('cpu', '1Zi'), QuantityError);
});

t.test('construction from quantities and amounts, get, names and has', async (t) => {
  const a = v({ cpu: '1500m', memory: '2Gi', [GPU]: 2, 'example.com/fpga': '0' });
  t.equal(a.cpu, 1500);
  t.equal(a.memory, 2 * GiB);
  t.equal(a.get('cpu'), 1500);
  t.equal(a.get(GPU), 2);
  t.equal(a.get('pods'), 0, 'an absent dimension reads as 0');
  t.same(a.names(), ['cpu', 'memory', 'example.com/fpga', GPU], 'cpu, memory, then the others sorted');
  t.ok(a.has('example.com/fpga'), 'a given zero is a dimension');
  t.notOk(a.has('pods'));
  t.same(a.toAmounts(), { cpu: 1500, memory: 2 * GiB, 'example.com/fpga': 0, [GPU]: 2 });
  t.same(a.toQuantities(), { cpu: '1500m', memory: '2Gi', 'example.com/fpga': '0', [GPU]: '2' });
  t.equal(a.toString(), 'cpu=1500m memory=2Gi example.com/fpga=0 nvidia.com/gpu=2');
  t.equal(JSON.stringify(a), JSON.stringify(a.toQuantities()));
  t.ok(ResourceVector.fromQuantities(a.toQuantities()).equals(a), 'quantities round-trip');
  t.ok(ResourceVector.fromAmounts(a.toAmounts()).equals(a), 'amounts round-trip');

  const e = ResourceVector.empty();
  t.ok(e.isZero());
  t.same(e.names(), []);
  t.equal(e.toString(), '<empty>');
  t.ok(v({ cpu: 0 }).has('cpu'));
  t.notOk(e.has('cpu'));

  t.throws(() => ResourceVector.fromAmounts({ cpu: -1 }), ResourceVectorError);
  t.throws(() => ResourceVector.fromAmounts({ cpu: 1.5 }), ResourceVectorError);
  t.throws(() => ResourceVector.fromAmounts({ [GPU]: Number.NaN }), ResourceVectorError);
  t.throws(() => v({ cpu: '-1' }), QuantityError, 'negative quantities are not resource amounts');
  t.throws(() => v({ memory: '1 Gi' }), QuantityError);
});

t.test('with sets one dimension and leaves the original untouched', async (t) => {
  const a = v({ cpu: 1, [GPU]: 1 });
  const b = a.with(GPU, 4).with('memory', 10).with('pods', 3).with('cpu', 500);
  t.same(b.toAmounts(), { cpu: 500, memory: 10, [GPU]: 4, pods: 3 });
  t.same(a.toAmounts(), { cpu: 1000, [GPU]: 1 });
  t.throws(() => a.with('cpu', -1), ResourceVectorError);
});

t.test('add and sub work per dimension over the union of names', async (t) => {
  const a = v({ cpu: 2, memory: '4Gi', [GPU]: 1 });
  const b = v({ cpu: '500m', pods: 1 });
  const sum = a.add(b);
  t.same(sum.toAmounts(), { cpu: 2500, memory: 4 * GiB, [GPU]: 1, pods: 1 });
  t.same(sum.sub(b).toAmounts(), { cpu: 2000, memory: 4 * GiB, [GPU]: 1, pods: 0 });
  t.ok(sum.sub(b).equals(a), 'equality reads an absent dimension as 0');
  t.same(a.toAmounts(), { cpu: 2000, memory: 4 * GiB, [GPU]: 1 }, 'operands are not modified');
  t.ok(a.add(ResourceVector.empty()).equals(a));
  t.ok(ResourceVector.empty().add(a).equals(a));
});

t.test('sub throws when any dimension would go negative, including one absent from this', async (t) => {
  const node = v({ cpu: 4, memory: '8Gi' });
  t.throws(() => node.sub(v({ cpu: 5 })), { name: 'ResourceVectorError', message: /cannot subtract 5 of cpu from 4/ });
  t.throws(() => node.sub(v({ memory: '9Gi' })), { message: /cannot subtract 9Gi of memory from 8Gi/ });
  t.throws(() => node.sub(v({ [GPU]: 1 })), { message: /cannot subtract 1 of nvidia\.com\/gpu from 0/ });
  t.throws(() => v({ cpu: 1, [GPU]: 1 }).sub(v({ [GPU]: 2 })), ResourceVectorError);
  t.same(node.sub(v({ [GPU]: 0 })).toAmounts(), { cpu: 4000, memory: 8 * GiB, [GPU]: 0 });
});

t.test('subClamped and exceededPart floor every dimension at zero', async (t) => {
  const a = v({ cpu: 1, memory: '2Gi', [GPU]: 4 });
  const b = v({ cpu: 3, memory: '1Gi', pods: 2 });
  t.same(a.subClamped(b).toAmounts(), { cpu: 0, memory: GiB, [GPU]: 4, pods: 0 });
  t.same(a.exceededPart(b).toAmounts(), { cpu: 0, memory: GiB, [GPU]: 4, pods: 0 });
  t.ok(b.exceededPart(a).equals(v({ cpu: 2, pods: 2 })));
});

t.test('fits compares every dimension and reads a dimension missing from the other as 0', async (t) => {
  const node = v({ cpu: 4, memory: '8Gi', pods: 110, 'hugepages-2Mi': 0 });
  t.ok(v({ cpu: 4, memory: '8Gi' }).fits(node), 'exactly full fits');
  t.notOk(v({ cpu: '4001m' }).fits(node), 'one milli-core too many');
  t.notOk(v({ memory: 8 * GiB + 1 }).fits(node), 'one byte too many');
  t.notOk(v({ cpu: 1, [GPU]: 1 }).fits(node), 'a gpu on a node without gpus');
  t.ok(v({ cpu: 1, [GPU]: 0 }).fits(node), 'asking for zero gpus fits anywhere');
  t.ok(v({ pods: 1 }).fits(node));
  t.notOk(v({ pods: 111 }).fits(node));
  t.notOk(v({ 'hugepages-2Mi': '2Mi' }).fits(node));
  t.ok(ResourceVector.empty().fits(ResourceVector.empty()));
  t.notOk(v({ cpu: 1 }).fits(ResourceVector.empty()));
  const gpuNode = v({ cpu: 8, memory: '8Gi', [GPU]: 2 });
  t.ok(v({ cpu: 1, [GPU]: 2 }).fits(gpuNode), 'same extended names');
  t.notOk(v({ cpu: 1, [GPU]: 3 }).fits(gpuNode));
  t.ok(v({ cpu: 1, 'a.example/x': 0, [GPU]: 1 }).fits(gpuNode), 'different extended names walked together');
  t.notOk(v({ 'z.example/x': 1, [GPU]: 1 }).fits(gpuNode));
});

t.test('lessEqual reads an absent dimension as zero or as unlimited, but a given zero as zero', async (t) => {
  const capability = v({ cpu: 10, [GPU]: 0 }); // no memory limit given, gpus explicitly none
  t.ok(v({ cpu: 10, memory: '1Ti' }).lessEqual(capability, { missing: 'infinity' }));
  t.notOk(v({ cpu: 10, memory: '1Ti' }).lessEqual(capability, { missing: 'zero' }));
  t.notOk(v({ cpu: 11 }).lessEqual(capability, { missing: 'infinity' }));
  t.notOk(v({ [GPU]: 1 }).lessEqual(capability, { missing: 'infinity' }), 'gpu: 0 means none');
  t.ok(v({ pods: 5 }).lessEqual(capability, { missing: 'infinity' }));
  t.notOk(v({ pods: 5 }).lessEqual(capability, { missing: 'zero' }));
  const noCpu = v({ memory: '1Gi' });
  t.ok(v({ cpu: 100 }).lessEqual(noCpu, { missing: 'infinity' }), 'absent cpu is unlimited');
  t.notOk(v({ cpu: 100 }).lessEqual(v({ cpu: 0 }), { missing: 'infinity' }), 'a given cpu: 0 is not');
});

t.test('min, max and scale', async (t) => {
  const a = v({ cpu: 1, memory: '4Gi', [GPU]: 2 });
  const b = v({ cpu: 3, memory: '1Gi', pods: 5 });
  t.same(a.max(b).toAmounts(), { cpu: 3000, memory: 4 * GiB, [GPU]: 2, pods: 5 });
  t.same(a.min(b).toAmounts(), { cpu: 1000, memory: GiB, [GPU]: 0, pods: 0 });
  const c = v({ cpu: '333m', [GPU]: 3 });
  t.same(c.scale(0.5).toAmounts(), { cpu: 166, [GPU]: 1 }, 'rounds down by default');
  t.same(c.scale(0.5, { rounding: 'ceil' }).toAmounts(), { cpu: 167, [GPU]: 2 });
  t.same(c.scale(0.5, { rounding: 'round' }).toAmounts(), { cpu: 167, [GPU]: 2 });
  t.same(c.scale(3).toAmounts(), { cpu: 999, [GPU]: 9 });
  t.ok(c.scale(0).isZero());
  t.throws(() => c.scale(-1), ResourceVectorError);
  t.throws(() => c.scale(Number.POSITIVE_INFINITY), ResourceVectorError);
  t.throws(() => v({ memory: '4Pi' }).scale(4), { message: /memory exceeds/ });
});

t.test('add refuses to leave the safe integer range', async (t) => {
  const big = ResourceVector.fromAmounts({ memory: Number.MAX_SAFE_INTEGER, [GPU]: Number.MAX_SAFE_INTEGER });
  t.throws(() => big.add(v({ memory: 1 })), { message: /memory exceeds/ });
  t.throws(() => big.add(v({ [GPU]: 1 })), { message: /nvidia\.com\/gpu exceeds/ });
  t.throws(() => ResourceVector.fromAmounts({ cpu: Number.MAX_SAFE_INTEGER }).add(v({ cpu: '1m' })), { message: /cpu exceeds/ });
});

t.test('isZero and equals', async (t) => {
  t.ok(v({ cpu: 0, [GPU]: 0 }).isZero());
  t.notOk(v({ [GPU]: 1 }).isZero());
  t.notOk(v({ memory: 1 }).isZero());
  t.ok(v({ cpu: 1, [GPU]: 0 }).equals(v({ cpu: 1 })));
  t.notOk(v({ cpu: 1, [GPU]: 1 }).equals(v({ cpu: 1 })));
  t.notOk(v({ cpu: 1 }).equals(v({ cpu: 1, [GPU]: 1 })));
  t.notOk(v({ cpu: 1, [GPU]: 1 }).equals(v({ cpu: 1, [GPU]: 2 })));
  t.notOk(v({ cpu: 1 }).equals(v({ cpu: 2 })));
  t.notOk(v({ memory: 1 }).equals(v({ memory: 2 })));
});

t.test('dominantShare takes the largest share, a zero total counting as full only when needed', async (t) => {
  const total = v({ cpu: 10, memory: '100Gi', [GPU]: 4, pods: 0 });
  t.equal(v({ cpu: 5, memory: '10Gi' }).dominantShare(total), 0.5);
  t.equal(v({ cpu: 1, memory: '80Gi' }).dominantShare(total), 0.8);
  t.equal(v({ cpu: 1, [GPU]: 3 }).dominantShare(total), 0.75);
  t.equal(v({ cpu: 1, 'example.com/fpga': 1 }).dominantShare(total), 1, 'needed but none in total');
  t.equal(v({ cpu: 1, pods: 0 }).dominantShare(total), 0.1, 'zero total and zero amount is ignored');
  t.equal(v({ cpu: 20 }).dominantShare(total), 2, 'over-use is not capped');
  t.equal(ResourceVector.empty().dominantShare(total), 0);
  t.equal(v({ cpu: 1 }).dominantShare(ResourceVector.empty()), 1);
  t.equal(v({ cpu: 5, [GPU]: 1 }).share('cpu', total), 0.5);
  t.equal(v({ cpu: 5, [GPU]: 1 }).share(GPU, total), 0.25);
  t.equal(v({ cpu: 5 }).share(GPU, total), 0);
  t.equal(v({ pods: 2 }).share('pods', total), 1);
  t.equal(v({ [GPU]: 2 }).share(GPU, 8), 0.25, 'a plain number total');
});


const NAMES = ['cpu', 'memory', 'pods', GPU, 'example.com/fpga', 'hugepages-1Gi'];

function randomVector(rand: () => number): ResourceVector {
  const rec: Record<string, number> = {};
  for (const name of NAMES) {
    const roll = rand();
    if (roll < 0.3) continue; // absent
    rec[name] = roll < 0.4 ? 0 : Math.floor(rand() * 1000) * (name === 'memory' ? GiB / 8 : 1);
  }
  return ResourceVector.fromAmounts(rec);
}

t.test('property: a.add(b).sub(b) equals a, and fits agrees with sub not throwing', async (t) => {
  const rand = seeded(20240611);
  let fitting = 0;
  for (let i = 0; i < 3000; i++) {
    const a = randomVector(rand);
    const b = randomVector(rand);
    const roundTrip = a.add(b).sub(b);
    if (!roundTrip.equals(a)) t.fail(`case ${i}: ${a} + ${b} - ${b} = ${roundTrip}`);

    let subOk = true;
    try {
      b.sub(a);
    } catch (err) {
      if (!(err instanceof ResourceVectorError)) throw err;
      subOk = false;
    }
    if (a.fits(b) !== subOk) t.fail(`case ${i}: ${a} fits ${b} is ${a.fits(b)} but ${b} - ${a} ${subOk ? 'succeeds' : 'throws'}`);
    if (subOk) {
      fitting++;
      if (!b.sub(a).add(a).equals(b)) t.fail(`case ${i}: ${b} - ${a} + ${a} differs`);
      if (!b.subClamped(a).equals(b.sub(a))) t.fail(`case ${i}: subClamped differs from sub when it fits`);
    }
    if (!a.fits(a.max(b)) || !a.min(b).fits(a)) t.fail(`case ${i}: min/max are not bounds`);
    if (a.lessEqual(b, { missing: 'zero' }) !== a.fits(b)) t.fail(`case ${i}: lessEqual zero differs from fits`);
  }
  t.ok(fitting > 100 && fitting < 2900, `both outcomes were exercised (${fitting} of 3000 fit)`);
});
