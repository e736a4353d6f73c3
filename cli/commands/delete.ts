/** `caldera delete job NAME...`: terminates the jobs in their member clusters and removes them. */
import { CliError } from '../cli-error.js';
import { clientFrom, namespaceFrom, parseFlags, jobsPath, QUEUES_PATH, COMMON_HELP } from '../common-flags.js';

export const DELETE_HELP = `Usage: caldera delete job NAME... | caldera delete queue NAME... [flags]

Delete jobs (the gateway terminates them in their member cluster first) or queues.

${COMMON_HELP}`;

export async function deleteCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const { values, positionals } = parseFlags(args, {});
  if (values.help) { out(DELETE_HELP); return 0; }
  const [kind, ...names] = positionals;
  const isJob = kind !== undefined && ['job', 'jobs', 'vcjob', 'vj'].includes(kind);
  const isQueue = kind !== undefined && ['queue', 'queues', 'q'].includes(kind);
  if ((!isJob && !isQueue) || names.length === 0) throw new CliError(`usage: caldera delete job|queue NAME...\n\n${DELETE_HELP}`, 2);
  const client = clientFrom(values);
  const ns = namespaceFrom(values);
  for (const name of names) {
    await client.request('DELETE', isJob ? jobsPath(ns, name) : `${QUEUES_PATH}/${encodeURIComponent(name)}`);
    out(`${isJob ? 'job.batch.volcano.sh' : 'queue.scheduling.volcano.sh'}/${name} deleted\n`);
  }
  return 0;
}
