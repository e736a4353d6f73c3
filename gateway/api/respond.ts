/** Object responses: JSON, or YAML when the client asks for it first. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'yaml';

function wantsYaml(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '').toLowerCase();
  const first = (accept.split(',')[0] ?? '').split(';')[0]?.trim() ?? '';
  return first === 'application/yaml' || first === 'application/x-yaml' || first === 'text/yaml';
}

export function respond(req: FastifyRequest, reply: FastifyReply, code: number, body: unknown): FastifyReply {
  if (wantsYaml(req)) return reply.code(code).type('application/yaml').send(stringify(body));
  return reply.code(code).type('application/json').send(JSON.stringify(body));
}
