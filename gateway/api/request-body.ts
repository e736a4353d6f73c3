/**
 * Request bodies: JSON or YAML for creates and updates, merge / JSON patches for PATCH. The raw
 * body arrives as a string (see the content-type parser in app.ts) so every syntax error becomes a
 * 400 Status with line and column.
 */
import type { FastifyRequest } from 'fastify';
import { badRequest, failure, StatusError } from '../../shared/errors/status.js';
import { parseManifests } from '../../shared/manifest/parse.js';

const WRITE_TYPES = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain', 'application/vnd.kubernetes.protobuf'];

export function mediaType(req: FastifyRequest): string {
  return (String(req.headers['content-type'] ?? '').split(';')[0] ?? '').trim().toLowerCase();
}

function unsupported(type: string, allowed: string[]): StatusError {
  return new StatusError(failure({
    reason: 'UnsupportedMediaType',
    message: `the body of the request was in an unknown format - accepted media types include: ${allowed.join(', ')} (got "${type}")`,
  }));
}

function rawBody(req: FastifyRequest): string {
  const body = req.body;
  if (typeof body === 'string') return body;
  if (body === undefined || body === null) return '';
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return JSON.stringify(body);
}

/** The one object of a create or update body. Several documents are a 400 (create them one by one). */
export function singleObject(req: FastifyRequest): unknown {
  const type = mediaType(req);
  if (type === 'application/vnd.kubernetes.protobuf') throw unsupported(type, WRITE_TYPES.filter((t) => !t.includes('protobuf')));
  if (type !== '' && !WRITE_TYPES.includes(type) && !type.endsWith('+json') && !type.endsWith('+yaml')) {
    throw unsupported(type, WRITE_TYPES.filter((t) => !t.includes('protobuf')));
  }
  const text = rawBody(req);
  if (text.trim() === '') throw new StatusError(badRequest('the request body is empty: send one object as JSON or YAML'));
  const docs = parseManifests(text, { contentType: type === '' ? undefined : type });
  if (docs.length !== 1) {
    throw new StatusError(badRequest(
      `the request body holds ${docs.length} documents; send exactly one object per request (kubectl create -f sends them one by one)`,
    ));
  }
  return docs[0];
}

export type PatchKind = 'merge' | 'json';

const PATCH_TYPES: Record<string, PatchKind> = {
  'application/merge-patch+json': 'merge',
  // Custom resources have no strategic merge: Kubernetes answers 415 there, but a merge patch
  // does what such a patch means for these objects, so it is applied as one.
  'application/strategic-merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
};

export function patchBody(req: FastifyRequest): { kind: PatchKind; patch: unknown } {
  const type = mediaType(req);
  const kind = PATCH_TYPES[type];
  if (kind === undefined) throw unsupported(type, Object.keys(PATCH_TYPES));
  const text = rawBody(req);
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (err) {
    throw new StatusError(badRequest(`the patch is not valid JSON: ${err instanceof Error ? err.message : String(err)}`));
  }
  return { kind, patch };
}
