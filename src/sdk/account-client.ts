/**
 * A device of a Herald account, for Node: signs in, registers itself with its own push
 * subscription (a `PushUserAgent`) and its Send Tab keys, sends tabs to the account's other
 * devices end to end encrypted, and receives them through pushes and the durable mailbox, with
 * either recovery algorithm of the recipe (mailbox-recovery.ts). The wire API is in
 * docs/device-messages.md.
 *
 *   const phone = await AccountDevice.signIn({ serverUrl, email, password, name: 'Phone' });
 *   phone.on('tab', ({ tab }) => console.log(tab.url));
 *   await phone.start();
 *   await phone.sendTab(laptopId, { title: 'Herald', url: 'https://example.com/' });
 *
 * Everything to come back as the same device later is in `state` (given to `persist` on every
 * change); it holds secrets (session token, kSync, private keys): store it as such.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { b64uDecode, b64uEncode } from '../crypto/base64url.js';
import { decryptWebPush, encryptWebPush } from '../crypto/ece.js';
import { AccountApi, type EnqueueResult, type RemoteDevice, type StoredCommandJson, type StoredMessageJson } from './account-api.js';
import { deriveAccountSecrets, keysFromKB, newKB, newRecoveryKey, openKB, recoveryKeyId, sealKB, unwrapKB, wrapKB } from './account-secrets.js';
import { emptyRecoveryState, MailboxReader, type DeliveryReason, type RecoveryMode, type RecoveryState } from './mailbox-recovery.js';
import { decryptTab, encryptTab, generateSendTabKeys, openSendTabKeys, sealSendTabKeys, SEND_TAB_COMMAND, type SendTabKeys, type Tab } from './send-tab.js';
import type { UserAgentState } from './types.js';
import { PushUserAgent, type UserAgentOptions } from './user-agent.js';

export { AccountApi, AccountApiError } from './account-api.js';
export type { EnqueueResult, RemoteDevice } from './account-api.js';
export type { DeliveryReason, RecoveryMode, RecoveryState } from './mailbox-recovery.js';
export { SEND_TAB_COMMAND, type Tab } from './send-tab.js';

/** Everything a device keeps; JSON-serialisable, and secret. */
export interface AccountDeviceState {
  uid: string;
  email: string;
  sessionToken: string;
  /** Null until the first registration. */
  deviceId: string | null;
  /** base64url; the account's root key (docs/accounts.md "Keys"); absent in states from before it was kept. */
  kB?: string;
  /** base64url; derived from kB, never sent. */
  kSync: string;
  kXCS: string;
  sendTabKeys: SendTabKeys;
  push: UserAgentState;
  /** The push subscription Herald pushes to. */
  channelID: string | null;
  commands: RecoveryState;
  messages: RecoveryState;
}

export interface AccountDeviceOptions {
  /** Herald's public HTTP URL, e.g. `https://push.example.com`. */
  serverUrl: string;
  /** The push service's WebSocket URL; default: `serverUrl`'s host over ws(s). */
  pushServerUrl?: string;
  state: AccountDeviceState;
  /** Name and type to register with (default `Node device`, `desktop`). */
  name?: string;
  type?: string;
  /** How missed messages are recovered; default `fetch-all`. */
  recovery?: RecoveryMode;
  persist?: (state: AccountDeviceState) => void | Promise<void>;
  /** Reconnect policy of the push connection (see `PushUserAgent`). */
  reconnect?: UserAgentOptions['reconnect'];
}

export interface SignInOptions extends Omit<AccountDeviceOptions, 'state'> {
  email: string;
  password: string;
  /** For an account with two-step authentication: the TOTP code, or else a recovery code. */
  totpCode?: string;
  recoveryCode?: string;
  /**
   * For a sign-in the server wants confirmed (from a place the account was not seen at lately,
   * docs/accounts.md "Sign-in confirmation"): asked, after the sign-in, for the code mailed to the
   * account's primary address.
   */
  signInCode?: () => Promise<string>;
}

