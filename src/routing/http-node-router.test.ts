/**
 * http-node-router.ts over real sockets: the router-port requests (docs/protocol.md#delivery-policy), the
 * status → outcome mapping, timeouts, and kept-alive sockets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Notification } from '../protocol/notification.js';
import { HttpNodeRouter } from './http-node-router.js';
import { RouterKey } from './router-key.js';

const key = RouterKey.fromSettings({ routerKey: 'test-key', cryptoKeys: [] });
const UAID = '0123456789abcdef0123456789abcdef';
const n: Notification = { channelID: '5a0d3a4e-8a6f-4a1e-9d7e-0c1b2a3d4e5f', version: 'v1', ttl: 60, topic: null, timestamp: 1, data: 'aGk' };

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  type: string | undefined;
  window?: string;
  body: string;
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('HttpNodeRouter', () => {
  const seen: Seen[] = [];
  let status = 200;
  let delivery: string | undefined;
  let connections = 0;
  let server: Server;
  let nodeId: string;
  const router = new HttpNodeRouter({ key, connectTimeoutMs: 300, requestTimeoutMs: 300 });

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        const window = req.headers['herald-ack-window-ms'] as string | undefined;
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], ...(window ? { window } : {}), body });
        res.writeHead(status, delivery ? { 'herald-delivery': delivery } : {}).end(status === 200 ? '' : 'Client not available');
      });
    });
    server.on('connection', () => connections++);
    nodeId = await listen(server);
  });
  after(() => {
    router.close();
    server.closeAllConnections();
    server.close();
  });

  it('PUTs the notification as JSON to /push/{uaid} with the router key; 200 is delivered', async () => {
    seen.length = 0;
    status = 200;
    assert.equal(await router.push(nodeId, UAID, n), 'delivered');
    assert.deepEqual(seen, [{ method: 'PUT', url: `/push/${UAID}`, auth: 'Bearer test-key', type: 'application/json', body: JSON.stringify(n) }]);
  });

  it('asks the node to wait for the ack with Herald-Ack-Window-Ms and reads the outcome from Herald-Delivery', async () => {
    status = 200;
    for (const [header, outcome] of [['acked', 'acked'], ['stored', 'stored'], [undefined, 'delivered'], ['nonsense', 'delivered']] as const) {
      seen.length = 0;
      delivery = header;
      assert.equal(await router.push(nodeId, UAID, n, 80), outcome, `Herald-Delivery ${header}`);
      assert.equal(seen[0]?.window, '80');
    }
    delivery = undefined;
  });

  it('PUTs /notif/{uaid} and DELETEs /notif/{uaid}/{connectedAt}', async () => {
    seen.length = 0;
    status = 200;
    assert.equal(await router.notify(nodeId, UAID), 'delivered');
    assert.equal(await router.disconnect(`${nodeId}/`, UAID, 1_700_000_000_123), 'delivered');
    assert.deepEqual(
      seen.map((s) => `${s.method} ${s.url} ${s.auth}`),
      [`PUT /notif/${UAID} Bearer test-key`, `DELETE /notif/${UAID}/1700000000123 Bearer test-key`],
    );
  });

  it('answers not-connected for any other status (404, 401, 500)', async () => {
    for (const s of [404, 401, 500]) {
      status = s;
      assert.equal(await router.push(nodeId, UAID, n), 'not-connected', `status ${s}`);
    }
    status = 200;
  });

  it('keeps one socket alive across requests to the same node', async () => {
    status = 200;
    const before = connections;
    for (let i = 0; i < 3; i++) assert.equal(await router.notify(nodeId, UAID), 'delivered');
    assert.ok(connections - before <= 1, `opened ${connections - before} connections`);
  });

  it('retries once on a fresh socket when the node drops a kept-alive one under the request', async () => {
    // Each connection answers its first request, then dies on the second without a word: the
    // race of a node closing an idle socket just as it is reused.
    const served = new WeakMap<object, number>();
    let fresh = 0;
    const flaky = createServer((req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) return req.socket.destroy();
      res.writeHead(200).end();
    });
    flaky.on('connection', () => fresh++);
    const url = await listen(flaky);
    try {
      assert.equal(await router.notify(url, UAID), 'delivered');
      assert.equal(await router.notify(url, UAID), 'delivered');
      assert.equal(fresh, 2, 'the second request was retried on a new connection');
    } finally {
      flaky.closeAllConnections();
      flaky.close();
    }
  });

  it('answers unreachable when nothing listens on the node id', async () => {
    const probe = createServer();
    const url = await listen(probe);
    await new Promise<void>((r) => probe.close(() => r()));
    assert.equal(await router.push(url, UAID, n), 'unreachable');
  });

  it('answers unreachable when the node does not answer within the request timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => sockets.push(s));
    const url = await listen(silent);
    try {
      const started = Date.now();
      assert.equal(await router.push(url, UAID, n), 'unreachable');
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 2000, `gave up after ${took} ms`);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  it('answers unreachable for a node id that is not an http:// URL', async () => {
    assert.equal(await router.notify('not a url', UAID), 'unreachable');
    assert.equal(await router.notify('https://node:8081', UAID), 'unreachable');
  });
});
