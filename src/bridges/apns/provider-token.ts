/**
 * The APNs provider token (token-based auth, docs/bridges.md "APNs"): an ES256 JWT with the key
 * id as `kid` and the team id as `iss`, signed with the `.p8` key. Apple refuses tokens older
 * than an hour and throttles renewing more often than every 20 minutes, so one is kept for 50
 * minutes, or until APNs says it expired.
 */
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

const LIFETIME_MS = 50 * 60_000;

export class ProviderToken {
  readonly #key: KeyObject;
  readonly #keyId: string;
  readonly #teamId: string;
  readonly #now: () => number;
  #current: { jwt: string; renewAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(key: KeyObject, keyId: string, teamId: string, now: () => number = Date.now) {
    this.#key = key;
    this.#keyId = keyId;
    this.#teamId = teamId;
    this.#now = now;
  }

  get(): Promise<string> {
    if (this.#current !== undefined && this.#now() < this.#current.renewAt) return Promise.resolve(this.#current.jwt);
    this.#pending ??= this.#sign().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** APNs said ExpiredProviderToken (or refused it): sign a new one next time. */
  invalidate(): void {
    this.#current = undefined;
  }

  async #sign(): Promise<string> {
    const now = this.#now();
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.#keyId })
      .setIssuer(this.#teamId)
      .setIssuedAt(Math.floor(now / 1000))
      .sign(this.#key);
    this.#current = { jwt, renewAt: now + LIFETIME_MS };
    return jwt;
  }
}
