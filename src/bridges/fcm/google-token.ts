/**
 * An OAuth2 access token for FCM from a service account, by the JWT bearer grant (RFC 7523 §2.1,
 * as Google's token endpoint takes it): an RS256 JWT signed with the account's key, posted to its
 * `token_uri`. The token is cached until shortly before it expires, and callers waiting at the
 * same time share one request.
 */
import { SignJWT } from 'jose';
import { BridgeFailure } from '../upstream-failure.js';
import type { ServiceAccount } from './service-account.js';
import { postForm } from './http-post.js';

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** Renew this long before the token expires, so a push never carries one about to lapse. */
const EARLY_MS = 60_000;

export interface GoogleTokenOptions {
  timeoutMs: number;
  now?: () => number;
}

export class GoogleAccessToken {
  readonly #account: ServiceAccount;
  readonly #opts: GoogleTokenOptions;
  #token: { value: string; renewAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(account: ServiceAccount, opts: GoogleTokenOptions) {
    this.#account = account;
    this.#opts = opts;
  }

  /** A valid access token. @throws BridgeFailure (authentication, busy, timeout, unavailable). */
  get(): Promise<string> {
    const now = (this.#opts.now ?? Date.now)();
    if (this.#token !== undefined && now < this.#token.renewAt) return Promise.resolve(this.#token.value);
    this.#pending ??= this.#fetch().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** Forget the cached token (FCM refused it): the next `get` asks for a new one. */
  invalidate(): void {
    this.#token = undefined;
  }

  async #fetch(): Promise<string> {
    const now = (this.#opts.now ?? Date.now)();
    const a = this.#account;
    const iat = Math.floor(now / 1000);
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(a.privateKeyId ? { kid: a.privateKeyId } : {}) })
      .setIssuer(a.clientEmail)
      .setAudience(a.tokenUri)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(a.privateKey);
    const res = await postForm(a.tokenUri, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }, this.#opts.timeoutMs, 'the OAuth token endpoint');
    if (res.status === 429 || res.status >= 500) throw new BridgeFailure('busy', `the OAuth token endpoint answered ${res.status}`, res.retryAfter === undefined ? {} : { retryAfter: res.retryAfter });
    if (res.status !== 200) throw new BridgeFailure('authentication', `the OAuth token endpoint refused the service account (${res.status}): ${res.text.slice(0, 200)}`);
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(res.text) as typeof body;
    } catch {
      throw new BridgeFailure('unavailable', 'the OAuth token endpoint answered something that is not JSON');
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') throw new BridgeFailure('unavailable', 'the OAuth token endpoint answered without an access_token');
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    this.#token = { value: body.access_token, renewAt: now + Math.max(lifetimeMs - EARLY_MS, lifetimeMs / 2) };
    return body.access_token;
  }
}