/** A tab received from another device. */
export interface TabEvent {
  tab: Tab;
  /** The mailbox index it was stored under. */
  index: number;
  /** The sending device's id, or null when it had none. */
  sender: string | null;
  /** Through device commands (`command`) or the messages API (`message`). */
  via: 'command' | 'message';
  reason: DeliveryReason;
}

export type AccountDeviceEvents = {
  tab: [event: TabEvent];
  /** A device command other than Send Tab. */
  command: [event: { index: number; command: string; payload: Record<string, unknown>; sender: string | null; reason: DeliveryReason }];
  /**
   * Every push of the messages API as it came, `{topic, url, index}`, whatever its topic (the
   * device itself reads only `sendtab`), for a reader of its own that fetches `url`.
   */
  'message-push': [event: { topic: string; url: string; index: number }];
  /** Any other push from the account (`fxaccounts:device_connected`, …); unknown ones included. */
  'account-event': [event: { command: string; data?: Record<string, unknown> }];
  /** Something failed in the background (a fetch after a push, a message that did not decrypt). */
  failure: [error: Error];
};

export class AccountDevice extends EventEmitter<AccountDeviceEvents> {
  readonly api: AccountApi;
  readonly #opts: AccountDeviceOptions;
  #state: AccountDeviceState;
  readonly #ua: PushUserAgent;
  readonly #commands: MailboxReader<StoredCommandJson>;
  readonly #messages: MailboxReader<StoredMessageJson>;
  #persistChain: Promise<void> = Promise.resolve();

  /** Create an account and a device state for it (not yet registered: call `start`). */
  static async signUp(opts: SignInOptions): Promise<AccountDevice> {
    const secrets = await deriveAccountSecrets(opts.email, opts.password);
    const api = new AccountApi(opts.serverUrl);
    const { uid, sessionToken } = await api.createAccount(secrets.email, secrets.authPassword);
    const kB = newKB();
    await api.setKeys(wrapKB(kB, secrets.unwrapKey));
    return new AccountDevice({ ...opts, state: newState(uid, secrets.email, kB, sessionToken) });
  }

  /** Sign in to an account as a new device (not yet registered: call `start`). */
  static async signIn(opts: SignInOptions): Promise<AccountDevice> {
    const secrets = await deriveAccountSecrets(opts.email, opts.password);
    const api = new AccountApi(opts.serverUrl);
    const { uid, sessionToken, verified, verificationMethod } = await api.signIn(secrets.email, secrets.authPassword);
    if (!verified && verificationMethod === 'email-otp') {
      if (opts.signInCode === undefined) throw new Error('this sign-in must be confirmed with the code mailed to the account: pass signInCode');
      await api.verifySessionCode(await opts.signInCode());
    } else if (!verified) {
      if (opts.totpCode !== undefined) await api.verifySessionTotp(opts.totpCode);
      else if (opts.recoveryCode !== undefined) await api.verifySessionRecoveryCode(opts.recoveryCode);
      else throw new Error('this account has two-step authentication: pass totpCode or recoveryCode');
    }
    const { wrapKB: wrap } = await api.getKeys();
    const kB = wrap === null ? secrets.legacyKB : unwrapKB(wrap, secrets.unwrapKey);
    return new AccountDevice({ ...opts, state: newState(uid, secrets.email, kB, sessionToken) });
  }

  /** Mail a password-reset code to `email` (docs/accounts.md "Password"). */
  static async sendResetCode(serverUrl: string, email: string): Promise<void> {
    await new AccountApi(serverUrl).sendResetCode(email);
  }

