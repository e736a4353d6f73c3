/**
 * What a simulated pod does once it runs, read from its annotations:
 * - `sim.caldera.dev/duration`: how long each run of its containers lasts: `500ms`, `30s`, `1m30s`,
 *   a plain number of seconds, or `forever` (also `inf`, `-1`): runs until deleted;
 * - `sim.caldera.dev/exit-code`: the exit code of each run, or a comma list for successive runs
 *   (`1,1,0`: fails twice, then succeeds; the last code repeats).
 * Missing or unreadable annotations fall back to the kubelet's defaults.
 */
export const DURATION_ANNOTATION = 'sim.caldera.dev/duration';
export const EXIT_CODE_ANNOTATION = 'sim.caldera.dev/exit-code';

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, `Infinity` for forever, `undefined` when the text is not a duration. */
export function parseSimDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (s === '') return undefined;
  if (/^(forever|inf|infinity|-1)$/i.test(s)) return Infinity;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    consumed = re.lastIndex;
  }
  return consumed === s.length && consumed > 0 ? total : undefined;
}

/** The exit code of run number `attempt` (0-based); `undefined` when the annotation is unreadable. */
export function exitCodeFor(text: string | undefined, attempt: number): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const codes = text.split(',').map((c) => Number(c.trim()));
  if (codes.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) return undefined;
  return codes[Math.min(attempt, codes.length - 1)];
}
