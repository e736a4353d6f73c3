/** `caldera watch [jobs] [-A]`: prints a line each time a job changes, until interrupted. */
import { clientFrom, namespaceFrom, parseFlags, jobsPath, COMMON_HELP } from '../common-flags.js';
import { CALDERA_CLUSTER_ANNOTATION } from '../../shared/api/well-known.js';
import { field, str } from '../table.js';

export const WATCH_HELP = `Usage: caldera watch [jobs] [flags]

Stream job changes live: one line per change with the event, job, phase, running pods and cluster.
Stops on Ctrl-C.

Flags:
  -A, --all-namespaces  every namespace
${COMMON_HELP}`;

export async function watchCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s), signal?: AbortSignal): Promise<number> {
  const { values } = parseFlags(args, { 'all-namespaces': { type: 'boolean', short: 'A' } });
  if (values.help) { out(WATCH_HELP); return 0; }
  const client = clientFrom(values);
  const ns = values['all-namespaces'] ? undefined : namespaceFrom(values);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  signal?.addEventListener('abort', stop);
  try {
    await client.watch(`${jobsPath(ns)}?watch=true`, (ev) => {
      const o = ev.object;
      const ann = (field(o, 'metadata', 'annotations') ?? {}) as Record<string, unknown>;
      out(`${ev.type.padEnd(9)} ${str(field(o, 'metadata', 'namespace'))}/${str(field(o, 'metadata', 'name'))}  ${str(field(o, 'status', 'state', 'phase'), 'Pending')}  running=${str(field(o, 'status', 'running'), '0')}  cluster=${str(ann[CALDERA_CLUSTER_ANNOTATION])}\n`);
    }, ac.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
