/**
 * Settings of accounts, devices and device messages: one object, every field documented,
 * defaults in one place. The server wiring builds it once from Herald's settings and freezes it.
 */

export interface AccountsSettings {
  /** Herald's public base URL: links in pushes (`url`), the VAPID subject, the default push host. */
  publicUrl: string;
  /**
   * Origins a device's `pushCallback` may point at (`https://push.example.com`, or
   * `https://*.push.services.mozilla.com` for any subdomain). Default: the origin of `publicUrl`.
   */
  allowedPushOrigins: string[];
  /** Device messages and commands are kept at most this many seconds (FxA `pushbox.maxTTL`: 28 days). */
  maxMessageTtl: number;
  /** Largest stored message or command, in bytes of its JSON, checked before storing (413 over it). */
  maxMessageBytes: number;
  /** Seconds between sweeps of expired device messages. */
  sweepInterval: number;
  /** scrypt cost exponent: N = 2^cost. 15 (32 MiB, about 100 ms) by default; tests use less. */
  passwordCost: number;
  /** Milliseconds a push to a device may take before it counts as failed. */
  pushTimeoutMs: number;
}

export const DAY_SECONDS = 86_400;

export const defaultAccountsSettings: Readonly<Omit<AccountsSettings, 'publicUrl' | 'allowedPushOrigins'>> = Object.freeze({
  maxMessageTtl: 28 * DAY_SECONDS,
  // Pushbox's BLOB held 65,535 bytes of base64url(JSON), so about 48 KiB of JSON (spec §3.2).
  maxMessageBytes: 48 * 1024,
  sweepInterval: 300,
  passwordCost: 15,
  pushTimeoutMs: 10_000,
});

/** Complete settings from the public URL and any overrides. */
export function accountsSettings(publicUrl: string, over: Partial<AccountsSettings> = {}): Readonly<AccountsSettings> {
  return Object.freeze({
    ...defaultAccountsSettings,
    publicUrl,
    allowedPushOrigins: [new URL(publicUrl).origin],
    ...over,
  });
}

/** Epoch milliseconds; tests pass a clock they move. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
