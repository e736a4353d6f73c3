/**
 * Bearer-token authentication and the access rules built on it. Tokens are compared as SHA-256
 * digests with `timingSafeEqual`, against every grant, so the time taken says nothing about which
 * token (or how much of one) matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Scope, TokenGrant } from './token-grants.js';

export interface Principal {
  subject: string;
  namespaces: Scope;
  queues: Scope;
  admin: boolean;
}

export interface Authenticator {
  /** true in development mode: every request is an admin */
  readonly insecure: boolean;
  /** the principal for an `Authorization` header value, or undefined (→ 401) */
  authenticate(authorization: string | undefined): Principal | undefined;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function tokenAuthenticator(grants: readonly TokenGrant[]): Authenticator {
  const table = grants.map((g) => ({ digest: digest(g.token), principal: { subject: g.subject, namespaces: g.namespaces, queues: g.queues, admin: g.admin } }));
  return {
    insecure: false,
    authenticate(authorization) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!m?.[1]) return undefined;
      const given = digest(m[1]);
      let found: Principal | undefined;
      for (const entry of table) {
        if (timingSafeEqual(entry.digest, given) && found === undefined) found = entry.principal;
      }
      return found;
    },
  };
}

const DEVELOPER: Principal = { subject: 'insecure-developer', namespaces: '*', queues: '*', admin: true };

/** Development mode: no token needed, everything allowed. Callers log a warning when they use it. */
export function insecureAuthenticator(): Authenticator {
  return { insecure: true, authenticate: () => DEVELOPER };
}

export function inScope(scope: Scope, name: string): boolean {
  return scope === '*' || scope.includes(name);
}
