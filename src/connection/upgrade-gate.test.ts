import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { connectionCap, gateUpgrades, openFilesLimit, RESERVED_FILE_HANDLES } from './upgrade-gate.js';

const limits = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
`;

describe('openFilesLimit', () => {
  it('reads the soft open-files limit', () => {
    assert.equal(openFilesLimit(limits), 20000);
    assert.equal(openFilesLimit(limits.replace('20000                20000', 'unlimited            unlimited')), null);
    assert.equal(openFilesLimit('nothing here'), null);
  });
  it('reads this process limit on Linux', () => {
    assert.ok((openFilesLimit() ?? 1) > 0);
  });
});

describe('connectionCap', () => {
  it('prefers the configured cap, else leaves reserved handles under the file limit', () => {
    assert.equal(connectionCap(100, 20000), 100);
    assert.equal(connectionCap(0, 20000), 20000 - RESERVED_FILE_HANDLES);
    assert.equal(connectionCap(0, null), null);
    assert.equal(connectionCap(0, 10), 1);
  });
});

describe('gateUpgrades', () => {
  async function serverWithCap(cap: number): Promise<{ server: Server; url: string; refused: () => number; close(): Promise<void> }> {
    const wss = new WebSocketServer({ noServer: true });
    let refused = 0;
    const gate = gateUpgrades((req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws)), () => wss.clients.size, cap, () => refused++);
    const server = createServer();
    server.on('upgrade', gate);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return {
      server,
      url,
      refused: () => refused,
      close: async () => {
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }

  it('accepts up to the cap, then answers 503 with Retry-After, and accepts again once one leaves', async () => {
    const s = await serverWithCap(2);
    const open = (url: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    try {
      const a = await open(s.url);
      await open(s.url);
      const refusal = await new Promise<{ status: number; retryAfter: string | undefined }>((resolve) => {
        const ws = new WebSocket(s.url);
        ws.once('unexpected-response', (_req, res) => {
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] });
          res.resume();
        });
        ws.once('error', () => {});
      });
      assert.deepEqual(refusal, { status: 503, retryAfter: '5' });
      assert.equal(s.refused(), 1);
      a.close();
      await new Promise((r) => setTimeout(r, 100));
      const again = await open(s.url);
      again.close();
    } finally {
      await s.close();
    }
  });

  it('leaves the handler alone without a cap', () => {
    const handler = () => {};
    assert.equal(gateUpgrades(handler, () => 0, null), handler);
  });
});
