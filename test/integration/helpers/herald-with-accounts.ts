/**
 * A live Herald with accounts and device messages, started in-process for the integration tests:
 * the same parts `herald serve` wires (node resources, connection node, endpoint app, one port
 * for WebSocket and HTTP), plus `accountsPlugin` on the endpoint app, the account stores in the
 * same SQLite file, and Herald's VAPID key from its key file. Real sockets on 127.0.0.1.
 *
 * It stays here until `herald serve` mounts the plugin itself (see the wiring notes in
 * docs/device-messages.md); tests then can move to `startHerald()`.
 *
 * `dropPushes(n)` makes the next n pushes Herald sends to devices vanish after the push service
 * would have accepted them (Herald sees a 201), as a lossy push network does.
 */
import type { Mailer } from '../../../src/mail/mailer.js';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { noAccountLimits } from '../../../src/accounts/account-limits.js';
import { accountsSettings, type AccountsSettings } from '../../../src/accounts/settings.js';
import { serviceVapidKeys } from '../../../src/accounts/service-vapid-key.js';
import { openNodeResources } from '../../../src/cli/node-resources.js';
import { startConnectionNode } from '../../../src/cli/start-connection-node.js';
import { defaultSettings, type Settings } from '../../../src/config/settings.js';
import { generateFernetKey } from '../../../src/crypto/fernet.js';
import { accountsPlugin, type AccountsHandle } from '../../../src/device-messages/plugin.js';
import { buildEndpointApp } from '../../../src/endpoint/app.js';
import { openAccountStores, type AccountStores } from '../../../src/storage/accounts/open-account-stores.js';
import { freePort } from './herald-process.js';

export interface HeraldWithAccounts {
  /** `http://127.0.0.1:PORT`: the endpoint API, the account API and the device page. */
  url: string;
  /** `ws://127.0.0.1:PORT/` */
  wsUrl: string;
  stores: AccountStores;
  /** Mailbox entries of `deviceId` still in storage, expired or not (what the sweeper deletes). */
  storedEntries(deviceId: string): Promise<number>;
  handle: AccountsHandle;
  /** Pushes Herald sent to devices so far (to their callbacks), with the status they got. */
  pushes: { url: string; status: number; dropped: boolean }[];
  /** Make the next `n` pushes to devices vanish on the way. */
  dropPushes(n: number): void;
  /** Make the next `n` pushes to devices arrive twice (two messages with the same payload). */
  duplicatePushes(n: number): void;
  close(): Promise<void>;
}

/** `db`: the storage DSN; default a fresh SQLite file. */
export async function startHeraldWithAccounts(over: Partial<AccountsSettings> = {}, opts: { db?: string; mailer?: Mailer } = {}): Promise<HeraldWithAccounts> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'herald-accounts-it-'));
  const url = `http://127.0.0.1:${port}`;
  const settings: Readonly<Settings> = Object.freeze({
    ...defaultSettings,
    host: '127.0.0.1',
    port,
    endpointUrl: url,
    db: opts.db ?? `sqlite:${join(dataDir, 'herald.db')}`,
    cryptoKeys: [generateFernetKey()],
    routerHost: '127.0.0.1',
    routerHostname: '127.0.0.1',
    routerPort: 0,
    logLevel: 'silent',
  });
  const logger = pino({ level: 'silent' });
  const res = await openNodeResources(settings, logger);
  const connection = await startConnectionNode(res);
  const stores = await openAccountStores(settings.db);
  const vapid = await serviceVapidKeys(stores.accounts);

  const pushes: HeraldWithAccounts['pushes'] = [];
  let toDrop = 0;
  let toDuplicate = 0;
  const lossyFetch: typeof fetch = async (input, init) => {
    const target = String(input);
    if (toDrop > 0) {
      toDrop--;
      pushes.push({ url: target, status: 201, dropped: true });
      return new Response(null, { status: 201 });
    }
    if (toDuplicate > 0) {
      toDuplicate--;
      const first = await fetch(input, init);
      pushes.push({ url: target, status: first.status, dropped: false });
    }
    const response = await fetch(input, init);
    pushes.push({ url: target, status: response.status, dropped: false });
    return response;
  };

  const app = buildEndpointApp({ settings, store: res.store, router: connection.router, cipher: res.cipher, logger: logger.child({ part: 'endpoint' }) });
  let handle: AccountsHandle | undefined;
  app.register(accountsPlugin, {
    // Rate limits off unless asked for: these tests sign in many devices from one address
    // (test/integration/account-abuse.test.ts runs the real defaults through `startServer`).
    settings: accountsSettings(url, { passwordCost: 12, sweepInterval: 1, limits: noAccountLimits, ...over }),
    accounts: stores.accounts,
    mailbox: stores.mailbox,
    vapid,
    fetch: lossyFetch,
    onStarted: (h) => (handle = h),
    ...(opts.mailer ? { mailer: opts.mailer } : {}),
  });
  app.server.on('upgrade', connection.handleUpgrade);
  await app.listen({ host: settings.host, port });
  if (handle === undefined) throw new Error('accountsPlugin did not start');
  const started = handle;
  if ((app.server.address() as AddressInfo).port !== port) throw new Error('bound another port');

  let closing: Promise<void> | undefined;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/`,
    stores,
    storedEntries: (deviceId) => storedEntries(settings.db, deviceId),
    handle: started,
    pushes,
    dropPushes: (n) => void (toDrop += n),
    duplicatePushes: (n) => void (toDuplicate += n),
    close: () =>
      (closing ??= (async () => {
        const httpClosed = app.close();
        await connection.shutdown();
        await httpClosed;
        await stores.close();
        await res.close();
        rmSync(dataDir, { recursive: true, force: true });
      })()),
  };
}

/** Count a device's mailbox rows by looking into the backend itself, past the store's read-time expiry. */
async function storedEntries(dsn: string, deviceId: string): Promise<number> {
  if (dsn.startsWith('sqlite:')) {
    const db = new Database(dsn.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare('SELECT count(*) FROM device_message WHERE device_id = ?').pluck().get(deviceId) as number;
    } finally {
      db.close();
    }
  }
  if (dsn.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: dsn });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM device_message WHERE device_id = $1', [deviceId]);
      return Number(rows[0]!.n);
    } finally {
      await client.end();
    }
  }
  // Redis (one server): every live entry has one member "device:box:index" in its account's
  // expiry set, herald:mailbox:{uid}:expiry (src/storage/accounts/redis/redis-mailbox-store.ts).
  const redis = new Redis(dsn, { lazyConnect: true });
  await redis.connect();
  try {
    let n = 0;
    for await (const keys of redis.scanStream({ match: 'herald:mailbox:{*}:expiry', count: 1000 }) as AsyncIterable<string[]>) {
      for (const key of keys) n += (await redis.zrange(key, '0', '-1')).filter((m) => m.split(':')[0] === deviceId).length;
    }
    return n;
  } finally {
    redis.disconnect();
  }
}
