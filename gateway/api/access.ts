/** The access rules of the API, over the authenticated principal. */
import type { FastifyRequest } from 'fastify';
import { forbidden, StatusError, unauthorized } from '../../shared/errors/status.js';
import { inScope, type Principal } from '../auth/authenticator.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  const p = req.principal;
  if (p === undefined) throw new StatusError(unauthorized('Unauthorized'));
  return p;
}

export function requireNamespace(req: FastifyRequest, namespace: string, verb: string): Principal {
  const p = principalOf(req);
  if (!inScope(p.namespaces, namespace)) {
    throw new StatusError(forbidden(`jobs.batch.volcano.sh is forbidden: User "${p.subject}" cannot ${verb} resource "jobs" in API group "batch.volcano.sh" in the namespace "${namespace}"`));
  }
  return p;
}

export function requireQueue(req: FastifyRequest, queue: string): Principal {
  const p = principalOf(req);
  if (!inScope(p.queues, queue)) {
    throw new StatusError(forbidden(`User "${p.subject}" may not submit jobs to queue "${queue}"`));
  }
  return p;
}

export function requireAdmin(req: FastifyRequest, verb: string, resource: string, group: string): Principal {
  const p = principalOf(req);
  if (!p.admin) {
    throw new StatusError(forbidden(`${resource}.${group} is forbidden: User "${p.subject}" cannot ${verb} resource "${resource}" in API group "${group}": only admins may`));
  }
  return p;
}
