import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { SocketCaps, type SocketCapsOptions } from './socket-caps.js';

/** An HTTP server made as Fastify would make it through the caps, answering 200, with WebSockets on upgrade. */
async function cappedServer(opts: Omit<SocketCapsOptions, 'onRefused'>) {
  const refusals: string[] = [];
  const caps = new SocketCaps({ ...opts, onRefused: (ip, cap) => refusals.push(`${ip} ${cap}`) });
  const server: Server = caps.serverFactory()((_req, res) => res.end('ok'), {});
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', caps.guardUpgrades((req, socket, head) => wss.handleUpgrade(req, socket, head, () => {})));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const sockets: Socket[] = [];
  return {
    caps,
    port,
    refusals,
    /** A socket that connects and sends nothing. */
    async idle(from = '127.0.0.1'): Promise<Socket> {
      const s = connect({ port, host: '127.0.0.1', localAddress: from });
      s.on('error', () => {});
      sockets.push(s);
      await new Promise((r) => s.once('connect', r));
      await waitFor(() => caps.open >= sockets.filter((x) => !x.destroyed).length);
      return s;
    },
    /** Status and Retry-After of one GET on a new socket from `from`. */
    async get(from = '127.0.0.1'): Promise<{ status: number; retryAfter: string | null }> {
      const res = await fetchFrom(port, from);
      return res;
    },
    async websocket(from = '127.0.0.1'): Promise<WebSocket | number> {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { localAddress: from });
      return new Promise((resolve) => {
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(0));
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** One `GET /` with `Connection: close` over a raw socket bound to `from`. */
function fetchFrom(port: number, from: string): Promise<{ status: number; retryAfter: string | null }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: from });
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0);
      resolve({ status, retryAfter: /\r\nretry-after: (\S+)/i.exec(got)?.[1] ?? null });
    });
    s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  });
}

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SocketCaps', () => {
  it('answers 503 with Retry-After to an IP over its cap of plain HTTP connections, and serves another IP', async () => {
    const s = await cappedServer({ total: null, perIp: 2 });
    try {
      const first = await s.idle('127.0.0.1');
      await s.idle('127.0.0.1');
      assert.deepEqual(await s.get('127.0.0.1'), { status: 503, retryAfter: '5' });
      assert.deepEqual(s.refusals, ['127.0.0.1 per-ip']);
      assert.equal((await s.get('127.0.0.2')).status, 200, 'another IP is served');
      first.destroy();
      await waitFor(() => s.caps.openFrom('127.0.0.1') === 1);
      assert.equal((await s.get('127.0.0.1')).status, 200, 'served again once one of its sockets closed');
    } finally {
      await s.close();
    }
  });

  it('refuses an upgrade over the per-IP cap, and a WebSocket leaves its IP count', async () => {
    const s = await cappedServer({ total: null, perIp: 1 });
    try {
      const ws = await s.websocket('127.0.0.1');
      assert.ok(ws instanceof WebSocket, 'the first socket upgrades');
      assert.equal(s.caps.openFrom('127.0.0.1'), 0, 'a WebSocket is not a plain HTTP connection');
      assert.equal((await s.get('127.0.0.1')).status, 200, 'so its IP still gets HTTP');
      await s.idle('127.0.0.1');
      assert.equal(await s.websocket('127.0.0.1'), 503);
      ws.terminate();
    } finally {
      await s.close();
    }
  });

  it('counts an upgraded socket once in the total: the cap is sockets, WebSocket or not', async () => {
    const s = await cappedServer({ total: 2, perIp: 0 });
    try {
      const a = await s.websocket();
      const b = await s.websocket();
      assert.ok(a instanceof WebSocket && b instanceof WebSocket, 'two WebSockets under a cap of two');
      assert.equal(s.caps.open, 2);
      assert.deepEqual(await s.get(), { status: 503, retryAfter: '5' });
      assert.equal(await s.websocket(), 503);
      assert.ok(s.refusals.every((r) => r.endsWith(' total')));
      a.terminate();
      await waitFor(() => s.caps.open === 1);
      assert.equal((await s.get()).status, 200);
      b.terminate();
    } finally {
      await s.close();
    }
  });

  it('does not count sockets from a trusted proxy per IP', async () => {
    const s = await cappedServer({ total: null, perIp: 1, exempt: ['127.0.0.1'] });
    try {
      await s.idle('127.0.0.1');
      assert.equal((await s.get('127.0.0.1')).status, 200);
      await s.idle('127.0.0.2');
      assert.equal((await s.get('127.0.0.2')).status, 503);
    } finally {
      await s.close();
    }
  });

  it('drops a refused socket that sends nothing', async () => {
    const s = await cappedServer({ total: 1, perIp: 0 });
    try {
      await s.idle();
      const refused = await s.idle();
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('the refused socket is still open after 5 s')), 5000);
        refused.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
    } finally {
      await s.close();
    }
  });
});
