/**
 * The tokens file: who may call the gateway and what they may touch. YAML or JSON, either a list
 * or `{ tokens: [...] }`, each entry
 *
 *   - token: s3cret            # the bearer token (at least 8 characters)
 *     subject: alice           # who it is, for logs and messages
 *     namespaces: [team-a]     # job namespaces it may use, or '*'
 *     queues: [default]        # queues it may submit to, or '*'
 *     admin: false             # may write queues and member clusters
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

export type Scope = '*' | readonly string[];

export interface TokenGrant {
  token: string;
  subject: string;
  namespaces: Scope;
  queues: Scope;
  admin: boolean;
}

export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

export const MIN_TOKEN_LENGTH = 8;

function scope(x: unknown, where: string): Scope {
  if (x === undefined || x === '*') return x === '*' ? '*' : [];
  if (Array.isArray(x) && x.every((v): v is string => typeof v === 'string' && v !== '')) {
    return x.includes('*') ? '*' : x;
  }
  throw new TokenFileError(`${where}: must be '*' or a list of names`);
}

/** Parses and checks the tokens file's text; throws TokenFileError naming the bad entry. */
export function parseTokenGrants(text: string, source = 'tokens file'): TokenGrant[] {
  let doc: unknown;
  try {
    const docs = parseAllDocuments(text);
    if (Array.isArray(docs) && docs.length > 1) throw new TokenFileError(`${source}: expected one document, found ${docs.length}`);
    const first = Array.isArray(docs) ? docs[0] : docs;
    if (first && first.errors.length > 0) throw new TokenFileError(`${source}: ${first.errors[0]?.message ?? 'syntax error'}`);
    doc = first?.toJS() ?? [];
  } catch (err) {
    if (err instanceof TokenFileError) throw err;
    throw new TokenFileError(`${source}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list)) throw new TokenFileError(`${source}: expected a list of tokens or { tokens: [...] }`);
  const seen = new Set<string>();
  return list.map((raw: unknown, i) => {
    const where = `${source}: entry ${i}`;
    if (typeof raw !== 'object' || raw === null) throw new TokenFileError(`${where}: must be an object`);
    const e = raw as Record<string, unknown>;
    if (typeof e.token === 'number') throw new TokenFileError(`${where}: token must be a string; quote it (YAML read it as a number)`);
    if (typeof e.token !== 'string' || e.token.length < MIN_TOKEN_LENGTH) {
      throw new TokenFileError(`${where}: token must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
    }
    if (seen.has(e.token)) throw new TokenFileError(`${where}: duplicate token`);
    seen.add(e.token);
    if (typeof e.subject !== 'string' || e.subject === '') throw new TokenFileError(`${where}: subject must be a non-empty string`);
    if (e.admin !== undefined && typeof e.admin !== 'boolean') throw new TokenFileError(`${where}: admin must be true or false`);
    return {
      token: e.token,
      subject: e.subject,
      namespaces: scope(e.namespaces, `${where} (${e.subject}) namespaces`),
      queues: scope(e.queues, `${where} (${e.subject}) queues`),
      admin: e.admin === true,
    };
  });
}

export async function loadTokenGrants(path: string): Promise<TokenGrant[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TokenFileError(`cannot read tokens file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseTokenGrants(text, path);
}
