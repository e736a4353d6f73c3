/**
 * `npm start` end to end: the built `caldera dev` brings up Redis, the gateway, three simulated
 * clusters and their agents as processes; a submitted example runs to Completed on a cluster; the
 * gateway's /metrics passes promtool; Ctrl-C (SIGINT) stops every process it started.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'bin', 'caldera.js');

/** Every live descendant of a process, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function caldera(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

t.test('caldera dev runs a submitted job to Completed, serves clean metrics, and Ctrl-C leaves no process behind', async (t) => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run "npm run build" first (npm ci does it)`);
  const dev = spawn(process.execPath, [bin, 'dev', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REDIS_URL: '' } });
  let output = '';
  dev.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const lines = createInterface({ input: dev.stdout });
  const gateway = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`caldera dev did not come up in 60s:\n${output}`)), 60_000);
    lines.on('line', (line) => {
      output += `${line}\n`;
      const m = /gateway (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    dev.once('exit', (code) => { clearTimeout(timer); reject(new Error(`caldera dev exited with ${code}:\n${output}`)); });
  });
  // If this file is stopped from outside (tap's timeout signal), ask dev to shut its processes down.
  const abandon = () => { if (dev.exitCode === null) dev.kill('SIGINT'); };
  process.once('exit', abandon);
  process.once('SIGALRM', () => { abandon(); process.exit(1); });
  t.teardown(abandon);
  t.match(output, /clusters: cpu \(20 nodes\), gpu \(10 nodes\), mixed \(30 nodes\)/);
  t.match(output, /npx caldera submit -f examples\/pytorch-job\.yaml/);

  const submitted = caldera(['submit', '-f', join(root, 'examples', 'pytorch-job.yaml'), '--wait', '--timeout', '90', '--server', gateway]);
  t.equal(submitted.code, 0, `submit --wait: ${submitted.out}${submitted.err}`);
  t.match(submitted.out, /job\.batch\.volcano\.sh\/pytorch-job created\njob\.batch\.volcano\.sh\/pytorch-job Completed\n/);

  const listed = caldera(['get', 'jobs', '--server', gateway]);
  t.equal(listed.code, 0);
  t.match(listed.out, /pytorch-job\s+Completed\s+3\s+\d+\s+default\s+(gpu|mixed)\s+/, 'the job shows the GPU cluster it ran on');

  const metrics = await (await fetch(`${gateway}/metrics`)).text();
  t.match(metrics, /caldera_placements_total\{cluster="(gpu|mixed)",result="[a-z]+"\} [1-9]/);
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  if (promtool.error) throw new Error('promtool is missing: apt-get install prometheus');
  t.equal(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`);

  const family = descendants(dev.pid!);
  t.ok(family.length >= 7, `dev started its processes (${family.length}): redis, gateway, 3 clusters, 3 agents`);
  const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
  dev.kill('SIGINT');
  const code = await exited;
  t.equal(code, 0, 'Ctrl-C is a clean exit');
  const survivors = family.filter(alive);
  t.same(survivors, [], 'no child process is left');
});
