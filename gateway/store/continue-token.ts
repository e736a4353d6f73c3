/**
 * List continuation tokens: the last key returned, opaque to clients (base64url JSON). A token
 * from another list (or a forged one) is a 400, as Kubernetes answers a bad `continue`.
 */
import { badRequest, StatusError } from '../../shared/errors/status.js';

export function encodeContinue(scope: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ s: scope, k: lastKey }), 'utf8').toString('base64url');
}

export function decodeContinue(scope: string, token: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const p = parsed as { s?: unknown; k?: unknown } | undefined;
  if (typeof p !== 'object' || p === null || p.s !== scope || typeof p.k !== 'string') {
    throw new StatusError(badRequest('invalid continue token: it does not belong to this list'));
  }
  return p.k;
}
