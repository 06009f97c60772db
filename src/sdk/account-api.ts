/**
 * A thin typed client of Herald's account API (docs/device-messages.md): one method per route,
 * JSON in and out, `Authorization: Bearer <sessionToken>`. Failures throw `AccountApiError` with
 * the status and errno (docs/errors.md). No retries, no state beyond the token.
 */

/** A device as `GET /v1/account/devices` shows it. */
export interface RemoteDevice {
  id: string;
  name: string;
  type: string;
  createdAt: number;
  lastAccessTime: number;
  isCurrentDevice: boolean;
  pushCallback: string | null;
  pushPublicKey: string | null;
  pushAuthKey: string | null;
  pushEndpointExpired: boolean;
  capabilities: string[];
  availableCommands: Record<string, string>;
}

export interface DeviceRegistrationBody {
  id?: string;
  name?: string;
  type?: string;
  pushCallback?: string;
  pushPublicKey?: string;
  pushAuthKey?: string;
  capabilities?: string[];
  availableCommands?: Record<string, string>;
}

/** A page of a mailbox; `{index}` alone when asked with limit 0. */
export interface MailboxPageJson<T> {
  index: number;
  last?: boolean;
  messages?: { index: number; data: T }[];
}

export interface StoredCommandJson {
  command: string;
  payload: Record<string, unknown>;
  sender?: string;
}

export interface StoredMessageJson {
  topic: string;
  data: string;
  sender?: string;
}

export interface EnqueueResult {
  enqueued: boolean;
  notified: boolean;
  notifyError?: string;
}

/** The answer of sign-up and sign-in. */
export interface SignedInJson {
  uid: string;
  sessionToken: string;
  /** False while the session owes a second step. */
  verified: boolean;
  /** What an unverified session owes: a TOTP code, or the code mailed to confirm a sign-in from a new place. */
  verificationMethod?: 'totp-2fa' | 'email-otp';
  emailVerified: boolean;
}

export class AccountApiError extends Error {
  readonly status: number;
  readonly errno: number | null;
  constructor(status: number, errno: number | null, message: string) {
    super(message);
    this.name = 'AccountApiError';
    this.status = status;
    this.errno = errno;
  }
}

export class AccountApi {
  readonly baseUrl: string;
  sessionToken: string | null;

  /** @param baseUrl Herald's public URL, e.g. `https://push.example.com`. */
  constructor(baseUrl: string, sessionToken: string | null = null) {
    this.baseUrl = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.sessionToken = sessionToken;
  }

  /** Create an account; keeps and returns the new session. */
  async createAccount(email: string, password: string): Promise<SignedInJson> {
    return this.#signedIn(await this.#call<SignedInJson>('POST', 'v1/account/create', { email, password }, false));
  }

  /** Sign in; keeps and returns the new session. */
  async signIn(email: string, password: string): Promise<SignedInJson> {
    return this.#signedIn(await this.#call<SignedInJson>('POST', 'v1/account/login', { email, password }, false));
  }

  /** The account's wrapped root key (docs/accounts.md "Keys"); null for an account without one. */
  getKeys(): Promise<{ wrapKB: string | null }> {
    return this.#call('GET', 'v1/account/keys');
  }

  /** First-time key setup: only when the account has no `wrapKB` yet. */
  async setKeys(wrapKB: string): Promise<void> {
    await this.#call('POST', 'v1/account/keys', { wrapKB });
  }

  /** Change the password (both as derived `authPW`s); the other sessions are signed out. */
  async changePassword(oldPassword: string, newPassword: string, wrapKB?: string): Promise<void> {
    await this.#call('POST', 'v1/password/change', wrapKB === undefined ? { oldPassword, newPassword } : { oldPassword, newPassword, wrapKB });
  }

  /** Mail a password-reset code (the answer is the same whether the email has an account). */
  async sendResetCode(email: string): Promise<void> {
    await this.#call('POST', 'v1/password/forgot/send_code', { email }, false);
  }

  /** Trade the mailed code for a reset token, and the recovery data when `recoveryKeyId` names the account's recovery key. */
  verifyResetCode(email: string, code: string, recoveryKeyId?: string): Promise<{ resetToken: string; recoveryData: string | null }> {
    return this.#call('POST', 'v1/password/forgot/verify_code', recoveryKeyId === undefined ? { email, code } : { email, code, recoveryKeyId }, false);
  }

  /** Set the new password with the reset token; keeps and returns the new session. */
  async resetPassword(body: { email: string; resetToken: string; newPassword: string; wrapKB?: string; keepKeys?: boolean }): Promise<SignedInJson> {
    return this.#signedIn(await this.#call<SignedInJson>('POST', 'v1/password/forgot/reset', body, false));
  }