  /**
   * Reset the password with the mailed code and sign in as a new device (not yet registered). With
   * the account recovery key the root key is recovered, so kSync and the other devices' Send Tab
   * keys stay valid; without it a new root key is made (every device signs in again and
   * publishes new Send Tab keys).
   * @throws AccountApiError for a wrong code; Error when the recovery key does not open the recovery data.
   */
  static async resetPassword(opts: SignInOptions & { code: string; recoveryKey?: string }): Promise<AccountDevice> {
    const api = new AccountApi(opts.serverUrl);
    const secrets = await deriveAccountSecrets(opts.email, opts.password);
    const id = opts.recoveryKey === undefined ? undefined : recoveryKeyId(opts.recoveryKey);
    const grant = await api.verifyResetCode(secrets.email, opts.code, id);
    const recovered = opts.recoveryKey !== undefined && grant.recoveryData !== null ? openKB(grant.recoveryData, opts.recoveryKey) : null;
    const kB = recovered ?? newKB();
    const { uid, sessionToken } = await api.resetPassword({
      email: secrets.email,
      resetToken: grant.resetToken,
      newPassword: secrets.authPassword,
      wrapKB: wrapKB(kB, secrets.unwrapKey),
      keepKeys: recovered !== null,
    });
    return new AccountDevice({ ...opts, state: newState(uid, secrets.email, kB, sessionToken) });
  }

