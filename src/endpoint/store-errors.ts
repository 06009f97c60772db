/**
 * How a storage failure reaches the sender (docs/errors.md#endpoint-api-application-servers, errno
 * 201): retryable ones
 * (locked database, exhausted pool) as 503 with `Retry-After`, anything else as 500. A save for
 * a user deleted since it was checked means the subscription is gone (410, errno 105).
 */
import { ApiError } from '../errors/api-error.js';
import { StoreBusyError, UnknownUserError } from '../storage/store.js';

export function storeApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof UnknownUserError) return new ApiError('user-was-deleted');
  return new ApiError(err instanceof StoreBusyError ? 'database-busy' : 'database');
}
