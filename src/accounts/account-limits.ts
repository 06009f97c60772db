/**
 * Rate limits of the account API (docs/operations.md "Account API limits"), built from the
 * abuse controls' parts (src/abuse: token buckets, the penalty box and shared blocklist) plus the
 * per-email sign-in delay (login-throttle.ts). Every check happens before the costly work (a
 * scrypt run, a store write, pushes to every device) and refuses with `account-throttled` (429,
 * errno 114, `Retry-After`), or `account-ip-blocked` for an IP in the shared blocklist.
 */
import { parseRateLimit, RateLimiter } from '../abuse/rate-limit.js';
import { ApiError } from '../errors/api-error.js';
import { LoginThrottle } from './login-throttle.js';

export interface AccountLimitSettings {
  /** Sign-ins and password re-checks per client IP, `<per second>:<burst>` or `0`. */
  loginPerIp: string;
  /** Account creations per client IP. */
  createPerIp: string;
  /** Any account API request per client IP. */
  requestsPerIp: string;
  /** Costly writes per account (uid). */
  writesPerAccount: string;
  /** Failed sign-ins for one email before attempts must wait; 0: none. */
  loginFailuresBeforeDelay: number;
  /** Cap of that wait, seconds. */
  loginDelayMax: number;
  /** Keys each limiter remembers. */
  trackedKeys: number;
}

/** No limits at all (embedders and tests that do not test limits). */
export const noAccountLimits: Readonly<AccountLimitSettings> = Object.freeze({
  loginPerIp: '0',
  createPerIp: '0',
  requestsPerIp: '0',
  writesPerAccount: '0',
  loginFailuresBeforeDelay: 0,
  loginDelayMax: 60,
  trackedKeys: 100_000,
});

/** The shared abuse controls as the account API uses them (`AbuseControls` fits). */
export interface AccountAbuseGuard {
  /** The client address: the socket peer, or `X-Forwarded-For` behind a trusted proxy. */
  clientIp(peer: string | undefined, forwardedFor: string | string[] | undefined): string;
  /** Seconds the IP's block has left; 0 when not blocked. */
  blockedFor(ip: string): number;
  /** Count a bad answer (here: a failed sign-in) against the IP in the penalty box. */
  recordBadOutcome(ip: string, cause: string): void;
}

type Limiter = 'login' | 'create' | 'requests' | 'writes';

export class AccountLimits {
  readonly #limiters: Partial<Record<Limiter, RateLimiter>> = {};
  readonly #throttle: LoginThrottle;
  readonly #guard: AccountAbuseGuard | null;
  readonly #now: () => number;

  constructor(settings: Readonly<AccountLimitSettings>, deps: { guard?: AccountAbuseGuard | undefined; now: () => number }) {
    const texts: Record<Limiter, string> = {
      login: settings.loginPerIp,
      create: settings.createPerIp,
      requests: settings.requestsPerIp,
      writes: settings.writesPerAccount,
    };
    for (const [name, text] of Object.entries(texts) as [Limiter, string][]) {
      const limit = parseRateLimit(text);
      if (limit !== null) this.#limiters[name] = new RateLimiter(limit, settings.trackedKeys);
    }
    this.#throttle = new LoginThrottle({ failuresBeforeDelay: settings.loginFailuresBeforeDelay, maxDelaySeconds: settings.loginDelayMax, maxKeys: settings.trackedKeys });
    this.#guard = deps.guard ?? null;
    this.#now = deps.now;
  }

  /** The client IP of a request (trusted proxies applied when the abuse controls are given). */
  clientIp(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    return this.#guard ? this.#guard.clientIp(peer, forwardedFor) : (peer ?? '');
  }

  /** Every account API request: a blocked IP, or one over its request rate, is refused. */
  admitRequest(ip: string): void {
    const blocked = this.#guard?.blockedFor(ip) ?? 0;
    if (blocked > 0) throw new ApiError('account-ip-blocked', undefined, { retryAfter: Math.ceil(blocked) });
    this.#take('requests', ip);
  }

  /**
   * Before a password check for `email` (sign-in, account deletion): IP rate, then the email's
   * delay. An admitted attempt counts as a failure until `loginSucceeded`, so guesses sent in
   * parallel meet the delay too instead of all passing before the first one fails.
   */
  admitLogin(ip: string, email: string): void {
    this.#take('login', ip);
    const now = this.#now();
    const wait = this.#throttle.waitFor(email, now);
    if (wait > 0) throw throttled(wait, 'Too many failed sign-ins for this account: retry after Retry-After seconds');
    this.#throttle.failed(email, now);
  }

  admitCreate(ip: string): void {
    this.#take('create', ip);
  }

  /** Before a costly write of account `uid`. */
  admitWrite(uid: string): void {
    this.#take('writes', uid);
  }

  /** A wrong password (or unknown email) from `ip`: counts in the penalty box; the email's delay already grew at admission. */
  loginFailed(ip: string): void {
    this.#guard?.recordBadOutcome(ip, 'login');
  }

  loginSucceeded(email: string): void {
    this.#throttle.succeeded(email);
  }

  #take(name: Limiter, key: string): void {
    const wait = this.#limiters[name]?.take(key, this.#now()) ?? 0;
    if (wait > 0) throw throttled(wait);
  }
}

function throttled(seconds: number, message?: string): ApiError {
  return new ApiError('account-throttled', message, { retryAfter: Math.max(1, Math.ceil(seconds)) });
}
