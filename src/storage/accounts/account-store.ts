/**
 * The storage contract of accounts, sessions and the device registry
 * (docs/device-messages.md#accounts-and-sessions,
 * docs/device-messages.md#device-registry). Each method's comment is its contract; every backend
 * passes the shared suite in
 * `conformance.ts`. Nothing here knows a backend: SQLite lives in `sqlite/`, and a PostgreSQL or
 * Redis backend implements this same interface beside it.
 *
 * Identifiers are opaque lowercase hex made by the caller (uid and device id 32 characters, a
 * session id the 64-character SHA-256 of its token), so every backend can key on them as text.
 * Times are epoch milliseconds given by the caller, never read from the backend's clock.
 */

export interface AccountRecord {
  /** 32 lowercase hex characters. */
  uid: string;
  /** Lowercased at the edge; unique across accounts. */
  email: string;
  /** An encoded password hash (`accounts/password.ts`); opaque to storage. */
  passwordHash: string;
  displayName: string | null;
  createdAt: number;
  /** The email was confirmed with an emailed code (docs/accounts.md); false for a new account. */
  emailVerified: boolean;
}

export type NewAccount = Omit<AccountRecord, 'emailVerified'> & { emailVerified?: boolean };

/** What `updateAccount` may change; absent fields stay as stored. */
export interface AccountPatch {
  passwordHash?: string;
  displayName?: string | null;
  emailVerified?: boolean;
}

/**
 * A short-lived one-time code of an account (email verification, password reset …), one per
 * (uid, purpose). Only a hash of the code is stored; `attempts` counts every try at it.
 */
export interface AccountCode {
  uid: string;
  /** What the code is for, e.g. `verify-email`, `reset-password`. */
  purpose: string;
  /** Hex hash of the code (accounts/one-time-code.ts); opaque to storage. */
  codeHash: string;
  /** Epoch ms after which the code is dead. */
  expiresAt: number;
  attempts: number;
  /** Anything the flow needs back with the code (opaque text), or null. */
  data: string | null;
}

export interface SessionRecord {
  /** SHA-256 of the session token, 64 lowercase hex characters; the token itself is never stored. */
  id: string;
  uid: string;
  createdAt: number;
  /** Last authenticated request, epoch ms (bumped at most once a minute by the caller). */
  lastAccessTime: number;
  /** False while a second step (a TOTP code) is still owed; such a session may do next to nothing. */
  verified: boolean;
  /** The device bound to this session, if it registered one. */
  deviceId: string | null;
}

/** A device's push subscription: all three fields or none. */
export interface DevicePush {
  /** The push endpoint URL. */
  callback: string;
  /** base64url 65-byte P-256 point (`p256dh`). */
  publicKey: string;
  /** base64url 16-byte auth secret. */
  authKey: string;
}

export interface DeviceRecord {
  uid: string;
  /** 32 lowercase hex characters, unique within the account. */
  id: string;
  /** Every device is bound to exactly one session; destroying either destroys both. */
  sessionId: string;
  name: string;
  type: string;
  createdAt: number;
  push: DevicePush | null;
  /** Set when the push service answered 404/410; cleared by registering another callback. */
  pushEndpointExpired: boolean;
  capabilities: string[];
  /** Command URI → opaque data (docs/device-messages.md#device-registry), e.g. the Send Tab key bundle. */
  availableCommands: Record<string, string>;
  /** The `lastAccessTime` of the device's session. */
  lastAccessTime: number;
}

export type NewDevice = Omit<DeviceRecord, 'pushEndpointExpired' | 'lastAccessTime'>;

/** What a device update may change; absent fields stay as stored. */
export interface DevicePatch {
  name?: string;
  type?: string;
  /** null clears the subscription. */
  push?: DevicePush | null;
  capabilities?: string[];
  availableCommands?: Record<string, string>;
}

/** Something that happened to an account's security (docs/accounts.md "Security events"). */
export interface SecurityEvent {
  /** e.g. `sign-in`, `sign-in-failed`, `password-changed`. */
  kind: string;
  /** Epoch ms. */
  at: number;
  /** The client address, or null. */
  ip: string | null;
}

/** A secondary address of an account (docs/accounts.md "Secondary emails"). */
export interface SecondaryEmail {
  /** Lowercased at the edge; unique across every account's primary and secondary addresses. */
  email: string;
  verified: boolean;
  createdAt: number;
}

/** What `addSecondaryEmail` did. */
export type AddEmailResult = 'added' | 'taken' | 'limit' | 'no-account';

export interface AccountStore {
  /** Create an account; false (and no change) when its email (as any account's primary or secondary) or uid is taken. */
  createAccount(account: NewAccount): Promise<boolean>;
  getAccount(uid: string): Promise<AccountRecord | null>;
  /** By the (already lowercased) email; null when there is none. */
  findAccountByEmail(email: string): Promise<AccountRecord | null>;
  /** Change the password hash, display name or email verification; false when the account does not exist. */
  updateAccount(uid: string, patch: AccountPatch): Promise<boolean>;
  /** Delete the account with all its sessions and devices; false when it did not exist. */
  deleteAccount(uid: string): Promise<boolean>;

