/**
 * The cluster scenarios (docs/protocol.md#delivery-policy, docs/protocol.md#ghosting-and-takeover;
 * issue 3 "Roles" and "Routing"): two
 * `herald connect` nodes (A, B) and one `herald endpoint` node, separate processes on one shared
 * store. Called once per storage backend: `runClusterScenarios({ name, dsn })`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { generateFernetKey } from '../../../src/crypto/fernet.js';
import { deriveRouterKey } from '../../../src/routing/router-key.js';
import { openStore } from '../../../src/storage/open-store.js';
import type { Store } from '../../../src/storage/store.js';
import { startHerald, type HeraldProcess } from './herald-process.js';
import { RawClient } from './raw-client.js';
import { pushEmpty } from './send.js';
import { waitFor } from './wait.js';

export interface ClusterBackend {
  /** Shown in the suite name, e.g. `sqlite`, `postgres`. */
  name: string;
  /** A DSN for a fresh, empty store that every node of the cluster shares. */
  dsn(): Promise<string>;
  /** Called after the nodes have stopped; drop the store. */
  cleanup?(): Promise<void>;
}

type Frame = { messageType: string; channelID?: string; version?: string };

interface Subscriber {
  client: RawClient;
  uaid: string;
  chid: string;
  endpoint: string;
}

