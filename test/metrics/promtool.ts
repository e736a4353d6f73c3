/**
 * Runs `promtool check metrics` on an exposition. promtool comes from the Debian package
 * `prometheus` (`.ci/run` installs it); `PROMTOOL` may point at another binary.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface LintProblem {
  metric: string;
  text: string;
}

export interface PromtoolResult {
  /** 0 clean, 3 lint problems, 1 unparsable input */
  code: number;
  problems: LintProblem[];
  output: string;
}

/** The promtool binary, or undefined when neither `PROMTOOL` nor PATH has one. */
export function findPromtool(): string | undefined {
  const candidates = process.env.PROMTOOL ? [process.env.PROMTOOL] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'promtool'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next candidate
    }
  }
  return undefined;
}

export const PROMTOOL_MISSING = 'promtool not found: install the Debian package `prometheus` (apt-get install -y --no-install-recommends prometheus) or set PROMTOOL';

export function checkMetrics(promtool: string, exposition: string): PromtoolResult {
  const r = spawnSync(promtool, ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const problems: LintProblem[] = [];
  for (const line of output.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line.trim());
    if (m) problems.push({ metric: m[1]!, text: m[2]! });
  }
  return { code: r.status ?? -1, problems, output };
}
