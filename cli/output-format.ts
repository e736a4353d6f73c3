/** `-o json|yaml|wide|name` for get commands. */
import { stringify } from 'yaml';
import { CliError } from './cli-error.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

export function outputFormat(v: unknown): OutputFormat {
  if (v === undefined) return 'table';
  if (v === 'json' || v === 'yaml' || v === 'wide' || v === 'name') return v;
  throw new CliError(`unknown output format "${String(v)}": use json, yaml, wide or name`, 2);
}

export function printStructured(obj: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(obj, null, 2)}\n` : stringify(obj);
}

export function resourceSummary(rec: unknown): string {
  if (!rec || typeof rec !== 'object') return '<none>';
  const entries = Object.entries(rec as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
  if (entries.length === 0) return '<none>';
  return entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
}
