import t, { type Test } from 'tap';
import { StatusError } from '../../../shared/errors/status.js';
import { isKind, kindOf } from '../../../shared/manifest/kind-of.js';
import { parseManifests } from '../../../shared/manifest/parse.js';

/** The StatusError message thrown by `fn`, failing the test if nothing (or something else) is thrown. */
function syntaxMessage(t: Test, fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    t.ok(err instanceof StatusError, 'throws a StatusError');
    if (err instanceof StatusError) {
      t.equal(err.status.reason, 'BadRequest');
      t.equal(err.status.code, 400);
      return err.status.message;
    }
    return String(err);
  }
  t.fail('expected a syntax error');
  return '';
}

t.test('multi-document YAML yields each document and skips empty ones', async (t) => {
  const docs = parseManifests('# header\n---\na: 1\n---\n---\nb: [x, y]\n---\n# only a comment\n');
  t.same(docs, [{ a: 1 }, { b: ['x', 'y'] }]);
});

t.test('YAML keeps strings, numbers and quoted values as written', async (t) => {
  const [doc] = parseManifests('cpu: "1"\nmem: 2\nflag: yes\nempty:\nlist: [ "a", b ]  # trailing comment\n');
  t.same(doc, { cpu: '1', mem: 2, flag: 'yes', empty: null, list: ['a', 'b'] });
});

t.test('JSON bodies parse as JSON, including concatenated documents and a List', async (t) => {
  t.same(parseManifests('{"kind":"Job","spec":{"x":[1,2]}}', { contentType: 'application/json' }), [{ kind: 'Job', spec: { x: [1, 2] } }]);
  t.same(parseManifests('  {"a":1}\n{"b":2}'), [{ a: 1 }, { b: 2 }], 'sniffed JSON stream');
  t.same(parseManifests('{"apiVersion":"v1","kind":"List","items":[{"a":1},{"b":2}]}'), [{ a: 1 }, { b: 2 }]);
  t.same(parseManifests('a: 1', { contentType: 'application/yaml' }), [{ a: 1 }]);
});

t.test('a __proto__ key becomes an own property and pollutes nothing', async (t) => {
  const [y] = parseManifests('__proto__:\n  polluted: true\n');
  const [j] = parseManifests('{"__proto__": {"polluted": true}}');
  for (const doc of [y, j]) {
    t.ok(Object.hasOwn(doc as object, '__proto__'));
    t.equal(Object.getPrototypeOf(doc), Object.prototype);
  }
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

t.test('a JSON syntax error reports line and column', async (t) => {
  const msg = syntaxMessage(t, () => parseManifests('{\n  "a": 1,\n  "b": }\n', { contentType: 'application/json' }));
  t.match(msg, /^error parsing JSON: line 3, column 8: /);
  t.match(syntaxMessage(t, () => parseManifests('{"a": 1')), /line 1, column 8: unexpected end of JSON input/);
  t.match(syntaxMessage(t, () => parseManifests('{"a":1}\n{"b" 2}')), /JSON \(document 2\): line 2, column 6: expected ':'/);
  t.match(syntaxMessage(t, () => parseManifests('', { contentType: 'application/json' })), /line 1, column 1/);
});

t.test('a YAML syntax error reports line and column, and which document', async (t) => {
  const msg = syntaxMessage(t, () => parseManifests('a: 1\nb: [1, 2\nc: 3\n'));
  t.match(msg, /^error parsing YAML: line \d+, column \d+: /);
  t.match(syntaxMessage(t, () => parseManifests('a: 1\n  b: 2\n')), /line 1, column 4: Nested mappings/);
  t.match(syntaxMessage(t, () => parseManifests('ok: 1\n---\nkey: "open\n')), /YAML \(document 2\): line 4, column 1: Missing closing/);
  t.match(syntaxMessage(t, () => parseManifests('a: 1\na: 2\n')), /line 2, column 1: .*unique/i);
});

t.test('deeply nested input is refused with a position instead of overflowing the stack', async (t) => {
  t.match(syntaxMessage(t, () => parseManifests('['.repeat(100_000) + ']'.repeat(100_000))), /line 1, column 257: .*nested more than 256/);
  t.match(syntaxMessage(t, () => parseManifests(`x: ${'['.repeat(50_000)}`)), /YAML: line 1, column \d+: .*nested more than 256/);
  const blocks = Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
  t.match(syntaxMessage(t, () => parseManifests(blocks)), /YAML: line 257, column 257: .*nested/);
  t.same(parseManifests('['.repeat(200) + ']'.repeat(200), { maxDepth: 300 }).length, 1);
});

t.test('alias bombs are refused', async (t) => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
  t.match(syntaxMessage(t, () => parseManifests(bomb)), /error parsing YAML: .*alias/i);
});

t.test('kindOf tells apiVersion, kind, group and version', async (t) => {
  t.same(kindOf({ apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job' }), {
    apiVersion: 'batch.volcano.sh/v1alpha1',
    kind: 'Job',
    group: 'batch.volcano.sh',
    version: 'v1alpha1',
  });
  t.same(kindOf({ apiVersion: 'v1', kind: 'Pod' }), { apiVersion: 'v1', kind: 'Pod', group: '', version: 'v1' });
  t.equal(kindOf({ kind: 'Job' }), undefined);
  t.equal(kindOf({ apiVersion: 3, kind: 'Job' }), undefined);
  t.equal(kindOf(null), undefined);
  t.equal(kindOf(['Job']), undefined);
  t.equal(kindOf(Object.create({ apiVersion: 'v1', kind: 'Pod' })), undefined, 'inherited fields do not count');
  t.ok(isKind({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue' }, 'scheduling.volcano.sh/v1beta1', 'Queue'));
  t.notOk(isKind({ apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue' }, 'batch.volcano.sh/v1alpha1', 'Job'));
});
