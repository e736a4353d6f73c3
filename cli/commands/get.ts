/** `caldera get jobs|queues|clusters [NAME] [-o json|yaml|wide|name] [-A]`. */
import { CliError } from '../cli-error.js';
import { clientFrom, namespaceFrom, parseFlags, jobsPath, QUEUES_PATH, CLUSTERS_PATH, COMMON_HELP } from '../common-flags.js';
import { outputFormat, printStructured, resourceSummary, type OutputFormat } from '../output-format.js';
import { age, field, renderTable, str } from '../table.js';
import { CALDERA_CLUSTER_ANNOTATION, CALDERA_EPOCH_ANNOTATION } from '../../shared/api/well-known.js';

export const GET_HELP = `Usage: caldera get jobs|queues|clusters [NAME] [flags]

List or show jobs, queues or member clusters.

Flags:
  -o, --output FORMAT   json, yaml, wide or name (default: a table)
  -A, --all-namespaces  jobs in every namespace
  -l, --selector SEL    label selector for jobs (e.g. team=ml,tier!=dev)
${COMMON_HELP}`;

type Obj = Record<string, unknown>;
const KINDS: Record<string, 'jobs' | 'queues' | 'clusters'> = {
  job: 'jobs', jobs: 'jobs', vcjob: 'jobs', vcjobs: 'jobs', vj: 'jobs',
  queue: 'queues', queues: 'queues', q: 'queues',
  cluster: 'clusters', clusters: 'clusters', membercluster: 'clusters', memberclusters: 'clusters',
};

export async function getCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    output: { type: 'string', short: 'o' },
    'all-namespaces': { type: 'boolean', short: 'A' },
    selector: { type: 'string', short: 'l' },
  });
  if (values.help) { out(GET_HELP); return 0; }
  const [kindArg, name] = positionals;
  const kind = kindArg ? KINDS[kindArg.toLowerCase()] : undefined;
  if (!kind) throw new CliError(`${kindArg ? `unknown resource "${kindArg}"` : 'missing resource'}: use jobs, queues or clusters\n\n${GET_HELP}`, 2);
  const format = outputFormat(values.output);
  const client = clientFrom(values);
  const all = values['all-namespaces'] === true;
  let path: string;
  if (kind === 'jobs') {
    path = jobsPath(all && !name ? undefined : namespaceFrom(values), name);
    if (!name && typeof values.selector === 'string') path += `?labelSelector=${encodeURIComponent(values.selector)}`;
  } else {
    path = `${kind === 'queues' ? QUEUES_PATH : CLUSTERS_PATH}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }
  const body = await client.request<Obj>('GET', path);
  const items = name ? [body] : ((body.items as Obj[] | undefined) ?? []);
  if (format === 'json' || format === 'yaml') { out(printStructured(body, format)); return 0; }
  if (format === 'name') {
    const prefix = kind === 'jobs' ? 'job.batch.volcano.sh' : kind === 'queues' ? 'queue.scheduling.volcano.sh' : 'membercluster.caldera.dev';
    out(items.map((i) => `${prefix}/${str(field(i, 'metadata', 'name'))}\n`).join(''));
    return 0;
  }
  if (items.length === 0) {
    out(kind === 'jobs' ? `No jobs found${all ? '' : ` in ${namespaceFrom(values)} namespace`}.\n` : `No ${kind} found.\n`);
    return 0;
  }
  out(kind === 'jobs' ? jobsTable(items, format, all) : kind === 'queues' ? queuesTable(items, format) : clustersTable(items, format));
  return 0;
}

export function jobsTable(items: Obj[], format: OutputFormat, withNamespace: boolean): string {
  const wide = format === 'wide';
  const headers = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'STATUS', 'MINAVAILABLE', 'RUNNINGS', 'QUEUE', 'CLUSTER', 'AGE',
    ...(wide ? ['PENDING', 'SUCCEEDED', 'FAILED', 'RETRIES', 'EPOCH'] : [])];
  const rows = items.map((j) => {
    const ann = (field(j, 'metadata', 'annotations') ?? {}) as Obj;
    return [
      ...(withNamespace ? [str(field(j, 'metadata', 'namespace'))] : []),
      str(field(j, 'metadata', 'name')),
      str(field(j, 'status', 'state', 'phase'), 'Pending'),
      str(field(j, 'status', 'minAvailable') ?? field(j, 'spec', 'minAvailable'), '0'),
      str(field(j, 'status', 'running'), '0'),
      str(field(j, 'spec', 'queue'), 'default'),
      str(ann[CALDERA_CLUSTER_ANNOTATION]),
      age(field(j, 'metadata', 'creationTimestamp')),
      ...(wide ? [str(field(j, 'status', 'pending'), '0'), str(field(j, 'status', 'succeeded'), '0'), str(field(j, 'status', 'failed'), '0'),
        str(field(j, 'status', 'retryCount'), '0'), str(ann[CALDERA_EPOCH_ANNOTATION])] : []),
    ];
  });
  return renderTable(headers, rows);
}

function queuesTable(items: Obj[], format: OutputFormat): string {
  const wide = format === 'wide';
  const headers = ['NAME', 'STATE', 'WEIGHT', 'RECLAIMABLE', 'PARENT', 'ALLOCATED', ...(wide ? ['DESERVED', 'CAPABILITY', 'PENDING', 'RUNNING'] : [])];
  const rows = items.map((q) => [
    str(field(q, 'metadata', 'name')),
    str(field(q, 'status', 'state') ?? field(q, 'spec', 'state'), 'Open'),
    str(field(q, 'spec', 'weight'), '1'),
    str(field(q, 'spec', 'reclaimable'), 'true'),
    str(field(q, 'spec', 'parent')),
    resourceSummary(field(q, 'status', 'allocated')),
    ...(wide ? [resourceSummary(field(q, 'status', 'deserved') ?? field(q, 'spec', 'deserved')), resourceSummary(field(q, 'spec', 'capability')),
      str(field(q, 'status', 'pending'), '0'), str(field(q, 'status', 'running'), '0')] : []),
  ]);
  return renderTable(headers, rows);
}

function clustersTable(items: Obj[], format: OutputFormat): string {
  const wide = format === 'wide';
  const headers = ['NAME', 'STATUS', 'CORDONED', 'NODES', 'HEARTBEAT', 'CAPACITY', 'ALLOCATED', ...(wide ? ['LABELS'] : [])];
  const rows = items.map((c) => {
    const hb = field(c, 'status', 'heartbeatAgeSeconds');
    const labels = (field(c, 'metadata', 'labels') ?? {}) as Obj;
    return [
      str(field(c, 'metadata', 'name')),
      str(field(c, 'status', 'phase') ?? field(c, 'status', 'state'), 'Unknown'),
      str(field(c, 'spec', 'cordoned'), 'false'),
      str(field(c, 'status', 'nodeCount'), '0'),
      typeof hb === 'number' ? `${Math.round(hb)}s` : '<none>',
      resourceSummary(field(c, 'status', 'capacity')),
      resourceSummary(field(c, 'status', 'allocated')),
      ...(wide ? [Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`).join(',') || '<none>'] : []),
    ];
  });
  return renderTable(headers, rows);
}
