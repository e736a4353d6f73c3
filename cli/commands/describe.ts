/** `caldera describe job NAME`: the job, its tasks, conditions and, while pending, why — cluster by cluster. */
import { CliError } from '../cli-error.js';
import { clientFrom, namespaceFrom, parseFlags, jobsPath, COMMON_HELP } from '../common-flags.js';
import { age, field, renderTable, str } from '../table.js';
import { CALDERA_ATTEMPT_ANNOTATION, CALDERA_CLUSTER_ANNOTATION, CALDERA_EPOCH_ANNOTATION } from '../../shared/api/well-known.js';

export const DESCRIBE_HELP = `Usage: caldera describe job NAME [flags]

Show a job in detail: phase, placement (cluster, epoch, attempts), tasks, conditions, and for a
pending job the per-cluster explanation of why its gang does not fit.

${COMMON_HELP}`;

type Obj = Record<string, unknown>;

export async function describeCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const { values, positionals } = parseFlags(args, {});
  if (values.help) { out(DESCRIBE_HELP); return 0; }
  const [kind, name] = positionals;
  if (!kind || !['job', 'jobs', 'vcjob', 'vj'].includes(kind) || !name) throw new CliError(`usage: caldera describe job NAME\n\n${DESCRIBE_HELP}`, 2);
  const client = clientFrom(values);
  const ns = namespaceFrom(values);
  const job = await client.request<Obj>('GET', jobsPath(ns, name));
  let explain: Obj | undefined;
  try {
    explain = await client.request<Obj>('GET', `${jobsPath(ns, name)}/explain`);
  } catch {
    explain = undefined;
  }
  out(renderJob(job, explain));
  return 0;
}

export function renderJob(job: Obj, explain?: Obj): string {
  const ann = (field(job, 'metadata', 'annotations') ?? {}) as Obj;
  const lines: string[] = [];
  const kv = (k: string, v: string) => lines.push(`${`${k}:`.padEnd(16)}${v}`);
  kv('Name', str(field(job, 'metadata', 'name')));
  kv('Namespace', str(field(job, 'metadata', 'namespace')));
  kv('UID', str(field(job, 'metadata', 'uid')));
  kv('Queue', str(field(job, 'spec', 'queue'), 'default'));
  kv('Phase', str(field(job, 'status', 'state', 'phase'), 'Pending'));
  const reason = field(job, 'status', 'state', 'reason');
  if (reason) kv('Reason', str(reason));
  const message = field(job, 'status', 'state', 'message');
  if (message) kv('Message', str(message));
  kv('Cluster', str(ann[CALDERA_CLUSTER_ANNOTATION]));
  kv('Epoch', str(ann[CALDERA_EPOCH_ANNOTATION]));
  kv('Attempts', str(ann[CALDERA_ATTEMPT_ANNOTATION], '0'));
  kv('Min available', str(field(job, 'spec', 'minAvailable')));
  kv('Retries', `${str(field(job, 'status', 'retryCount'), '0')}/${str(field(job, 'spec', 'maxRetry'), '3')}`);
  kv('Age', age(field(job, 'metadata', 'creationTimestamp')));
  kv('Pods', ['pending', 'running', 'succeeded', 'failed'].map((p) => `${p} ${str(field(job, 'status', p), '0')}`).join(', '));
  const tasks = (field(job, 'spec', 'tasks') ?? []) as Obj[];
  if (Array.isArray(tasks) && tasks.length > 0) {
    lines.push('', 'Tasks:');
    const rows = tasks.map((t) => {
      const c = ((field(t, 'template', 'spec', 'containers') ?? []) as Obj[])[0];
      const req = (field(c, 'resources', 'requests') ?? {}) as Obj;
      return [str(t.name), str(t.replicas, '0'), str(t.minAvailable, '0'), Object.entries(req).map(([k, v]) => `${k}=${String(v)}`).join(',') || '<none>'];
    });
    lines.push(indent(renderTable(['NAME', 'REPLICAS', 'MINAVAILABLE', 'REQUESTS (PER POD)'], rows)));
  }
  const conditions = (field(job, 'status', 'conditions') ?? []) as Obj[];
  if (Array.isArray(conditions) && conditions.length > 0) {
    lines.push('', 'Conditions:');
    const rows = conditions.map((c) => [str(c.type ?? c.status), str(c.status), str(c.reason), str(c.message, '')]);
    lines.push(indent(renderTable(['TYPE', 'STATUS', 'REASON', 'MESSAGE'], rows)));
  }
  const clusters = explain ? ((field(explain, 'clusters') ?? []) as Obj[]) : [];
  if (Array.isArray(clusters) && clusters.length > 0) {
    lines.push('', 'Why pending, cluster by cluster:');
    for (const c of clusters) {
      const reasons = (Array.isArray(c.reasons) ? c.reasons : []) as Obj[];
      const text = str(c.message, '') || reasons.map((r) => str(r.message ?? r.reason, '')).filter(Boolean).join('; ') || (c.fits ? 'fits' : 'does not fit');
      lines.push(`  ${str(c.cluster ?? c.name)}: ${text}`);
    }
  } else if (explain && str(field(explain, 'message'), '')) {
    lines.push('', `Why pending: ${str(field(explain, 'message'))}`);
  }
  return lines.join('\n') + '\n';
}

function indent(s: string): string {
  return s.trimEnd().split('\n').map((l) => `  ${l}`).join('\n');
}
