import t from 'tap';
import {
  Quantity,
  QuantityError,
  formatQuantity,
  isValidQuantity,
  parseQuantity,
} from '../../../shared/resources/quantity.js';

interface ParseCase {
  input: string | number;
  wantMilli: number | 'too large';
  wantValue: number;
  wantText: string;
}

// Expected values follow Kubernetes' resource.Quantity: Value and MilliValue round up in
// magnitude, String prints the canonical form in the notation the quantity was written in.
const parseCases: ParseCase[] = [
  { input: '100m', wantMilli: 100, wantValue: 1, wantText: '100m' },
  { input: '0.5', wantMilli: 500, wantValue: 1, wantText: '500m' },
  { input: '1', wantMilli: 1000, wantValue: 1, wantText: '1' },
  { input: '1000m', wantMilli: 1000, wantValue: 1, wantText: '1' },
  { input: '1500m', wantMilli: 1500, wantValue: 2, wantText: '1500m' },
  { input: '1Gi', wantMilli: 1073741824000, wantValue: 1073741824, wantText: '1Gi' },
  { input: '1G', wantMilli: 1e12, wantValue: 1e9, wantText: '1G' },
  { input: '1k', wantMilli: 1e6, wantValue: 1000, wantText: '1k' },
  { input: '1e3', wantMilli: 1e6, wantValue: 1000, wantText: '1e3' },
  { input: '1E3', wantMilli: 1e6, wantValue: 1000, wantText: '1e3' },
  { input: '1e+3', wantMilli: 1e6, wantValue: 1000, wantText: '1e3' },
  { input: '12e6', wantMilli: 12e9, wantValue: 12e6, wantText: '12e6' },
  { input: '1.5e3', wantMilli: 1.5e6, wantValue: 1500, wantText: '1500' },
  { input: '1e-3', wantMilli: 1, wantValue: 1, wantText: '1e-3' },
  { input: '1.5Ki', wantMilli: 1536000, wantValue: 1536, wantText: '1536' },
  { input: '2048Mi', wantMilli: 2147483648000, wantValue: 2147483648, wantText: '2Gi' },
  { input: '1.5Gi', wantMilli: 1610612736000, wantValue: 1610612736, wantText: '1536Mi' },
  { input: '0.5Ki', wantMilli: 512000, wantValue: 512, wantText: '512' },
  { input: '1.1Ki', wantMilli: 1126400, wantValue: 1127, wantText: '1126400m' },
  { input: '0.1m', wantMilli: 1, wantValue: 1, wantText: '100u' },
  { input: '1n', wantMilli: 1, wantValue: 1, wantText: '1n' },
  { input: '0.1n', wantMilli: 1, wantValue: 1, wantText: '1n' },
  { input: '1u', wantMilli: 1, wantValue: 1, wantText: '1u' },
  { input: '-1', wantMilli: -1000, wantValue: -1, wantText: '-1' },
  { input: '-1.5', wantMilli: -1500, wantValue: -2, wantText: '-1500m' },
  { input: '-0.1m', wantMilli: -1, wantValue: -1, wantText: '-100u' },
  { input: '+2', wantMilli: 2000, wantValue: 2, wantText: '2' },
  { input: '007', wantMilli: 7000, wantValue: 7, wantText: '7' },
  { input: '.5', wantMilli: 500, wantValue: 1, wantText: '500m' },
  { input: '5.', wantMilli: 5000, wantValue: 5, wantText: '5' },
  { input: '0', wantMilli: 0, wantValue: 0, wantText: '0' },
  { input: '0Gi', wantMilli: 0, wantValue: 0, wantText: '0' },
  { input: '1.000000001', wantMilli: 1001, wantValue: 2, wantText: '1000000001n' },
  { input: '1.0000000001', wantMilli: 1001, wantValue: 2, wantText: '1000000001n' },
  { input: '0.0000000015', wantMilli: 1, wantValue: 1, wantText: '2n' },
  { input: 4, wantMilli: 4000, wantValue: 4, wantText: '4' },
  { input: 0.5, wantMilli: 500, wantValue: 1, wantText: '500m' },
  { input: '7Pi', wantMilli: 'too large', wantValue: 7881299347898368, wantText: '7Pi' },
  { input: '9007199254740991', wantMilli: 'too large', wantValue: Number.MAX_SAFE_INTEGER, wantText: '9007199254740991' },
  { input: '9007199254740m', wantMilli: 9007199254740, wantValue: 9007199255, wantText: '9007199254740m' },
];

t.test('quantities parse to Kubernetes values and print in canonical form', async (t) => {
  for (const c of parseCases) {
    const q = parseQuantity(c.input);
    t.equal(q.value(), c.wantValue, `${c.input} value`);
    if (c.wantMilli === 'too large') {
      t.throws(() => q.milliValue(), QuantityError, `${c.input} milliValue does not fit a safe integer`);
    } else {
      t.equal(q.milliValue(), c.wantMilli, `${c.input} milliValue`);
    }
    t.equal(q.toString(), c.wantText, `${c.input} prints as ${c.wantText}`);
    t.equal(JSON.stringify(q), JSON.stringify(c.wantText), `${c.input} serialises to its canonical text`);
  }
});

