/**
 * router-port.ts: the internal routes of a connection node (docs/protocol.md#delivery-policy
 * "Connection-node side"), authenticated by the router key (beyond autopush).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Notification } from '../protocol/notification.js';
import type { AckWaitOutcome, LocalDelivery } from '../routing/node-router.js';
import { RouterKey } from '../routing/router-key.js';
import { buildRouterPort } from './router-port.js';

const UAID = '0123456789abcdef0123456789abcdef';
const n: Notification = { channelID: '5a0d3a4e-8a6f-4a1e-9d7e-0c1b2a3d4e5f', version: 'v1', ttl: 60, topic: null, timestamp: 1, data: 'aGk' };
const key = RouterKey.fromSettings({ routerKey: '', cryptoKeys: ['x'.repeat(43) + '='] });
const auth = { authorization: key.header };

class FakeRegistry implements LocalDelivery {
  connected = new Map<string, number>();
  pushed: Array<[string, Notification]> = [];
  checks: string[] = [];
  disconnected: Array<[string, number]> = [];
  push(uaid: string, notification: Notification): boolean {
    if (!this.connected.has(uaid)) return false;
    this.pushed.push([uaid, notification]);
    return true;
  }
  waited: Array<[string, Notification, number]> = [];
  waitOutcome: AckWaitOutcome = 'acked';
  async pushAwaitingAck(uaid: string, notification: Notification, windowMs: number): Promise<AckWaitOutcome> {
    if (!this.connected.has(uaid)) return 'not-connected';
    this.waited.push([uaid, notification, windowMs]);
    return this.waitOutcome;
  }
  checkStorage(uaid: string): boolean {
    if (!this.connected.has(uaid)) return false;
    this.checks.push(uaid);
    return true;
  }
  disconnect(uaid: string, connectedAt: number): boolean {
    const at = this.connected.get(uaid);
    if (at === undefined || at >= connectedAt) return false;
    this.disconnected.push([uaid, connectedAt]);
    return true;
  }
}

describe('router port', () => {
  const registry = new FakeRegistry();
  let healthy = true;
  const app = buildRouterPort({ delivery: registry, key, healthCheck: async () => healthy, maxDataBytes: 4096 });
  after(() => app.close());
  const put = (url: string, payload: unknown, headers: Record<string, string> = auth) =>
    app.inject({ method: 'PUT', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

  it('refuses every internal route without the router key, or with a wrong one, with 401', async () => {
    registry.connected.set(UAID, 1000);
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: key.header.slice(7) }] as Record<string, string>[]) {
      const push = await put(`/push/${UAID}`, n, headers);
      assert.equal(push.statusCode, 401);
      assert.equal(push.headers['www-authenticate'], 'Bearer');
      assert.equal((await app.inject({ method: 'PUT', url: `/notif/${UAID}`, headers })).statusCode, 401);
      assert.equal((await app.inject({ method: 'DELETE', url: `/notif/${UAID}/2000`, headers })).statusCode, 401);
      assert.equal((await app.inject({ method: 'GET', url: '/anything', headers })).statusCode, 401);
    }
    assert.deepEqual(registry.pushed, [], 'nothing reached the registry');
    assert.deepEqual(registry.disconnected, []);
  });

  it('queues a notification for a connected uaid: 200, exactly the notification sent', async () => {
    registry.connected.set(UAID, 1000);
    registry.pushed.length = 0;
    const res = await put(`/push/${UAID}`, { ...n, reliability_id: 'ignored' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(registry.pushed, [[UAID, n]]);
  });

  it('waits for the outcome of a push with Herald-Ack-Window-Ms and names it in Herald-Delivery', async () => {
    registry.connected.set(UAID, 1000);
    for (const outcome of ['acked', 'stored', 'delivered'] as const) {
      registry.waited.length = 0;
      registry.waitOutcome = outcome;
      const res = await put(`/push/${UAID}`, n, { ...auth, 'herald-ack-window-ms': '80' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['herald-delivery'], outcome);
      assert.deepEqual(registry.waited, [[UAID, n, 80]]);
    }
    const away = await put(`/push/${'e'.repeat(32)}`, n, { ...auth, 'herald-ack-window-ms': '80' });
    assert.equal(away.statusCode, 404);
  });

  it('refuses an ack window that is not 1 to 1000 ms, or on a TTL-0 or stored message, with 400', async () => {
    registry.waited.length = 0;
    for (const w of ['0', '1001', '-5', '1.5', 'soon', '']) {
      assert.equal((await put(`/push/${UAID}`, n, { ...auth, 'herald-ack-window-ms': w })).statusCode, 400, `window ${w}`);
    }
    assert.equal((await put(`/push/${UAID}`, { ...n, ttl: 0 }, { ...auth, 'herald-ack-window-ms': '80' })).statusCode, 400);
    assert.equal((await put(`/push/${UAID}`, { ...n, stored: true }, { ...auth, 'herald-ack-window-ms': '80' })).statusCode, 400);
    assert.deepEqual(registry.waited, []);
  });

  it('answers 404 "Client not available" for a uaid not connected here', async () => {
    const other = 'f'.repeat(32);
    const res = await put(`/push/${other}`, n);
    assert.equal(res.statusCode, 404);
    assert.equal(res.body, 'Client not available');
    assert.equal((await app.inject({ method: 'PUT', url: `/notif/${other}`, headers: auth })).statusCode, 404);
  });

  it('asks a connected uaid to check storage on PUT /notif: 200', async () => {
    registry.checks.length = 0;
    const res = await app.inject({ method: 'PUT', url: `/notif/${UAID}`, headers: auth });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(registry.checks, [UAID]);
  });

  it('closes an older session on DELETE /notif/{uaid}/{connectedAt}, and keeps a newer one', async () => {
    registry.connected.set(UAID, 1000);
    registry.disconnected.length = 0;
    assert.equal((await app.inject({ method: 'DELETE', url: `/notif/${UAID}/999`, headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ method: 'DELETE', url: `/notif/${UAID}/1001`, headers: auth })).statusCode, 200);
    assert.deepEqual(registry.disconnected, [[UAID, 1001]]);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    registry.pushed.length = 0;
    const cases: Array<[string, unknown]> = [
      [`/push/${UAID.toUpperCase()}`, n],
      ['/push/not-a-uaid', n],
      [`/push/${UAID}`, '{not json'],
      [`/push/${UAID}`, ''],
      [`/push/${UAID}`, { ...n, ttl: -1 }],
      [`/push/${UAID}`, { ...n, channelID: 'nope' }],
      [`/push/${UAID}`, { ...n, version: undefined }],
    ];
    for (const [url, body] of cases) {
      const res = await put(url, body);
      assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(body)}`);
    }
    assert.equal((await app.inject({ method: 'PUT', url: '/notif/xyz', headers: auth })).statusCode, 400);
    assert.equal((await app.inject({ method: 'DELETE', url: `/notif/${UAID}/-5`, headers: auth })).statusCode, 400);
    assert.equal((await app.inject({ method: 'DELETE', url: `/notif/${UAID}/soon`, headers: auth })).statusCode, 400);
    assert.deepEqual(registry.pushed, []);
    assert.deepEqual(registry.disconnected.length, 1, 'only the earlier test disconnected');
  });

  it('refuses a body far larger than any push with 413', async () => {
    const res = await put(`/push/${UAID}`, { ...n, data: 'A'.repeat(64 * 1024) });
    assert.equal(res.statusCode, 413);
  });

  it('answers 404 for unknown routes and methods, with the key', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/wpush/v1/abc', headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ method: 'POST', url: `/push/${UAID}`, headers: auth })).statusCode, 404);
  });

  it('serves the health routes without the key', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/__lbheartbeat__' })).statusCode, 200);
    const hb = await app.inject({ method: 'GET', url: '/__heartbeat__' });
    assert.equal(hb.statusCode, 200);
    assert.equal(hb.json().status, 'OK');
    healthy = false;
    assert.equal((await app.inject({ method: 'GET', url: '/__heartbeat__' })).json().status, 'ERROR');
    healthy = true;
  });

  it('logs requests without the key once per interval, with how many it skipped, however many come', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const logged = buildRouterPort({ delivery: registry, key, healthCheck: async () => true, maxDataBytes: 4096, logger: pino({ level: 'info' }, sink) });
    try {
      for (let i = 0; i < 50; i++) assert.equal((await logged.inject({ method: 'PUT', url: `/notif/${UAID}` })).statusCode, 401);
      const warnings = lines.filter((l) => l.msg === 'router port request without a valid router key');
      assert.equal(warnings.length, 1, 'one line for 50 refused requests');
      assert.equal(warnings[0]!.skipped, 0);
    } finally {
      await logged.close();
    }
  });
});
