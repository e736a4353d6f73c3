// The scheduling core is pure: ESLint rejects I/O imports, await/async, Date.now, new Date() and
// Math.random inside shared/scheduling, and the real core lints clean.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });
const probePath = `${root}shared/scheduling/plugins/lint-probe.ts`;

const offending: { name: string; code: string; rule: string; message: RegExp }[] = [
  { name: 'a file-system import', code: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", rule: 'no-restricted-imports', message: /does no I\/O/ },
  { name: 'a Redis client import', code: "import { Redis } from 'ioredis';\nexport const x = Redis;\n", rule: 'no-restricted-imports', message: /does no I\/O/ },
  { name: 'an HTTP import', code: "import * as http from 'http';\nexport const x = http;\n", rule: 'no-restricted-imports', message: /does no I\/O/ },
  { name: 'an import of the gateway', code: "import { main } from '../../../gateway/main.js';\nexport const x = main;\n", rule: 'no-restricted-imports', message: /must not import gateway/ },
  { name: 'an async function', code: 'export async function f(): Promise<number> {\n  return 1;\n}\n', rule: 'no-restricted-syntax', message: /no async functions/ },
  { name: 'a top-level await', code: 'export const v = await Promise.resolve(1);\n', rule: 'no-restricted-syntax', message: /no await/ },
  { name: 'Date.now', code: 'export const now = Date.now();\n', rule: 'no-restricted-syntax', message: /not Date\.now/ },
  { name: 'new Date()', code: 'export const now = new Date();\n', rule: 'no-restricted-syntax', message: /not new Date\(\)/ },
  { name: 'Math.random', code: 'export const r = Math.random();\n', rule: 'no-restricted-syntax', message: /no Math\.random/ },
];

for (const c of offending) {
  t.test(`lint rejects ${c.name} in the scheduling core`, async (t) => {
    const [result] = await eslint.lintText(c.code, { filePath: probePath });
    const hits = (result?.messages ?? []).filter((m) => m.ruleId === c.rule);
    t.ok(hits.length > 0, `${c.rule} reported: ${JSON.stringify(result?.messages.map((m) => m.message))}`);
    t.match(hits[0]?.message, c.message);
  });
}

t.test('the same code is allowed outside the core (the rule is scoped to shared/scheduling)', async (t) => {
  const [result] = await eslint.lintText('export const now = Date.now();\n', { filePath: `${root}bench/lint-probe.ts` });
  t.same(result?.messages, []);
});

t.test('new Date(ms) from the cycle clock is allowed', async (t) => {
  const [result] = await eslint.lintText('export const at = (ms: number): string => new Date(ms).toISOString();\n', { filePath: probePath });
  t.same(result?.messages, []);
});

t.test('the real scheduling core lints clean', async (t) => {
  const results = await eslint.lintFiles(['shared/scheduling/**/*.ts']);
  t.ok(results.length >= 30, `linted ${results.length} files`);
  const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId ?? ''} ${m.message}`));
  t.same(problems, []);
});
