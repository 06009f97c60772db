/**
 * Errors of the account routes, rendered in Firefox Accounts' shape
 * (docs/errors.md#account-device-and-device-messages-api): `{code, errno, error, message, info}`,
 * with a body on every status (unlike the
 * push endpoint's empty 404). Statuses and errnos come from the one table in errors/api-error.ts.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply } from 'fastify';
import { ApiError, MORE_INFO_URL } from '../errors/api-error.js';
import { StoreBusyError } from '../storage/store.js';

/** Map any error to an ApiError: ours as they are, storage's and Fastify's by what they mean. */
export function toAccountsError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreBusyError) return new ApiError('database-busy');
  const { code, statusCode } = err as Partial<FastifyError>;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('request-too-large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ApiError('invalid-json', 'The request body must be application/json');
  if (code?.startsWith('FST_ERR_CTP_')) return new ApiError('invalid-json');
  if (statusCode === 404) return new ApiError('not-found');
  if (statusCode === 405) return new ApiError('method-not-allowed');
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return new ApiError('bad-request');
  if (statusCode === undefined && (err as Error | undefined)?.name === 'SqliteError') return new ApiError('database');
  return new ApiError('internal');
}

/** The body, plus FxA's `retryAfter` (seconds) and the `Retry-After` header on 429 and 503. */
export function sendAccountsError(reply: FastifyReply, error: ApiError): FastifyReply {
  const { status } = error;
  const body: Record<string, unknown> = { code: status, errno: error.errno, error: STATUS_CODES[status] ?? 'Error', message: error.message, info: MORE_INFO_URL };
  if (status === 503) reply.header('retry-after', String(error.retryAfter ?? 120));
  if (status === 429) {
    const seconds = Math.max(1, Math.ceil(error.retryAfter ?? 1));
    reply.header('retry-after', String(seconds));
    body.retryAfter = seconds;
  }
  return reply.code(status).type('application/json').send(body);
}
