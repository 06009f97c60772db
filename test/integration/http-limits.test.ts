/**
 * The public port's and router port's HTTP limits, on real nodes started as `herald serve` and
 * `herald connect` start them (src/cli/serve.ts; docs/configuration.md):
 * - `--http-request-timeout`: a request whose body (or headers) trickles in, or a socket that
 *   sends nothing, is answered 408 and closed;
 * - `--http-idle-timeout`: an idle kept-alive connection is closed;
 * - neither reaches an upgraded WebSocket, which stays open well past both;
 * - `--max-http-connections-per-ip` and `--max-connections`: sockets over a cap get 503 with
 *   Retry-After, one IP's cap leaves another IP served, and a WebSocket counts once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startNode, type Role, type RunningNode } from '../../src/cli/serve.js';
import { loadSettings } from '../../src/config/load-settings.js';
import type { SettingsInput } from '../../src/config/settings.js';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { RawClient } from './helpers/raw-client.js';
import { sleep, waitFor } from './helpers/wait.js';

async function startTestNode(role: Role, flags: SettingsInput): Promise<{ node: RunningNode; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-limits-'));
  const settings = loadSettings(
    { host: '127.0.0.1', port: 0, routerHost: '127.0.0.1', routerPort: 0, routerHostname: '127.0.0.1', db: `sqlite:${join(dir, 'herald.db')}`, cryptoKeys: [generateFernetKey()], ...flags },
    {},
    role,
  );
  const node = await startNode(role, settings, pino({ level: 'silent' }));
  return {
    node,
    async stop() {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw socket from `from` to `port`, with everything it receives and whether the server closed it. */
async function open(port: number, from = '127.0.0.1'): Promise<{ sock: Socket; received: () => string; closed: () => boolean }> {
  const sock = connect({ port, host: '127.0.0.1', localAddress: from });
  let got = '';
  let closed = false;
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  sock.on('error', () => {});
  sock.on('close', () => (closed = true));
  await new Promise((r) => sock.once('connect', r));
  return { sock, received: () => got, closed: () => closed };
}

const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

describe('HTTP request and idle timeouts', { timeout: 60_000 }, () => {
  let serve: Awaited<ReturnType<typeof startTestNode>>;
  let connectNode: Awaited<ReturnType<typeof startTestNode>>;
  before(async () => {
    const short = { httpRequestTimeout: 1, httpIdleTimeout: 1 };
    serve = await startTestNode('serve', short);
    connectNode = await startTestNode('connect', short);
  });
  after(async () => {
    await serve?.stop();
    await connectNode?.stop();
  });

  /** 50 sockets send the headers of a 5000-byte body, then 2 bytes of it (the test). */
  async function slowBodies(port: number, path: string, n: number) {
    const socks = await Promise.all(Array.from({ length: n }, () => open(port)));
    for (const s of socks) s.sock.write(`PUT ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nTTL: 60\r\n\r\n{"`);
    return socks;
  }

  it('answers 408 and closes sockets whose body trickles in, on the public port of herald serve', async () => {
    const socks = await slowBodies(serve.node.port, `/wpush/v1/${'a'.repeat(40)}`, 50);
    await waitFor('every slow socket closed by the server', () => socks.every((s) => s.closed()), 10_000);
    for (const s of socks) assert.equal(status(s.received()), 408, s.received());
  });

  it('does the same on the public port of herald connect and on the router port', async () => {
    const pub = await slowBodies(connectNode.node.port, '/__heartbeat__', 5);
    const router = await slowBodies(serve.node.connection!.routerPort, `/push/${'0'.repeat(32)}`, 5);
    await waitFor('every slow socket closed', () => [...pub, ...router].every((s) => s.closed()), 10_000);
    // herald connect has no route taking a body: it answers 404 at once, then waits for the body.
    for (const s of [...pub, ...router]) assert.match(s.received(), /HTTP\/1\.1 408 Request Timeout\r\n/, s.received());
  });

  it('closes a socket that connects and sends nothing', async () => {
    const s = await open(serve.node.port);
    await waitFor('the silent socket closed', () => s.closed(), 10_000);
  });

  it('closes an idle kept-alive connection after the idle timeout, and says so in Keep-Alive', async () => {
    const s = await open(serve.node.port);
    s.sock.write('GET /__lbheartbeat__ HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor('the answer', () => s.received().includes('\r\n\r\n'));
    assert.equal(status(s.received()), 200);
    assert.match(s.received(), /\r\nkeep-alive: timeout=1\r\n/i);
    await waitFor('the idle socket closed', () => s.closed(), 10_000);
  });

  it('leaves an idle WebSocket open well past the request and idle timeouts', async () => {
    for (const node of [serve.node, connectNode.node]) {
      const ua = await RawClient.connect(`ws://127.0.0.1:${node.port}/`);
      const hello = await sendHello(ua);
      assert.equal(hello.status, 200);
      // Three times both timeouts, plus Node's checks of them (every quarter of a second here).
      await sleep(3500);
      assert.equal(ua.closed, null, `the WebSocket on herald ${node.role} is still open`);
      ua.send({ messageType: 'register', channelID: randomUUID() });
      assert.equal((await ua.next<{ status: number }>()).status, 200);
      ua.close();
    }
  });
});

describe('caps on the public port\'s connections', { timeout: 60_000 }, () => {
  let node: Awaited<ReturnType<typeof startTestNode>>;
  before(async () => {
    node = await startTestNode('serve', { maxHttpConnectionsPerIp: 2, maxConnections: 3 });
  });
  after(() => node?.stop());

  async function get(from: string): Promise<string> {
    const s = await open(node.node.port, from);
    s.sock.write('GET /__lbheartbeat__ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await waitFor('the answer and close', () => s.closed(), 5000);
    return s.received();
  }

  it('answers 503 with Retry-After to an IP holding its cap of HTTP connections, while another IP is served', async () => {
    const held = [await open(node.node.port, '127.0.0.1'), await open(node.node.port, '127.0.0.1')];
    const refused = await get('127.0.0.1');
    assert.equal(status(refused), 503, refused);
    assert.match(refused, /\r\nretry-after: 5\r\n/i);
    assert.equal(status(await get('127.0.0.2')), 200, 'another IP is served');
    for (const h of held) h.sock.destroy();
    await waitFor('the held sockets gone', async () => status(await get('127.0.0.1')) === 200);
  });

  it('counts WebSockets once in the total, and refuses HTTP and upgrades over it with 503', async () => {
    const url = `ws://127.0.0.1:${node.node.port}/`;
    const uas = [await RawClient.connect(url), await RawClient.connect(url)];
    for (const ua of uas) assert.equal((await sendHello(ua)).status, 200);
    // Two WebSockets from one IP: not plain HTTP, so the per-IP cap of 2 does not refuse this.
    const third = await open(node.node.port, '127.0.0.1');
    const refused = await get('127.0.0.3');
    assert.equal(status(refused), 503, 'a fourth socket is over the total of 3');
    const upgrade = await RawClient.connect(url).then(
      () => 101,
      (err: Error) => Number(/(\d{3})/.exec(err.message)?.[1] ?? 0),
    );
    assert.equal(upgrade, 503);
    third.sock.destroy();
    for (const ua of uas) ua.close();
    await waitFor('served again', async () => status(await get('127.0.0.3')) === 200);
  });
});

async function sendHello(ua: RawClient): Promise<{ status: number }> {
  ua.send({ messageType: 'hello', use_webpush: true, broadcasts: {} });
  return ua.next<{ status: number }>();
}