t.test('canonical text parses back to the same exact value and the same text', async (t) => {
  for (const c of parseCases) {
    const q = parseQuantity(c.input);
    const again = parseQuantity(q.toString());
    t.ok(again.equals(q), `${c.input} → ${q.toString()} keeps its value`);
    t.equal(again.toString(), q.toString(), `${q.toString()} is a fixed point`);
  }
});

t.test('sign, format and comparison', async (t) => {
  t.equal(parseQuantity('-1').sign(), -1);
  t.equal(parseQuantity('0').sign(), 0);
  t.equal(parseQuantity('-0').sign(), 0);
  t.equal(parseQuantity('1n').sign(), 1);
  t.equal(parseQuantity('1Ki').format, 'BinarySI');
  t.equal(parseQuantity('0.5Ki').format, 'BinarySI');
  t.equal(parseQuantity('0.5Mi').toString(), '512Ki');
  t.equal(parseQuantity('1e3').format, 'DecimalExponent');
  t.equal(parseQuantity('1k').format, 'DecimalSI');
  t.equal(parseQuantity('1Ki').cmp(parseQuantity('1k')), 1);
  t.equal(parseQuantity('1000').cmp(parseQuantity('1k')), 0);
  t.ok(parseQuantity('1000').equals(parseQuantity('1e3')));
  t.equal(parseQuantity('1e3').nanoValue, 1_000_000_000_000n);
});

t.test('values beyond the safe integer range are rejected with a QuantityError', async (t) => {
  for (const input of ['9007199254740992', '8Pi', '1E', '1Ei', '1e16', '1e100', '-9007199254740992', 1e21]) {
    t.throws(() => parseQuantity(input), { name: 'QuantityError', message: /larger than 9007199254740991/ }, `${input}`);
    t.notOk(isValidQuantity(input), `${input} is not valid`);
  }
  t.equal(parseQuantity('1e-100').toString(), '1e-9', 'a tiny positive value rounds up to one nano-unit');
  t.equal(parseQuantity('0e100').value(), 0, 'zero with a huge exponent is still zero');
});

t.test('malformed quantities are rejected and name the input', async (t) => {
  const invalid: unknown[] = [
    '1.2.3', '1Zi', '--1', '', ' 1', '1 ', '1 Gi', 'Gi', '1e', '0x10', '.', '-', '+', '1K', '1ki', '1mi',
    '1e3Ki', '1Ki3', '1e1.5', 'e3', '1\n', 'NaN', 'Infinity', '١',
  ];
  for (const input of invalid) {
    t.throws(
      () => parseQuantity(input as string),
      { name: 'QuantityError', message: new RegExp(`invalid quantity ${escapeRe(JSON.stringify(input))}`) },
      `${JSON.stringify(input)} is rejected`,
    );
    t.notOk(isValidQuantity(input), `isValidQuantity(${JSON.stringify(input)})`);
  }
  for (const input of [Number.NaN, Number.POSITIVE_INFINITY, null, undefined, {}, [], true, 1n]) {
    t.throws(() => parseQuantity(input as unknown as string), QuantityError, `${String(input)} is rejected`);
    t.notOk(isValidQuantity(input), `isValidQuantity(${String(input)})`);
  }
  for (const input of ['1', '100m', '1.5Gi', '1e3', 0.25, '+1', '5.']) {
    t.ok(isValidQuantity(input), `${String(input)} is valid`);
  }
});

t.test('QuantityError keeps the offending input', async (t) => {
  try {
    parseQuantity('1Zi');
    t.fail('should throw');
  } catch (err) {
    t.ok(err instanceof QuantityError);
    t.equal((err as QuantityError).input, '1Zi');
    t.match((err as QuantityError).message, /unknown suffix "Zi"/);
  }
});

t.test('formatQuantity prints vector amounts in each resource unit', async (t) => {
  t.equal(formatQuantity(1500, 'cpu'), '1500m');
  t.equal(formatQuantity(2000, 'cpu'), '2');
  t.equal(formatQuantity(0, 'cpu'), '0');
  t.equal(formatQuantity(1073741824, 'memory'), '1Gi');
  t.equal(formatQuantity(1_000_000_000, 'memory'), '1G');
  t.equal(formatQuantity(1536, 'memory'), '1536');
  t.equal(formatQuantity(3 * 1024 * 1024, 'hugepages-2Mi'), '3Mi');
  t.equal(formatQuantity(10 * 1024 ** 3, 'ephemeral-storage'), '10Gi');
  t.equal(formatQuantity(8, 'nvidia.com/gpu'), '8');
  t.equal(formatQuantity(110, 'pods'), '110');
  t.equal(formatQuantity(5000, 'pods'), '5k');
  t.throws(() => formatQuantity(1.5, 'cpu'), QuantityError);
  t.throws(() => formatQuantity(2 ** 53, 'memory'), QuantityError);
});

t.test('Quantity factories build exact values', async (t) => {
  t.equal(Quantity.fromMilli(250).toString(), '250m');
  t.equal(Quantity.fromValue(4096, 'BinarySI').toString(), '4Ki');
  t.equal(Quantity.fromValue(1000, 'DecimalExponent').toString(), '1e3');
  t.equal(Quantity.fromNano(1n).milliValue(), 1);
  t.ok(Quantity.fromNano(0n).isZero());
  t.notOk(Quantity.fromNano(1n).isZero());
  t.throws(() => Quantity.fromNano(10n ** 30n), { name: 'QuantityError', message: /outside the supported range/ });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
