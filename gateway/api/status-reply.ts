/** Every error the API answers with is a Kubernetes `Status`; these map failures to one. */
import type { FastifyError, FastifyReply } from 'fastify';
import {
  badRequest,
  failure,
  internalError,
  isStatusError,
  tooLarge,
  type Status,
} from '../../shared/errors/status.js';

export function sendStatus(reply: FastifyReply, status: Status): FastifyReply {
  return reply.code(status.code).type('application/json').send(status);
}

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

/** Turns anything thrown in a handler (or by fastify itself) into a Status. */
export function statusOfError(err: unknown): Status {
  if (isStatusError(err)) return err.status;
  if (isFastifyError(err)) {
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return tooLarge(`the request body is too large: ${err.message}`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return badRequest(err.message);
      default:
        if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
          return failure({ reason: err.statusCode === 413 ? 'RequestEntityTooLarge' : err.statusCode === 415 ? 'UnsupportedMediaType' : 'BadRequest', message: err.message, code: err.statusCode === 413 || err.statusCode === 415 ? err.statusCode : 400 });
        }
    }
  }
  return internalError('an internal error occurred; the request was not completed');
}
