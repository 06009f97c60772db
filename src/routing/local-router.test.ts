/** local-router.ts: this node in-process, every other node through the remote router. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Notification } from '../protocol/notification.js';
import { LocalRouter } from './local-router.js';
import type { LocalDelivery, NodeRouter, RouteOutcome } from './node-router.js';

const n: Notification = { channelID: '5a0d3a4e-8a6f-4a1e-9d7e-0c1b2a3d4e5f', version: 'v', ttl: 60, topic: null, timestamp: 1 };

class Local implements LocalDelivery {
  calls: string[] = [];
  constructor(private readonly accept: boolean) {}
  push(uaid: string) {
    this.calls.push(`push ${uaid}`);
    return this.accept;
  }
  async pushAwaitingAck(uaid: string, _n: Notification, windowMs: number) {
    this.calls.push(`push ${uaid} waiting ${windowMs} ms`);
    return this.accept ? ('acked' as const) : ('not-connected' as const);
  }
  checkStorage(uaid: string) {
    this.calls.push(`notif ${uaid}`);
    return this.accept;
  }
  disconnect(uaid: string, at: number) {
    this.calls.push(`disconnect ${uaid} ${at}`);
    return this.accept;
  }
}

class Remote implements NodeRouter {
  calls: string[] = [];
  async push(node: string, uaid: string, _n: Notification, ackWindowMs?: number): Promise<RouteOutcome> {
    this.calls.push(`push ${node} ${uaid}${ackWindowMs === undefined ? '' : ` waiting ${ackWindowMs} ms`}`);
    return 'delivered';
  }
  async notify(node: string, uaid: string): Promise<RouteOutcome> {
    this.calls.push(`notif ${node} ${uaid}`);
    return 'not-connected';
  }
  async disconnect(node: string, uaid: string, at: number): Promise<RouteOutcome> {
    this.calls.push(`disconnect ${node} ${uaid} ${at}`);
    return 'unreachable';
  }
}

describe('LocalRouter', () => {
  it('answers for its own node id from the local registry, without the remote', async () => {
    const local = new Local(true);
    const remote = new Remote();
    const r = new LocalRouter('http://me:8081', local, remote);
    assert.equal(await r.push('http://me:8081', 'u', n), 'delivered');
    assert.equal(await r.notify('http://me:8081', 'u'), 'delivered');
    assert.equal(await r.disconnect('http://me:8081', 'u', 5), 'delivered');
    assert.deepEqual(local.calls, ['push u', 'notif u', 'disconnect u 5']);
    assert.deepEqual(remote.calls, []);
    assert.equal(await new LocalRouter('http://me:8081', new Local(false)).push('http://me:8081', 'u', n), 'not-connected');
  });

  it('hands other node ids to the remote router', async () => {
    const local = new Local(true);
    const remote = new Remote();
    const r = new LocalRouter('http://me:8081', local, remote);
    assert.equal(await r.push('http://other:8081', 'u', n), 'delivered');
    assert.equal(await r.notify('http://other:8081', 'u'), 'not-connected');
    assert.equal(await r.disconnect('http://other:8081', 'u', 7), 'unreachable');
    assert.deepEqual(remote.calls, ['push http://other:8081 u', 'notif http://other:8081 u', 'disconnect http://other:8081 u 7']);
    assert.deepEqual(local.calls, []);
  });

  it('passes the ack window to the local registry and to the remote router', async () => {
    const local = new Local(true);
    const remote = new Remote();
    const r = new LocalRouter('http://me:8081', local, remote);
    assert.equal(await r.push('http://me:8081', 'u', n, 80), 'acked');
    assert.equal(await r.push('http://other:8081', 'u', n, 80), 'delivered');
    assert.deepEqual(local.calls, ['push u waiting 80 ms']);
    assert.deepEqual(remote.calls, ['push http://other:8081 u waiting 80 ms']);
  });

  it('counts other nodes as unreachable without a remote router', async () => {
    const r = new LocalRouter('http://me:8081', new Local(true));
    assert.equal(await r.push('http://other:8081', 'u', n), 'unreachable');
  });
});
