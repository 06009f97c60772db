/**
 * Who is calling: the Bearer session token to the session, its account and its device. Every
 * account route starts here. A missing, malformed, signed-out or revoked token is
 * `invalid-session-token` (401, errno 110). A session that still owes its second step (a TOTP
 * code, docs/accounts.md) is `unverified-session` (400, errno 138) everywhere but on the few
 * routes that pass `allowUnverified`. Also records `lastAccessTime`, at most once a minute.
 */
import { ApiError } from '../errors/api-error.js';
import type { AccountsContext } from './context.js';
import { parseBearer } from './edge/bearer.js';
import { sameId } from './session-token.js';

/** How stale `lastAccessTime` may get before a request writes it (FxA throttles it too). */
const TOUCH_EVERY_MS = 60_000;

export interface AuthContext {
  uid: string;
  sessionId: string;
  /** The device bound to this session, if it registered one. */
  deviceId: string | null;
  /** False while the session owes its second step (only with `allowUnverified`). */
  verified: boolean;
}

export async function authenticate(ctx: AccountsContext, authorization: string | undefined, opts: { allowUnverified?: boolean } = {}): Promise<AuthContext> {
  const sessionId = parseBearer(authorization);
  const session = await ctx.store.getSession(sessionId);
  // The lookup was by exact id; comparing again in constant time guards against a backend whose
  // comparison is looser (collations, prefixes) without leaking through timing.
  if (session === null || !sameId(session.id, sessionId)) throw new ApiError('invalid-session-token');
  if (!session.verified && opts.allowUnverified !== true) throw new ApiError('unverified-session');
  const now = ctx.clock.now();
  if (now - session.lastAccessTime >= TOUCH_EVERY_MS) await ctx.store.touchSession(session.id, now);
  return { uid: session.uid, sessionId: session.id, deviceId: session.deviceId, verified: session.verified };
}
