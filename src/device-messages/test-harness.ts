/**
 * A test app for the account routes: Herald's endpoint app (so the plugin is proven beside the
 * push API's raw-bytes parsing and error style) with `accountsPlugin` mounted, in-memory SQLite
 * stores, a clock tests move, and a fake push service that records every push to a device and
 * answers with a chosen status. Requests go through `inject`: no sockets.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { noAccountLimits, type AccountAbuseGuard } from '../accounts/account-limits.js';
import { accountsSettings, type AccountsSettings } from '../accounts/settings.js';
import { smtpMailer, type Mailer } from '../mail/mailer.js';
import { startSmtpReceiver, type SmtpReceiver } from '../mail/test-smtp-receiver.js';
import { defaultSettings, type Settings } from '../config/settings.js';
import { b64uDecode } from '../crypto/base64url.js';
import { decryptWebPush, generateSubscriptionKeys, type SubscriptionKeys } from '../crypto/ece.js';
import { generateFernetKey, MultiFernet } from '../crypto/fernet.js';
import { generateVapidKeys } from '../crypto/vapid.js';
import { buildEndpointApp } from '../endpoint/app.js';
import type { NodeRouter } from '../routing/node-router.js';
import { openSqliteAccountStore } from '../storage/accounts/sqlite/sqlite-account-store.js';
import { openSqliteMailboxStore } from '../storage/accounts/sqlite/sqlite-mailbox-store.js';
import type { AccountStore } from '../storage/accounts/account-store.js';
import type { MailboxStore } from '../storage/accounts/mailbox-store.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import { accountsPlugin, type AccountsHandle } from './plugin.js';

export const PUBLIC_URL = 'https://push.example.com';

export class MovableClock {
  ms = Date.now();
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A push Herald sent to a device, as the push service received it. */
export interface RecordedPush {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface TestDevice {
  id: string;
  token: string;
  uid: string;
  callback: string;
  keys: SubscriptionKeys;
}

export interface TestApp {
  app: FastifyInstance;
  clock: MovableClock;
  accounts: AccountStore;
  mailbox: MailboxStore;
  handle: AccountsHandle;
  settings: Readonly<AccountsSettings>;
  pushes: RecordedPush[];
  /** Status the fake push service answers for a callback URL (default 201). */
  pushStatus: Map<string, number>;
  call(method: 'GET' | 'POST', url: string, opts?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Response>;
  /** A new account; returns its uid and first session token. */
  signUp(email?: string, password?: string): Promise<{ uid: string; token: string; email: string; password: string }>;
  /** A new session of an account. */
  signIn(email: string, password: string): Promise<string>;
  /** A new session of `uid`'s account with a registered device (push keys, `messages` capability). */
  device(account: { email: string; password: string }, body?: Record<string, unknown>): Promise<TestDevice>;
  /** Decrypted JSON of every push sent to a device so far, after background work settled. */
  pushesOf(device: TestDevice): Promise<any[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

const unusedRouter: NodeRouter = {
  push: async () => 'unreachable',
  notify: async () => 'unreachable',
  disconnect: async () => 'unreachable',
};

/**
 * Rate limits are off unless `over.limits` sets them (tests of other behaviour sign in many times
 * from one address); quotas keep their defaults. `abuse` stands in for the node's abuse controls.
 */
export async function startTestApp(over: Partial<AccountsSettings> = {}, opts: { abuse?: AccountAbuseGuard; mailer?: Mailer } = {}): Promise<TestApp> {
  const settings = accountsSettings(PUBLIC_URL, { passwordCost: 10, limits: noAccountLimits, ...over });
  const heraldSettings: Settings = { ...defaultSettings, endpointUrl: PUBLIC_URL, cryptoKeys: [generateFernetKey()] };
  const clock = new MovableClock();
  const pushStore = await openSqliteStore(':memory:');
  const accounts = await openSqliteAccountStore(':memory:');
  const mailbox = await openSqliteMailboxStore(':memory:', { now: clock.now });
  const pushes: RecordedPush[] = [];
  const pushStatus = new Map<string, number>();
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const body = init?.body ? Buffer.from(init.body as Uint8Array) : Buffer.alloc(0);
    pushes.push({ url, headers, body });
    return new Response(null, { status: pushStatus.get(url) ?? 201 });
  }) as typeof fetch;

  const app = buildEndpointApp({ settings: heraldSettings, store: pushStore, router: unusedRouter, cipher: new MultiFernet(heraldSettings.cryptoKeys) });
  let handle: AccountsHandle | undefined;
  app.register(accountsPlugin, {
    settings,
    accounts,
    mailbox,
    vapid: generateVapidKeys(),
    clock,
    fetch: fakeFetch,
    sweep: false,
    onStarted: (h) => (handle = h),
    ...(opts.abuse ? { abuse: opts.abuse } : {}),
    ...(opts.mailer ? { mailer: opts.mailer } : {}),
  });
  await app.ready();
  assert.ok(handle);

  const call: TestApp['call'] = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let payload: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.inject({ method, url, headers, payload });
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body: res.body, json };
  };

