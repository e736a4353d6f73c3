/** Reads `-f FILE` (or `-f -` for standard input) and splits it into manifests. */
import { readFile } from 'node:fs/promises';
import { parseManifests } from '../shared/manifest/parse.js';
import { isStatusError } from '../shared/errors/status.js';
import { CliError } from './cli-error.js';

export async function readManifests(file: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<{ text: string; docs: unknown[] }> {
  let text: string;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new CliError(code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  try {
    const docs = parseManifests(text).filter((d) => d !== null && d !== undefined);
    if (docs.length === 0) throw new CliError(`no manifest found in ${file === '-' ? 'standard input' : file}`);
    return { text, docs };
  } catch (err) {
    if (isStatusError(err)) throw new CliError(`${file === '-' ? 'standard input' : file}: ${err.status.message}`);
    throw err;
  }
}
