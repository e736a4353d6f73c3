/**
 * Go `time.Duration` strings as Volcano's API carries them (`30s`, `1m30s`, `1.5h`, `300ms`).
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds in a Go duration string, or undefined when the text is not one. */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  let s = text.trim();
  if (s === '') return undefined;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;
  let total = 0;
  let matched = false;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    s = s.slice(m[0].length);
    matched = true;
  }
  return matched && Number.isFinite(total) ? sign * total : undefined;
}

/** Formats milliseconds the way Go prints a Duration (`1h2m3.5s`, `250ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? '-' : ''}${trimNumber(rest)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const secs = trimNumber(rest / 1000);
  let out = '';
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${secs}s`;
  return (neg ? '-' : '') + out;
}

function trimNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