  async setRecoveryKey(recoveryKeyId: string, recoveryData: string): Promise<void> {
    await this.#call('POST', 'v1/recovery_key', { recoveryKeyId, recoveryData });
  }

  recoveryKeyExists(): Promise<{ exists: boolean }> {
    return this.#call('GET', 'v1/recovery_key/exists');
  }

  /** The second step of a sign-in with two-step authentication: a TOTP code. */
  async verifySessionTotp(code: string): Promise<void> {
    await this.#call('POST', 'v1/session/verify/totp', { code });
  }

  /** Confirm a sign-in from a new place with the code mailed to the account (docs/accounts.md "Sign-in confirmation"). */
  async verifySessionCode(code: string): Promise<void> {
    await this.#call('POST', 'v1/session/verify_code', { code });
  }

  /** The second step with one of the account's recovery codes (each works once). */
  async verifySessionRecoveryCode(code: string): Promise<{ recoveryCodesLeft: number }> {
    return this.#call('POST', 'v1/session/verify/recovery_code', { code });
  }

  /** Whether the account's address is confirmed (docs/accounts.md "Email verification"). */
  emailStatus(): Promise<{ email: string; verified: boolean }> {
    return this.#call('GET', 'v1/recovery_email/status');
  }

  /** Mail a new verification code (replacing the last one). */
  async resendVerificationCode(): Promise<void> {
    await this.#call('POST', 'v1/recovery_email/resend_code');
  }

  /** Confirm the address with the mailed code. */
  verifyEmail(code: string): Promise<{ email: string; verified: boolean }> {
    return this.#call('POST', 'v1/recovery_email/verify_code', { code });
  }

  async signOut(): Promise<void> {
    await this.#call('POST', 'v1/session/destroy');
    this.sessionToken = null;
  }

  profile(): Promise<{ uid: string; email: string; displayName: string | null; emailVerified: boolean }> {
    return this.#call('GET', 'v1/account/profile');
  }

  async destroyAccount(password: string): Promise<void> {
    await this.#call('POST', 'v1/account/destroy', { password });
    this.sessionToken = null;
  }

  registerDevice(body: DeviceRegistrationBody): Promise<RemoteDevice> {
    return this.#call('POST', 'v1/account/device', body);
  }

  devices(activeSince?: number): Promise<RemoteDevice[]> {
    return this.#call('GET', activeSince === undefined ? 'v1/account/devices' : `v1/account/devices?filterIdleDevicesTimestamp=${activeSince}`);
  }

  async destroyDevice(id: string): Promise<void> {
    await this.#call('POST', 'v1/account/device/destroy', { id });
  }

  invokeCommand(target: string, command: string, payload: Record<string, unknown>, ttl?: number): Promise<EnqueueResult> {
    return this.#call('POST', 'v1/account/devices/invoke_command', ttl === undefined ? { target, command, payload } : { target, command, payload, ttl });
  }

  commands(index: number, limit = 100): Promise<MailboxPageJson<StoredCommandJson>> {
    return this.#call('GET', `v1/account/device/commands?index=${index}&limit=${limit}`);
  }

  /** `topic` is `sendtab` unless given (any name matching docs/device-messages.md's pattern). */
  sendMessage(to: string, data: string, ttl?: number, topic = 'sendtab'): Promise<EnqueueResult> {
    return this.#call('POST', 'v1/account/devices/messages', ttl === undefined ? { to, topic, data } : { to, topic, data, ttl });
  }

  /**
   * Messages stored strictly after `index` (the recipe's exclusive bound), only of `topic` if
   * given. Persist the answer's `index`: it is where the reader stands, never a rewind.
   */
  messages(index: number, limit = 100, topic?: string): Promise<MailboxPageJson<StoredMessageJson>> {
    const query = new URLSearchParams({ index: String(index), limit: String(limit) });
    if (topic !== undefined) query.set('topic', topic);
    return this.#call('GET', `v1/account/device/messages?${query.toString()}`);
  }

  #signedIn<R extends { sessionToken: string }>(r: R): R {
    this.sessionToken = r.sessionToken;
    return r;
  }

  async #call<T>(method: 'GET' | 'POST', path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = {};
    if (auth) {
      if (this.sessionToken === null) throw new AccountApiError(401, 110, 'not signed in');
      headers.Authorization = `Bearer ${this.sessionToken}`;
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(new URL(path, this.baseUrl), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (json ?? {}) as { errno?: number; message?: string };
      throw new AccountApiError(res.status, err.errno ?? null, err.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }
}
