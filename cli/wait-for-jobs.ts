/** Polls jobs until each reaches a final phase, showing a progress line after the first second. */
import type { GatewayClient } from './gateway-client.js';
import { CliError } from './cli-error.js';
import { jobsPath } from './common-flags.js';
import { ProgressLine } from './progress-line.js';
import { field, str } from './table.js';

export const FINAL_PHASES = new Set(['Completed', 'Failed', 'Aborted', 'Terminated']);

export async function waitForJobs(client: GatewayClient, jobs: { ns: string; name: string }[], timeoutMs: number, pollMs = 500): Promise<Map<string, string>> {
  const phases = new Map<string, string>();
  const progress = new ProgressLine();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      for (const { ns, name } of jobs) {
        const key = `${ns}/${name}`;
        if (FINAL_PHASES.has(phases.get(key) ?? '')) continue;
        const job = await client.request('GET', jobsPath(ns, name));
        phases.set(key, str(field(job, 'status', 'state', 'phase'), 'Pending'));
      }
      const open = jobs.filter(({ ns, name }) => !FINAL_PHASES.has(phases.get(`${ns}/${name}`) ?? ''));
      if (open.length === 0) return phases;
      if (Date.now() > deadline) {
        throw new CliError(`timed out waiting for ${open.map((j) => `${j.name} (${phases.get(`${j.ns}/${j.name}`)})`).join(', ')}`);
      }
      progress.update(`waiting: ${jobs.map(({ ns, name }) => `${name} ${phases.get(`${ns}/${name}`)}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    progress.done();
  }
}
