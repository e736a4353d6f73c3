/**
 * `npm run bench [-- --quick] [-- name ...]`: runs each benchmark module in turn, prints its human
 * summary as it goes, and at the end one machine-readable JSON line per result (prefixed `BENCH `).
 * Every benchmark measures Caldera side by side with a baseline in the same run.
 */
import type { BenchModule, BenchResult } from './bench-result.js';

const modules: Record<string, () => Promise<BenchModule>> = {};

/** Registers the benchmark modules that exist; each is one file in bench/. */
async function load(): Promise<void> {
  const names = ['resource-vector', 'scheduling-cycle', 'sim-cluster', 'agent', 'gateway'];
  for (const name of names) {
    modules[name] = () => import(`./${name}.js`) as Promise<BenchModule>;
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const wanted = args.filter((a) => !a.startsWith('--'));
  await load();
  const results: BenchResult[] = [];
  let failed = 0;
  for (const [name, loader] of Object.entries(modules)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    let mod: BenchModule;
    try {
      mod = await loader();
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && wanted.length === 0) continue;
      throw err;
    }
    process.stdout.write(`\n=== ${name}${quick ? ' (quick)' : ''} ===\n`);
    try {
      results.push(await mod.run({ quick }));
    } catch (err) {
      failed++;
      process.stdout.write(`benchmark ${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    }
  }
  process.stdout.write('\n');
  for (const r of results) {
    const unmet = Object.entries(r.targets ?? {}).filter(([, t]) => !t.met).map(([k]) => k);
    process.stdout.write(`${r.name}: ${unmet.length === 0 ? 'all targets met' : `targets not met: ${unmet.join(', ')}`}\n`);
  }
  for (const r of results) process.stdout.write(`BENCH ${JSON.stringify(r)}\n`);
  return failed > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
