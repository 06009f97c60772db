/** Which PostgreSQL and connection failures are worth a retry (`StoreBusyError`). */
import { StoreBusyError, UnknownUserError } from '../store.js';

/**
 * Retryable: the server unreachable, restarting or out of connections (class 08, 57P0x, 53xxx); serialization failures
 * and deadlocks; lock or statement timeouts; the pool's own connect timeout. The rest (syntax,
 * constraint violations, `UnknownUserError`) are rethrown as they are.
 */
const BUSY_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53000', '53200', '53300', '40001', '40P01', '55P03', '57014']);
const BUSY_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTCONN']);
const BUSY_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|not queryable|Query read timeout/i;

export function mapError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof UnknownUserError || err instanceof StoreBusyError) return err;
  const code = (err as { code?: unknown }).code;
  const busy =
    (typeof code === 'string' && (BUSY_SQLSTATES.has(code) || code.startsWith('08') || BUSY_ERRNOS.has(code))) || BUSY_MESSAGES.test(err.message);
  return busy ? new StoreBusyError(`PostgreSQL is unavailable (${typeof code === 'string' ? code : err.message}); retry`, { cause: err }) : err;
}
