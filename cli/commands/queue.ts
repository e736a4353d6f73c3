/** `caldera queue create|open|close NAME`. */
import { CliError } from '../cli-error.js';
import { clientFrom, parseFlags, QUEUES_PATH, COMMON_HELP } from '../common-flags.js';

export const QUEUE_HELP = `Usage: caldera queue create NAME [--weight N] [--capability cpu=64,memory=256Gi] [--parent Q] [--reclaimable=false]
       caldera queue open NAME
       caldera queue close NAME

Create a queue (scheduling.volcano.sh/v1beta1), or open or close one. A closed queue accepts no new
jobs; its running jobs go on.

Flags for create:
  --weight N            share weight, 1..65535 (default 1)
  --capability LIST     upper bound, e.g. cpu=64,memory=256Gi,nvidia.com/gpu=8
  --guarantee LIST      resources reserved for the queue
  --deserved LIST       the queue's deserved share (capacity plugin)
  --parent NAME         parent queue (hierarchical queues)
  --reclaimable BOOL    whether other queues may reclaim from it (default true)
${COMMON_HELP}`;

export async function queueCommand(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    weight: { type: 'string' },
    capability: { type: 'string' },
    guarantee: { type: 'string' },
    deserved: { type: 'string' },
    parent: { type: 'string' },
    reclaimable: { type: 'string' },
  });
  if (values.help) { out(QUEUE_HELP); return 0; }
  const [verb, name] = positionals;
  if (!verb || !name || !['create', 'open', 'close'].includes(verb)) throw new CliError(`usage: caldera queue create|open|close NAME\n\n${QUEUE_HELP}`, 2);
  const client = clientFrom(values);
  if (verb === 'create') {
    const spec: Record<string, unknown> = {};
    if (values.weight !== undefined) {
      const w = Number(values.weight);
      if (!Number.isInteger(w)) throw new CliError('--weight takes a whole number', 2);
      spec.weight = w;
    }
    if (typeof values.capability === 'string') spec.capability = resourceList(values.capability, '--capability');
    if (typeof values.deserved === 'string') spec.deserved = resourceList(values.deserved, '--deserved');
    if (typeof values.guarantee === 'string') spec.guarantee = { resource: resourceList(values.guarantee, '--guarantee') };
    if (typeof values.parent === 'string') spec.parent = values.parent;
    if (values.reclaimable !== undefined) {
      if (values.reclaimable !== 'true' && values.reclaimable !== 'false') throw new CliError('--reclaimable takes true or false', 2);
      spec.reclaimable = values.reclaimable === 'true';
    }
    const body = { apiVersion: 'scheduling.volcano.sh/v1beta1', kind: 'Queue', metadata: { name }, spec };
    await client.request('POST', QUEUES_PATH, { text: JSON.stringify(body), contentType: 'application/json' });
    out(`queue.scheduling.volcano.sh/${name} created\n`);
    return 0;
  }
  await client.request('POST', `${QUEUES_PATH}/${encodeURIComponent(name)}/${verb}`);
  out(`queue.scheduling.volcano.sh/${name} ${verb === 'open' ? 'opened' : 'closed'}\n`);
  return 0;
}

function resourceList(text: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new CliError(`${flag}: expected NAME=QUANTITY, got "${part}"`, 2);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}