export function runClusterScenarios(backend: ClusterBackend): void {
  describe(`cluster of two connection nodes and an endpoint node on ${backend.name}`, { timeout: 120_000 }, () => {
    const cryptoKey = generateFernetKey();
    const routerKey = deriveRouterKey(cryptoKey);
    let dsn: string;
    let store: Store;
    let endpoint: HeraldProcess;
    let a: HeraldProcess;
    let b: HeraldProcess;
    const clients: RawClient[] = [];

    before(async () => {
      dsn = await backend.dsn();
      const shared = { db: dsn, args: ['--crypto-keys', cryptoKey] };
      endpoint = await startHerald({ ...shared, role: 'endpoint' });
      [a, b] = await Promise.all([
        startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl }),
        startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl }),
      ]);
      store = await openStore(dsn);
    });

    after(async () => {
      for (const c of clients) c.close();
      await Promise.all([endpoint, a, b].map((p) => p?.dispose()));
      await store?.close();
      await backend.cleanup?.();
    });

    async function connect(node: HeraldProcess): Promise<RawClient> {
      const c = await RawClient.connect(node.wsUrl);
      clients.push(c);
      return c;
    }

    async function subscribe(node: HeraldProcess): Promise<Subscriber> {
      const client = await connect(node);
      const uaid = await client.hello();
      const chid = randomUUID();
      const reply = await client.register(chid);
      assert.equal(reply.status, 200);
      return { client, uaid, chid, endpoint: reply.pushEndpoint };
    }

    /** Push an empty message; returns its id (the `version` the UA sees), from `Location`. */
    async function push(endpointUrl: string, ttl: number): Promise<string> {
      const res = await pushEmpty(endpointUrl, ttl);
      assert.equal(res.status, 201, res.body);
      return res.headers.get('location')!.split('/m/')[1]!;
    }

    /** The next `n` notifications, acked; other frames are ignored. */
    async function receive(c: RawClient, n: number, ack = true): Promise<string[]> {
      const versions: string[] = [];
      while (versions.length < n) {
        const f = await c.next<Frame>(5000);
        if (f.messageType !== 'notification') continue;
        versions.push(f.version!);
        if (ack) c.send({ messageType: 'ack', updates: [{ channelID: f.channelID, version: f.version }] });
      }
      return versions;
    }

    const nodeOf = async (uaid: string) => (await store.getUser(uaid))?.nodeId ?? null;

    it('writes the router URL of the node a UA said hello to as its node id', async () => {
      assert.match(a.nodeId!, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(a.nodeId, b.nodeId);
      const s = await subscribe(a);
      assert.equal(await nodeOf(s.uaid), a.nodeId);
      assert.ok(s.endpoint.startsWith(`${endpoint.endpointUrl}/wpush/`), 'push endpoints name the endpoint node');
      s.client.close();
    });

    it("delivers a push to a UA on node A live, through A's router port", async () => {
      const s = await subscribe(a);
      // TTL 0 is never stored: it arrives only if the endpoint reached A's router port.
      const v = await push(s.endpoint, 0);
      assert.deepEqual(await receive(s.client, 1), [v]);
      s.client.close();
    });

    it('gives a UA that reconnects to node B what was stored meanwhile, then delivers live there', async () => {
      const s = await subscribe(a);
      s.client.close();
      await waitFor('A to clear the node id', async () => (await nodeOf(s.uaid)) === null);
      const stored = [await push(s.endpoint, 60), await push(s.endpoint, 60), await push(s.endpoint, 60)];
      const onB = await connect(b);
      assert.equal(await onB.hello(s.uaid), s.uaid);
      assert.deepEqual(await receive(onB, 3), stored);
      assert.equal(await nodeOf(s.uaid), b.nodeId);
      const live = await push(s.endpoint, 0);
      assert.deepEqual(await receive(onB, 1), [live]);
      onB.close();
    });

    it('closes the older socket on A when the same uaid connects to B, and loses nothing', async () => {
      const s = await subscribe(a);
      const unacked = await push(s.endpoint, 60);
      assert.deepEqual(await receive(s.client, 1, false), [unacked], 'delivered on A, never acked');
      const onB = await connect(b);
      await onB.hello(s.uaid);
      assert.deepEqual(await s.client.waitClose(5000), { code: 1011, reason: 'Ghost' });
      // A saved the unacked message after B's storage check, then nudged B to look again.
      assert.deepEqual(await receive(onB, 1), [unacked]);
      const next = await push(s.endpoint, 60);
      assert.deepEqual(await receive(onB, 1), [next]);
      assert.equal(await nodeOf(s.uaid), b.nodeId);
      onB.close();
    });

    it('refuses router-port requests without the router key or with a wrong one (401)', async () => {
      const uaid = randomUUID().replace(/-/g, '');
      const url = `http://127.0.0.1:${a.routerPort}`;
      const body = JSON.stringify({ channelID: randomUUID(), version: 'v', ttl: 60, topic: null, timestamp: 1 });
      const put = (path: string, authorization?: string) =>
        fetch(`${url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
      for (const path of [`/push/${uaid}`, `/notif/${uaid}`]) {
        assert.equal((await put(path)).status, 401, `${path} without a key`);
        assert.equal((await put(path, 'Bearer not-the-key')).status, 401, `${path} with a wrong key`);
        assert.equal((await put(path, `Bearer ${deriveRouterKey(generateFernetKey())}`)).status, 401, `${path} with another cluster's key`);
        assert.equal((await put(path, `Bearer ${routerKey}`)).status, 404, `${path} with the key: that UA is not here`);
      }
      assert.equal((await fetch(`${url}/__lbheartbeat__`)).status, 200, 'health needs no key');
    });

    it('has no router routes on the public ports', async () => {
      const uaid = randomUUID().replace(/-/g, '');
      for (const node of [a, endpoint]) {
        for (const path of [`/push/${uaid}`, `/notif/${uaid}`]) {
          const res = await fetch(`${node.publicUrl}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${routerKey}` }, body: '{}' });
          assert.equal(res.status, 404, `${node.role} public port ${path}`);
        }
      }
    });

    it('runs no WebSocket service and no router port in `herald endpoint`', async () => {
      assert.equal(endpoint.routerPort, null);
      assert.doesNotMatch(endpoint.output(), /Router port/);
      const ws = new WebSocket(endpoint.wsUrl, ['push-notification']);
      const outcome = await new Promise<string>((resolve) => {
        ws.once('open', () => resolve('open'));
        ws.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
        ws.once('error', (err) => resolve(`error ${err.message}`));
      });
      ws.terminate();
      assert.equal(outcome, 'HTTP 404');
    });

    it('serves no endpoint API in `herald connect`, only health', async () => {
      const s = await subscribe(a);
      const token = s.endpoint.split('/wpush/v1/')[1];
      const res = await fetch(`${a.publicUrl}/wpush/v1/${token}`, { method: 'POST', headers: { TTL: '60' } });
      assert.equal(res.status, 404);
      assert.equal((await fetch(`${a.publicUrl}/__heartbeat__`)).status, 200);
      assert.equal((await fetch(`${a.publicUrl}/__lbheartbeat__`)).status, 200);
      s.client.close();
    });

    // Last: it kills node A.
    it('stores a push for a UA whose node was killed, clears the node id, and delivers on B', async () => {
      const s = await subscribe(a);
      assert.equal(await nodeOf(s.uaid), a.nodeId);
      await a.stop('SIGKILL');
      const v = await push(s.endpoint, 60);
      assert.equal(await nodeOf(s.uaid), null, 'the endpoint cleared the unreachable node id');
      assert.equal(await store.countMessages(s.uaid), 1);
      const onB = await connect(b);
      await onB.hello(s.uaid);
      assert.deepEqual(await receive(onB, 1), [v]);
      onB.close();
    });
  });
}
