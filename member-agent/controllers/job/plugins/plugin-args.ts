/**
 * Job-plugin arguments, written Go-flag style: `--key=value`, `-key=value`, `--key value`, or a bare
 * `--flag` for a boolean. Unknown keys are kept and ignored by the plugin that reads them.
 */
export class PluginArgs {
  private readonly values = new Map<string, string>();

  constructor(args: readonly string[] = []) {
    for (let i = 0; i < args.length; i++) {
      const raw = (args[i] ?? '').trim();
      if (!raw.startsWith('-')) continue;
      const body = raw.replace(/^--?/, '');
      const eq = body.indexOf('=');
      if (eq >= 0) {
        this.values.set(body.slice(0, eq), body.slice(eq + 1));
      } else {
        const next = args[i + 1];
        if (next !== undefined && !next.startsWith('-') && !isBoolWord(next)) {
          this.values.set(body, next);
          i++;
        } else {
          this.values.set(body, 'true');
        }
      }
    }
  }

  string(key: string, fallback: string): string {
    const v = this.values.get(key);
    return v === undefined || v === '' ? fallback : v;
  }

  int(key: string, fallback: number): number {
    const v = this.values.get(key);
    if (v === undefined) return fallback;
    const n = Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : fallback;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.values.get(key);
    if (v === undefined) return fallback;
    return v === '' || /^(1|t|true)$/i.test(v);
  }
}

function isBoolWord(s: string): boolean {
  return /^(true|false)$/i.test(s);
}