  constructor(opts: AccountDeviceOptions) {
    super();
    this.#opts = opts;
    this.#state = structuredClone(opts.state);
    this.api = new AccountApi(opts.serverUrl, this.#state.sessionToken);
    this.#ua = new PushUserAgent({
      serverUrl: opts.pushServerUrl ?? defaultPushServerUrl(opts.serverUrl),
      state: this.#state.push,
      reconnect: opts.reconnect,
      persist: (push) => this.#save({ push }),
    });
    this.#ua.on('push', (p) => this.#onPush(p.text));
    this.#ua.on('reset', () => void this.#resubscribe().catch((err: unknown) => this.#fail(err)));
    const mode = opts.recovery ?? 'fetch-all';
    this.#commands = new MailboxReader<StoredCommandJson>({
      mode,
      state: this.#state.commands,
      fetchPage: (index, limit) => this.api.commands(index, limit),
      handle: (m, reason) => this.#onCommand(m.index, m.data, reason),
      save: (commands) => this.#save({ commands }),
      onHandlerError: (err) => this.#fail(err),
    });
    this.#messages = new MailboxReader<StoredMessageJson>({
      mode,
      state: this.#state.messages,
      // The messages API reads after the index given (the recipe's words); the device only
      // understands Send Tab, so it asks for that topic alone.
      bound: 'exclusive',
      fetchPage: (index, limit) => this.api.messages(index, limit, 'sendtab'),
      handle: (m, reason) => this.#onMessage(m.index, m.data, reason),
      save: (messages) => this.#save({ messages }),
      onHandlerError: (err) => this.#fail(err),
    });
  }

  get deviceId(): string | null {
    return this.#state.deviceId;
  }

  /** A copy of everything to persist. */
  get state(): AccountDeviceState {
    return structuredClone(this.#state);
  }

  /**
   * Connect the push connection, subscribe if needed, and register (or update) this device with
   * its push callback, Send Tab keys and the `messages` capability. A push endpoint the server
   * reports expired is replaced by a new subscription.
   */
  async start(): Promise<void> {
    await this.#ua.connect();
    const device = await this.#register();
    if (device.pushEndpointExpired) await this.#resubscribe();
  }

  /** Close the push connection; resolves once the state is saved. */
  async stop(): Promise<void> {
    await this.#ua.close();
    await this.#persistChain;
  }

  devices(): Promise<RemoteDevice[]> {
    return this.api.devices();
  }

  /**
   * Send a tab as a Send Tab command, encrypted to the target's own Send Tab keys, which are
   * checked against kSync first.
   * @throws SendTabError when the target has no (or stale) keys; AccountApiError from the server.
   */
  async sendTab(targetId: string, tab: Tab, opts: { ttl?: number } = {}): Promise<EnqueueResult> {
    const target = await this.#device(targetId);
    const bundle = target.availableCommands[SEND_TAB_COMMAND];
    if (bundle === undefined) throw new Error(`device ${targetId} does not take Send Tab`);
    const keys = openSendTabKeys(bundle, this.#secrets());
    const encrypted = encryptTab({ entries: [tab], flowID: shortId(), streamID: shortId() }, keys);
    return this.api.invokeCommand(targetId, SEND_TAB_COMMAND, { encrypted }, opts.ttl);
  }

  /**
   * Send a tab through the messages API of the recipe: encrypted to the target's push keys.
   * @throws Error when the target has no push keys; AccountApiError from the server.
   */
  async sendTabMessage(targetId: string, tab: Tab, opts: { ttl?: number } = {}): Promise<EnqueueResult> {
    const target = await this.#device(targetId);
    if (target.pushPublicKey === null || target.pushAuthKey === null) throw new Error(`device ${targetId} has no push keys`);
    const clear = { topic: 'sendtab', data: { entries: [tab], flowID: shortId(), streamID: shortId() } };
    const { body } = encryptWebPush(Buffer.from(JSON.stringify(clear), 'utf8'), { p256dh: target.pushPublicKey, auth: target.pushAuthKey });
    return this.api.sendMessage(targetId, b64uEncode(body), opts.ttl);
  }

  /** The periodic poll of both mailboxes (for `one-push`, every 20 minutes or so; any time for `fetch-all`). */
  async poll(): Promise<void> {
    await this.#commands.poll();
    await this.#messages.poll();
  }

  /**
   * Change the password: the root key is re-wrapped under the new one, so kSync and Send Tab keep
   * working; the account's other sessions are signed out.
   */
  async changePassword(oldPassword: string, newPassword: string): Promise<void> {
    // The password is stretched with the primary address, which may have changed since this
    // device signed in (docs/accounts.md "Secondary emails"): ask the server for it.
    const { email } = await this.api.emailStatus();
    const old = await deriveAccountSecrets(email, oldPassword);
    const next = await deriveAccountSecrets(email, newPassword);
    const { wrapKB: wrap } = await this.api.getKeys();
    const kB = wrap === null ? old.legacyKB : unwrapKB(wrap, old.unwrapKey);
    await this.api.changePassword(old.authPassword, next.authPassword, wrapKB(kB, next.unwrapKey));
    await this.#save({ kB: kB.toString('base64url'), email });
  }

  /**
   * Make an account recovery key (docs/accounts.md): the server keeps only the root key sealed
   * under it. Show the returned key to the user once; it replaces any earlier one.
   */
  async createRecoveryKey(): Promise<string> {
    if (this.#state.kB === undefined) throw new Error('this device state has no root key: sign in again first');
    const key = newRecoveryKey();
    await this.api.setRecoveryKey(recoveryKeyId(key), sealKB(Buffer.from(this.#state.kB, 'base64url'), key));
    return key;
  }

  /** Sign out: this device is removed from the account and its session ends. */
  async signOut(): Promise<void> {
    await this.api.signOut();
    await this.stop();
  }

  async #register(): Promise<RemoteDevice> {
    const sub = await this.#subscription();
    const device = await this.api.registerDevice({
      ...(this.#state.deviceId === null ? { name: this.#opts.name ?? 'Node device', type: this.#opts.type ?? 'desktop' } : {}),
      pushCallback: sub.endpoint,
      pushPublicKey: sub.keys.p256dh,
      pushAuthKey: sub.keys.auth,
      capabilities: ['messages'],
      availableCommands: { [SEND_TAB_COMMAND]: sealSendTabKeys(this.#state.sendTabKeys, this.#secrets()) },
    });
    await this.#save({ deviceId: device.id });
    return device;
  }

  async #subscription() {
    const current = this.#ua.subscriptions().find((s) => s.channelID === this.#state.channelID);
    if (current) return current;
    const sub = await this.#ua.subscribe();
    await this.#save({ channelID: sub.channelID });
    return sub;
  }

  /** A new push subscription (the old one was reset or expired), registered at once. */
  async #resubscribe(): Promise<void> {
    if (this.#state.channelID !== null) await this.#ua.unsubscribe(this.#state.channelID).catch(() => false);
    await this.#save({ channelID: null });
    await this.#register();
  }

  async #device(id: string): Promise<RemoteDevice> {
    const target = (await this.api.devices()).find((d) => d.id === id);
    if (target === undefined) throw new Error(`no device ${id} in this account`);
    return target;
  }

  #onPush(text: string): void {
    let msg: { command?: unknown; data?: { index?: unknown; id?: unknown }; topic?: unknown; url?: unknown; index?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return; // not from Herald's account service
    }
    if (msg.command === 'fxaccounts:command_received' && typeof msg.data?.index === 'number') {
      this.#commands.onPush(msg.data.index).catch((err: unknown) => this.#fail(err));
    } else if (typeof msg.topic === 'string' && typeof msg.url === 'string') {
      // The push names its message's index; its URL asks for what follows index - 1.
      const index = typeof msg.index === 'number' ? msg.index : Number(new URL(msg.url).searchParams.get('index')) + 1;
      if (!Number.isInteger(index) || index <= 0) return;
      this.emit('message-push', { topic: msg.topic, url: msg.url, index });
      if (msg.topic === 'sendtab') this.#messages.onPush(index).catch((err: unknown) => this.#fail(err));
    } else if (typeof msg.command === 'string') {
      this.emit('account-event', msg.data === undefined ? { command: msg.command } : { command: msg.command, data: msg.data as Record<string, unknown> });
    }
  }

  #onCommand(index: number, data: StoredCommandJson, reason: DeliveryReason): void {
    const sender = data.sender || null;
    if (data.command !== SEND_TAB_COMMAND) {
      this.emit('command', { index, command: data.command, payload: data.payload, sender, reason });
      return;
    }
    const { tab } = decryptTab(String(data.payload.encrypted), this.#state.sendTabKeys);
    this.emit('tab', { tab, index, sender, via: 'command', reason });
  }

  #onMessage(index: number, data: StoredMessageJson, reason: DeliveryReason): void {
    const sub = this.#state.channelID === null ? undefined : this.#ua.state.subscriptions[this.#state.channelID];
    if (sub === undefined) throw new Error(`message ${index} arrived without a push subscription to decrypt it`);
    const clear = decryptWebPush(
      b64uDecode(data.data),
      { privateKey: b64uDecode(sub.privateKey), publicKey: b64uDecode(sub.publicKey), auth: b64uDecode(sub.auth) },
      'aes128gcm',
    );
    const parsed = JSON.parse(clear.toString('utf8')) as { data?: { entries?: Tab[] } };
    const tab = parsed.data?.entries?.at(-1);
    if (!tab || typeof tab.url !== 'string') throw new Error(`message ${index} holds no tab`);
    this.emit('tab', { tab: { title: String(tab.title ?? ''), url: tab.url }, index, sender: data.sender || null, via: 'message', reason });
  }

  #secrets(): { kSync: Buffer; kXCS: Buffer } {
    return { kSync: b64uDecode(this.#state.kSync), kXCS: b64uDecode(this.#state.kXCS) };
  }

  #fail(err: unknown): void {
    this.emit('failure', err instanceof Error ? err : new Error(String(err)));
  }

  #save(change: Partial<AccountDeviceState>): Promise<void> {
    Object.assign(this.#state, change);
    const persist = this.#opts.persist;
    if (persist === undefined) return Promise.resolve();
    const snapshot = structuredClone(this.#state);
    const saved = this.#persistChain.then(() => persist(snapshot));
    this.#persistChain = saved.catch((err: unknown) => this.#fail(err));
    return saved;
  }
}

function newState(uid: string, email: string, kB: Buffer, sessionToken: string): AccountDeviceState {
  const { kSync, kXCS } = keysFromKB(kB);
  return {
    uid,
    email,
    sessionToken,
    deviceId: null,
    kB: b64uEncode(kB),
    kSync: b64uEncode(kSync),
    kXCS: b64uEncode(kXCS),
    sendTabKeys: generateSendTabKeys(),
    push: { uaid: null, subscriptions: {} },
    channelID: null,
    commands: emptyRecoveryState(),
    messages: emptyRecoveryState(),
  };
}

function defaultPushServerUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/`;
}

/** 12 characters, as application-services' flow and stream ids. */
const shortId = (): string => randomBytes(9).toString('base64url');