  /**
   * Add a session (verified unless `verified` is false); false (and no change) when the account
   * does not exist or the id is taken.
   */
  createSession(session: { id: string; uid: string; createdAt: number; verified?: boolean }): Promise<boolean>;
  /** Mark a session verified; false when it does not exist. */
  verifySession(id: string): Promise<boolean>;
  /**
   * Delete every session of the account but `keepId` (null: all of them), with their devices.
   * Returns the ids of the devices that went.
   */
  deleteOtherSessions(uid: string, keepId: string | null): Promise<string[]>;
  /** The session, or null when it does not exist (signed out, revoked, account deleted). */
  getSession(id: string): Promise<SessionRecord | null>;
  /** Move `lastAccessTime` forward to `at` (never backwards); no-op for an unknown session. */
  touchSession(id: string, at: number): Promise<void>;
  /** Delete the session and the device bound to it; false when it did not exist. */
  deleteSession(id: string): Promise<boolean>;
  /**
   * Make room under a session quota: while the account has more than `keep` sessions, delete its
   * sessions that have no device, least recently used first (ties: oldest created, then id).
   * Sessions with a device are never deleted here. Returns how many sessions the account has
   * afterwards (more than `keep` when only sessions with devices were left).
   */
  trimSessions(uid: string, keep: number): Promise<number>;

  /**
   * Create a device bound to `device.sessionId` (of account `device.uid`), with
   * `pushEndpointExpired` false. False (and no change) when the session does not exist, belongs
   * to another account, already has a device, or the id is taken in the account.
   */
  createDevice(device: NewDevice): Promise<boolean>;
  /**
   * Apply `patch` to a device of the account and return the new record, or null when there is no
   * such device. When `patch.push` names a callback other than the stored one (or the stored
   * subscription is null), `pushEndpointExpired` is cleared in the same write.
   */
  updateDevice(uid: string, id: string, patch: DevicePatch): Promise<DeviceRecord | null>;
  /** A device of the account, or null (a device of another account is null too). */
  getDevice(uid: string, id: string): Promise<DeviceRecord | null>;
  /** The account's devices, oldest first (ties by id). */
  listDevices(uid: string): Promise<DeviceRecord[]>;
  /** Delete a device and the session it is bound to; false when there is no such device. */
  deleteDevice(uid: string, id: string): Promise<boolean>;
  /**
   * Set `pushEndpointExpired` only while the device's callback still equals `callback`, so a
   * failure of an old endpoint never flags a newer registration. Returns whether it was set.
   */
  markPushEndpointExpired(uid: string, id: string, callback: string): Promise<boolean>;

  /**
   * Store `code` as the account's code for `code.purpose`, replacing any earlier one (its attempts
   * start again from `code.attempts`). False (and no change) when the account does not exist.
   */
  putCode(code: AccountCode): Promise<boolean>;
  /**
   * Count one attempt at the account's code for `purpose` and return the code as stored after
   * the count, in one atomic step (so concurrent guesses each count); null when there is none.
   */
  attemptCode(uid: string, purpose: string): Promise<AccountCode | null>;
  /** Delete the code; true for exactly one of concurrent callers, false when there was none. */
  deleteCode(uid: string, purpose: string): Promise<boolean>;

  /**
   * Record `event` for the account, keeping only its newest `keep` events (older ones are
   * deleted in the same write). No-op for an unknown account.
   */
  addSecurityEvent(uid: string, event: SecurityEvent, keep: number): Promise<void>;
  /** The account's events, newest first (ties: the later recorded first). */
  listSecurityEvents(uid: string): Promise<SecurityEvent[]>;

  /** A per-account secret blob by name (recovery data, TOTP secret, …), or null. */
  getAccountSecret(uid: string, name: string): Promise<string | null>;
  /** Set (value) or delete (null) a per-account secret; false when the account does not exist. */
  setAccountSecret(uid: string, name: string, value: string | null): Promise<boolean>;

  /**
   * Replace (value) or delete (null) a per-account secret only while it still holds `expected`,
   * in one atomic step: of concurrent callers that read the same value, exactly one succeeds.
   * False when the stored value differs, is absent, or the account does not exist.
   */
  compareAndSetAccountSecret(uid: string, name: string, expected: string, value: string | null): Promise<boolean>;

  /**
   * Add an unverified secondary address. 'taken' (and no change) when the address is the primary
   * or a secondary of any account, this one included; 'limit' when the account already has `max`
   * secondary addresses; 'no-account'. Checked and written atomically.
   */
  addSecondaryEmail(uid: string, email: string, createdAt: number, max: number): Promise<AddEmailResult>;
  /** The account's secondary addresses, oldest first (ties by address). */
  listSecondaryEmails(uid: string): Promise<SecondaryEmail[]>;
  /** Mark a secondary address verified; false when the account has no such secondary. */
  verifySecondaryEmail(uid: string, email: string): Promise<boolean>;
  /** Remove a secondary address (the primary is never removed here); false when there was none. */
  removeSecondaryEmail(uid: string, email: string): Promise<boolean>;
  /**
   * Make a verified secondary address the primary, in one atomic step: the account's email
   * becomes `email` (verified), and the old primary becomes a secondary created at `at`, verified
   * as it was. False (and no change) unless `email` is a verified secondary of the account.
   */
  makeEmailPrimary(uid: string, email: string, at: number): Promise<boolean>;
  /** The uid of the account that has `email` as a secondary address, or null. */
  findSecondaryEmailOwner(email: string): Promise<string | null>;

  /**
   * A secret of Herald's own kept with the accounts (its VAPID key pair): the stored value of
   * `name`, stored from `create()` first if there is none. Nodes sharing the database all get
   * the value the first one stored, also when they start at the same moment.
   */
  serviceKey(name: string, create: () => string): Promise<string>;

  /** True when the backend answers. */
  healthCheck(): Promise<boolean>;
  close(): Promise<void>;
}