  let n = 0;
  const test: TestApp = {
    app,
    clock,
    accounts,
    mailbox,
    handle,
    settings,
    pushes,
    pushStatus,
    call,
    async signUp(email = `user${++n}-${randomBytes(4).toString('hex')}@example.com`, password = 'correct horse battery') {
      const res = await call('POST', '/v1/account/create', { body: { email, password } });
      assert.equal(res.status, 200, res.body);
      return { uid: res.json.uid, token: res.json.sessionToken, email, password };
    },
    async signIn(email, password) {
      const res = await call('POST', '/v1/account/login', { body: { email, password } });
      assert.equal(res.status, 200, res.body);
      return res.json.sessionToken;
    },
    async device(account, body = {}) {
      const token = await test.signIn(account.email, account.password);
      const keys = generateSubscriptionKeys();
      const callback = `${PUBLIC_URL}/wpush/v1/${randomBytes(12).toString('hex')}`;
      const res = await call('POST', '/v1/account/device', {
        token,
        body: {
          name: 'Device',
          type: 'desktop',
          pushCallback: callback,
          pushPublicKey: keys.publicKey.toString('base64url'),
          pushAuthKey: keys.auth.toString('base64url'),
          capabilities: ['messages'],
          ...body,
        },
      });
      assert.equal(res.status, 200, res.body);
      const uid = (await call('GET', '/v1/account/profile', { token })).json.uid;
      return { id: res.json.id, token, uid, callback, keys };
    },
    async pushesOf(device) {
      await handle!.drain();
      return pushes
        .filter((p) => p.url === device.callback)
        .map((p) => (p.body.length === 0 ? null : JSON.parse(decryptWebPush(p.body, device.keys, 'aes128gcm').toString('utf8'))));
    },
    async close() {
      await app.close();
      await Promise.all([pushStore.close(), accounts.close(), mailbox.close()]);
    },
  };
  return test;
}

/** The decoded VAPID `k=` of a recorded push. */
export function vapidKeyOf(push: RecordedPush): Buffer {
  const k = /k=([A-Za-z0-9_-]+)/.exec(push.headers.authorization ?? '')?.[1];
  assert.ok(k, 'the push carries a VAPID key');
  return b64uDecode(k);
}

/**
 * A test app whose mail goes over real SMTP to a receiver on loopback (codes are read from the
 * mails, never from storage); the app's `close` stops the mailer and the receiver too.
 */
export async function startTestAppWithMail(over: Partial<AccountsSettings> = {}): Promise<{ t: TestApp; rx: SmtpReceiver }> {
  const rx = await startSmtpReceiver();
  const mailer = smtpMailer(rx.smtp);
  const app = await startTestApp(over, { mailer });
  const t: TestApp = {
    ...app,
    async close() {
      await app.close();
      mailer.close();
      await rx.close();
    },
  };
  return { t, rx };
}
