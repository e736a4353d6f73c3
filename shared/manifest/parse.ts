/**
 * Turns a request body or a file into plain objects: JSON (one value or several concatenated) or
 * YAML (one or more `---`-separated documents). Syntax errors become a 400 Status whose message
 * names the line and column.
 *
 * Nesting is bounded before any recursive code runs: the JSON scanner and the YAML CST walk are
 * iterative, so a hostile body is refused instead of overflowing the stack.
 */
import { Composer, Parser, type CST, type Document } from 'yaml';
import { badRequest, StatusError } from '../errors/status.js';
import { lineColumn, scanJsonValue, skipJsonWhitespace } from './json-scan.js';

export interface ParseManifestsOptions {
  /** The request's Content-Type; JSON types force strict JSON, anything else is sniffed. */
  contentType?: string;
  /** Deepest nesting of collections accepted (default 256). */
  maxDepth?: number;
  /** Largest number of YAML alias expansions per document (default 100). */
  maxAliasCount?: number;
}

export const DEFAULT_MAX_DEPTH = 256;

export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mime = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return mime === 'application/json' || mime.endsWith('+json') || mime === 'text/json';
}

/**
 * Parses `text` into its documents. Empty YAML documents are skipped, and a `kind: List` document is
 * replaced by its items, as kubectl does. A body that starts with `{` or `[` is read as JSON.
 * @throws StatusError (reason BadRequest) on a syntax error or excessive nesting.
 */
export function parseManifests(text: string, opts: ParseManifestsOptions = {}): unknown[] {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const docs =
    isJsonContentType(opts.contentType) || looksLikeJson(text)
      ? parseJsonStream(text, maxDepth)
      : parseYamlDocuments(text, maxDepth, opts.maxAliasCount ?? 100);
  return docs.flatMap(expandList);
}

function firstContentOffset(text: string): number {
  return skipJsonWhitespace(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
}

function looksLikeJson(text: string): boolean {
  const c = text[firstContentOffset(text)];
  return c === '{' || c === '[';
}

function syntaxError(format: 'JSON' | 'YAML', where: string, offset: number, text: string, detail: string): StatusError {
  const { line, column } = lineColumn(text, offset);
  const message = `error parsing ${format}${where}: line ${line}, column ${column}: ${detail}`;
  return new StatusError(badRequest(message, [{ reason: 'SyntaxError', message }]));
}

function parseJsonStream(text: string, maxDepth: number): unknown[] {
  const out: unknown[] = [];
  let p = firstContentOffset(text);
  if (p >= text.length) throw syntaxError('JSON', '', p, text, 'unexpected end of JSON input');
  while (p < text.length) {
    const r = scanJsonValue(text, p, { maxDepth });
    if (!r.ok) throw syntaxError('JSON', out.length > 0 ? ` (document ${out.length + 1})` : '', r.offset, text, r.message);
    out.push(JSON.parse(text.slice(p, r.end)));
    p = skipJsonWhitespace(text, r.end);
  }
  return out;
}

function parseYamlDocuments(text: string, maxDepth: number, maxAliasCount: number): unknown[] {
  let tokens: CST.Token[];
  try {
    tokens = Array.from(new Parser().parse(text));
  } catch (err) {
    throw new StatusError(badRequest(`error parsing YAML: ${errorMessage(err)}`));
  }
  for (const token of tokens) {
    const tooDeep = findTooDeep(token, maxDepth);
    if (tooDeep !== undefined) {
      throw syntaxError('YAML', '', tooDeep, text, `collections are nested more than ${maxDepth} levels deep`);
    }
  }
  let documents: Document.Parsed[];
  try {
    documents = Array.from(new Composer({ uniqueKeys: true }).compose(tokens, true, text.length));
  } catch (err) {
    throw new StatusError(badRequest(`error parsing YAML: ${errorMessage(err)}`));
  }
  const out: unknown[] = [];
  documents.forEach((doc, i) => {
    const where = documents.length > 1 ? ` (document ${i + 1})` : '';
    const first = doc.errors[0];
    if (first) throw syntaxError('YAML', where, first.pos[0], text, first.message);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount });
    } catch (err) {
      throw new StatusError(badRequest(`error parsing YAML${where}: ${errorMessage(err)}`));
    }
    if (value !== null && value !== undefined) out.push(value);
  });
  return out;
}

const COLLECTION_TYPES = new Set(['block-map', 'block-seq', 'flow-collection']);

/** Offset of the first collection nested deeper than `maxDepth` in a CST token, found without recursion. */
function findTooDeep(root: CST.Token, maxDepth: number): number | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() ?? { node: undefined, depth: 0 };
    if (typeof node !== 'object' || node === null) continue;
    let d = depth;
    if (!Array.isArray(node)) {
      const type = (node as { type?: unknown }).type;
      if (typeof type === 'string' && COLLECTION_TYPES.has(type)) {
        d++;
        if (d > maxDepth) return (node as { offset?: number }).offset ?? 0;
      }
    }
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push({ node: child, depth: d });
    }
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  if (err instanceof RangeError) return 'document is nested too deeply';
  return err instanceof Error ? err.message : String(err);
}

function expandList(doc: unknown): unknown[] {
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>;
    if (o['kind'] === 'List' && Object.hasOwn(o, 'items') && Array.isArray(o['items'])) return o['items'] as unknown[];
  }
  return [doc];
}
