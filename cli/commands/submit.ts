/** `caldera submit -f FILE|- [--wait]`: creates the jobs and queues a manifest holds. */
import { CliError } from '../cli-error.js';
import { clientFrom, namespaceFrom, parseFlags, jobsPath, QUEUES_PATH, COMMON_HELP } from '../common-flags.js';
import { readManifests } from '../read-manifests.js';
import { kindOf } from '../../shared/manifest/kind-of.js';
import { field, str } from '../table.js';
import { waitForJobs } from '../wait-for-jobs.js';

export const SUBMIT_HELP = `Usage: caldera submit -f FILE|- [flags]

Submit Volcano Jobs (batch.volcano.sh/v1alpha1) and Queues (scheduling.volcano.sh/v1beta1) to the
gateway. A file may hold several YAML documents or a JSON object.

Flags:
  -f, --filename FILE   the manifest file, or - for standard input (required)
  --wait                wait until every submitted job is Completed, Failed, Aborted or Terminated;
                        exits non-zero unless all completed
  --timeout SECONDS     give up waiting after this long (default 600)
${COMMON_HELP}`;

export async function submitCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const { values } = parseFlags(args, {
    filename: { type: 'string', short: 'f' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
  });
  if (values.help) { out(SUBMIT_HELP); return 0; }
  if (typeof values.filename !== 'string') throw new CliError(`-f FILE is required\n\n${SUBMIT_HELP}`, 2);
  const { docs } = await readManifests(values.filename);
  const client = clientFrom(values);
  const defaultNs = namespaceFrom(values);
  const created: { ns: string; name: string }[] = [];
  for (const doc of docs) {
    const k = kindOf(doc);
    const ns = str(field(doc, 'metadata', 'namespace'), defaultNs);
    if (k?.apiVersion === 'batch.volcano.sh/v1alpha1' && k.kind === 'Job') {
      const res = await client.request<Record<string, unknown>>('POST', jobsPath(ns), { text: JSON.stringify(doc), contentType: 'application/json' });
      const name = str(field(res, 'metadata', 'name'));
      out(`job.batch.volcano.sh/${name} created\n`);
      created.push({ ns, name });
    } else if (k?.apiVersion === 'scheduling.volcano.sh/v1beta1' && k.kind === 'Queue') {
      const res = await client.request('POST', QUEUES_PATH, { text: JSON.stringify(doc), contentType: 'application/json' });
      out(`queue.scheduling.volcano.sh/${str(field(res, 'metadata', 'name'))} created\n`);
    } else {
      throw new CliError(`unsupported object ${k ? `${k.apiVersion}/${k.kind}` : '(no apiVersion/kind)'}: caldera submit takes batch.volcano.sh/v1alpha1 Job and scheduling.volcano.sh/v1beta1 Queue`);
    }
  }
  if (!values.wait || created.length === 0) return 0;
  const timeoutS = values.timeout === undefined ? 600 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new CliError('--timeout takes a positive number of seconds', 2);
  const phases = await waitForJobs(client, created, timeoutS * 1000);
  let ok = true;
  for (const { ns, name } of created) {
    const phase = phases.get(`${ns}/${name}`) ?? 'Unknown';
    out(`job.batch.volcano.sh/${name} ${phase}\n`);
    if (phase !== 'Completed') ok = false;
  }
  return ok ? 0 : 1;
}
