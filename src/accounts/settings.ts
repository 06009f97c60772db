/**
 * Settings of accounts, devices and device messages: one object, every field documented,
 * defaults in one place. The server wiring builds it once from Herald's settings and freezes it.
 */
import type { AccountLimitSettings } from './account-limits.js';

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
  /** Unexpired entries (both boxes) one device may hold; 0: no limit (507 over it). */
  deviceMailboxMaxMessages: number;
  /** Bytes of unexpired entries one device may hold; 0: no limit. */
  deviceMailboxMaxBytes: number;
  /** Unexpired entries of all devices of one account; 0: no limit. */
  accountMailboxMaxMessages: number;
  /** Bytes of unexpired entries of one account; 0: no limit. */
  accountMailboxMaxBytes: number;
  /** Devices per account; 0: no limit. */
  maxDevicesPerAccount: number;
  /** Sessions per account, beyond which idle sessions without a device are signed out; 0: no limit. */
  maxSessionsPerAccount: number;
  /** Arrays and objects nested in one another in a request body; deeper is `invalid-json`. */
  maxJsonDepth: number;
  /** Origins allowed to call the API from a browser (CORS); empty: no CORS on these routes. */
  corsOrigins: string[];
  /** Rate limits and the sign-in delay (account-limits.ts). */
  limits: Readonly<AccountLimitSettings>;
  /**
   * New accounts stay unverified until the code mailed to their address comes back, and may do
   * only what docs/accounts.md lists meanwhile. Needs a mailer.
   */
  emailVerification: boolean;
  /** Seconds a mailed code lives. */
  codeLifetime: number;
  /** Tries at one mailed code, right or wrong, before it is dead. */
  codeMaxAttempts: number;
  /** Secondary email addresses per account (docs/accounts.md "Secondary emails"); 0: none. */
  maxSecondaryEmails: number;
  /**
   * Seconds after which a sign-in from a place not seen since must be confirmed with a mailed
   * code (sign-in-confirmation.ts); 0: off. Needs a mailer.
   */
  signInConfirmation: number;
}

export const DAY_SECONDS = 86_400;
const MIB = 1024 * 1024;

export const defaultAccountsSettings: Readonly<Omit<AccountsSettings, 'publicUrl' | 'allowedPushOrigins'>> = Object.freeze({
  maxMessageTtl: 28 * DAY_SECONDS,
  // Pushbox's BLOB held 65,535 bytes of base64url(JSON), so about 48 KiB of JSON (docs/device-messages.md#the-durable-mailbox).
  maxMessageBytes: 48 * 1024,
  sweepInterval: 300,
  passwordCost: 15,
  pushTimeoutMs: 10_000,
  deviceMailboxMaxMessages: 1000,
  deviceMailboxMaxBytes: 8 * MIB,
  accountMailboxMaxMessages: 5000,
  accountMailboxMaxBytes: 32 * MIB,
  maxDevicesPerAccount: 50,
  maxSessionsPerAccount: 200,
  maxJsonDepth: 32,
  corsOrigins: [],
  emailVerification: false,
  codeLifetime: 900,
  codeMaxAttempts: 5,
  maxSecondaryEmails: 3,
  signInConfirmation: 0,
  limits: Object.freeze({
    loginPerIp: '0.5:30',
    createPerIp: '0.01:10',
    requestsPerIp: '20:400',
    writesPerAccount: '1:60',
    loginFailuresBeforeDelay: 5,
    loginDelayMax: 60,
    trackedKeys: 100_000,
  }),
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
