/**
 * `Authorization: Bearer <sessionToken>` (docs/device-messages.md#accounts-and-sessions, the Bearer
 * form newer FxA
 * accepts) to a session id. Anything else is `invalid-session-token` (401, errno 110).
 */
import { ApiError } from '../../errors/api-error.js';
import { sessionIdOfToken } from '../session-token.js';

export function parseBearer(header: string | undefined): string {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const id = match?.[1] === undefined ? null : sessionIdOfToken(match[1]);
  if (id === null) throw new ApiError('invalid-session-token');
  return id;
}
