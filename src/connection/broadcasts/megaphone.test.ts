/**
 * Megaphone broadcasts end to end (docs/protocol.md#websocket-protocol,
 * docs/protocol.md#notification, docs/protocol.md#megaphone-broadcasts): a local HTTP server plays
 * the broadcast source, a connection service polls it every 50 ms and pings idle sockets every
 * 300 ms, and bare `ws` clients speak the frames. Every wait is bounded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { MultiFernet } from '../../crypto/fernet.js';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.js';
import type { Store } from '../../storage/store.js';
import { createConnectionService, type ConnectionService } from '../server.js';
import { NODE_ID, TestClient, eventually, testSettings } from '../test-harness.js';
import { BROADCAST_NOT_FOUND } from './tracker.js';
import { MegaphoneError, startMegaphone, type Megaphone } from './megaphone.js';

const silent = pino({ level: 'silent' });
const KINTO = 'kinto:123';
const MONITOR = 'remote-settings/monitor_changes';

/** The broadcast source: `GET /v1/broadcasts`, reached through a redirect from `/`. */
class MegaphoneMock {
  versions: Record<string, string> = { [KINTO]: 'v1', [MONITOR]: '"100"' };
  failing = false;
  requests = 0;
  readonly server: Server = createServer((req, res) => {
    this.requests++;
    if (req.url === '/') return void res.writeHead(302, { location: '/v1/broadcasts' }).end();
    if (req.url !== '/v1/broadcasts') return void res.writeHead(404).end();
    if (this.failing) return void res.writeHead(500).end('down');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ broadcasts: this.versions }));
  });
  url = '';
  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('Megaphone broadcasts over WebSocket', () => {
  const mock = new MegaphoneMock();
  let megaphone: Megaphone;
  let service: ConnectionService;
  let http: Server;
  let store: Store;
  let dir: string;
  let url: string;
  const clients: TestClient[] = [];
  const connect = async () => {
    const c = await TestClient.connect(url);
    clients.push(c);
    return c;
  };
  const hello = async (c: TestClient, broadcasts: Record<string, string>) => {
    c.send({ messageType: 'hello', use_webpush: true, broadcasts });
    const reply = await c.next();
    assert.equal(reply.messageType, 'hello');
    return reply.broadcasts;
  };
  /** Change the source and wait until the tracker has polled the change in. */
  const change = async (versions: Record<string, string>) => {
    mock.versions = { ...mock.versions, ...versions };
    const [id, version] = Object.entries(versions)[0]!;
    await eventually(`the poll to pick up ${id}=${version}`, () => megaphone.tracker.version(id) === version, 2000);
  };

  before(async () => {
    await mock.start();
    megaphone = await startMegaphone({ url: mock.url, pollIntervalMs: 50, logger: silent });
    dir = mkdtempSync(join(tmpdir(), 'herald-megaphone-'));
    store = await openSqliteStore(join(dir, 'herald.db'));
    const settings = testSettings({ autoPingInterval: 0.3, autoPingTimeout: 0.5 });
    service = createConnectionService({
      settings,
      store,
      cipher: new MultiFernet(settings.cryptoKeys),
      nodeId: NODE_ID,
      logger: false,
      broadcasts: megaphone.tracker,
    });
    http = createServer((_req, res) => res.writeHead(404).end());
    http.on('upgrade', service.handleUpgrade);
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  });

  after(async () => {
    for (const c of clients) c.terminate();
    megaphone.stop();
    await service.shutdown(2000);
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
    await store.close();
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the source through a redirect at start-up', () => {
    assert.equal(megaphone.tracker.version(KINTO), 'v1');
    assert.equal(megaphone.tracker.version(MONITOR), '"100"');
  });

  it('answers hello with the broadcasts whose version differs, and errors for unknown ids', async () => {
    const c = await connect();
    const reply = await hello(c, { [KINTO]: 'v0', [MONITOR]: mock.versions[MONITOR]!, 'nope:1': 'x' });
    assert.deepEqual(reply, { [KINTO]: mock.versions[KINTO], errors: { 'nope:1': BROADCAST_NOT_FOUND } });
  });

  it('answers hello with {} when the client is up to date', async () => {
    const c = await connect();
    assert.deepEqual(await hello(c, { [KINTO]: mock.versions[KINTO]! }), {});
  });

  it('answers broadcast_subscribe with a broadcast frame only when something differs or is unknown', async () => {
    const c = await connect();
    await hello(c, {});
    c.send({ messageType: 'broadcast_subscribe', broadcasts: { [MONITOR]: mock.versions[MONITOR]! } });
    assert.ok(await c.quiet(100), 'no reply when nothing differs');
    c.send({ messageType: 'broadcast_subscribe', broadcasts: { [KINTO]: 'old', 'missing:7': '1' } });
    assert.deepEqual(await c.next(), {
      messageType: 'broadcast',
      broadcasts: { [KINTO]: mock.versions[KINTO], errors: { 'missing:7': BROADCAST_NOT_FOUND } },
    });
  });

  it('sends a changed broadcast in place of the ping to subscribed clients only, then pings again', async () => {
    const subscribed = await connect();
    const other = await connect();
    await hello(subscribed, { [KINTO]: mock.versions[KINTO]! });
    await hello(other, { [MONITOR]: mock.versions[MONITOR]! });
    await change({ [KINTO]: 'v-next' });
    const frame = await subscribed.next(1500);
    assert.deepEqual(frame, { messageType: 'broadcast', broadcasts: { [KINTO]: 'v-next' } });
    const pingsAtBroadcast = subscribed.pings;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(subscribed.pings, pingsAtBroadcast, 'no WebSocket ping on the tick that carried the broadcast');
    // The timer restarted: the next tick, with nothing new, is an ordinary ping.
    await eventually('a ping after the broadcast', () => subscribed.pings > pingsAtBroadcast, 1500);
    assert.ok(subscribed.closed === null);
    await eventually('a ping for the client not subscribed to the change', () => other.pings > 0, 1500);
    assert.ok(await other.quiet(50), 'no broadcast frame for an unsubscribed client');
  });

  it('delivers a change to an id added by broadcast_subscribe', async () => {
    const c = await connect();
    await hello(c, {});
    c.send({ messageType: 'broadcast_subscribe', broadcasts: { [MONITOR]: mock.versions[MONITOR]! } });
    await change({ [MONITOR]: '"200"' });
    assert.deepEqual(await c.next(1500), { messageType: 'broadcast', broadcasts: { [MONITOR]: '"200"' } });
  });

  it('keeps the last versions while the source fails, and picks up changes when it is back', async () => {
    mock.failing = true;
    const before = mock.requests;
    await eventually('two failed polls', () => mock.requests >= before + 4, 2000);
    const c = await connect();
    assert.deepEqual(await hello(c, { [KINTO]: 'stale' }), { [KINTO]: mock.versions[KINTO] });
    mock.failing = false;
    await change({ [KINTO]: 'after-outage' });
  });
});

describe('Megaphone start-up', () => {
  it('fails with a clear error when the source is unreachable', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const url = `http://127.0.0.1:${port}/v1/broadcasts`;
    await assert.rejects(
      startMegaphone({ url, pollIntervalMs: 50, logger: silent }),
      (e: unknown) => e instanceof MegaphoneError && e.message.includes(url) && /ECONNREFUSED/.test(e.message) && /megaphone-api-url/.test(e.message),
    );
  });

  it('fails when the source answers an error status or no broadcasts object', async () => {
    const mock = new MegaphoneMock();
    await mock.start();
    try {
      mock.failing = true;
      await assert.rejects(startMegaphone({ url: mock.url, pollIntervalMs: 50, logger: silent }), /HTTP 500/);
      mock.failing = false;
      mock.versions = { bad: 1 } as unknown as Record<string, string>;
      await assert.rejects(startMegaphone({ url: mock.url, pollIntervalMs: 50, logger: silent }), /version of broadcast "bad" is not a string/);
    } finally {
      await mock.close();
    }
  });
});
