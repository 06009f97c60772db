/**
 * Faults in a cluster (issue 3): a connection node killed with SIGKILL while its user agent holds
 * unacked messages, and a connection node that stops answering on its router port. Every message
 * answered 201 arrives (duplicates allowed, none lost). Two `herald connect` nodes and one
 * `herald endpoint`, separate processes on one SQLite file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { RawClient } from './helpers/raw-client.js';
import { pushEmpty } from './helpers/send.js';
import { waitFor } from './helpers/wait.js';

type Frame = { messageType: string; channelID?: string; version?: string };

describe('cluster faults', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-faults-'));
  const db = `sqlite:${join(dir, 'herald.db')}`;
  const shared = { db, args: ['--crypto-keys', generateFernetKey()] };
  let endpoint: HeraldProcess;
  let a: HeraldProcess;
  let b: HeraldProcess;
  let store: Store;
  const clients: RawClient[] = [];

  before(async () => {
    endpoint = await startHerald({ ...shared, role: 'endpoint' });
    [a, b] = await Promise.all([
      startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl }),
      startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl }),
    ]);
    store = await openStore(db);
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([endpoint, a, b].map((p) => p?.dispose()));
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function subscribeOn(node: HeraldProcess) {
    const client = await RawClient.connect(node.wsUrl);
    clients.push(client);
    const uaid = await client.hello();
    const chid = randomUUID();
    const { status, pushEndpoint } = await client.register(chid);
    assert.equal(status, 200);
    return { client, uaid, chid, endpoint: pushEndpoint };
  }

  /** Reconnect on `node` and read (and ack) notifications until `want` distinct versions arrived. */
  async function drain(node: HeraldProcess, uaid: string, chid: string, want: Set<string>) {
    const c = await RawClient.connect(node.wsUrl);
    clients.push(c);
    assert.equal(await c.hello(uaid), uaid);
    const seen = new Set<string>();
    while ([...want].some((v) => !seen.has(v))) {
      const f = await c.next<Frame>(5000);
      if (f.messageType !== 'notification') continue;
      seen.add(f.version!);
      c.send({ messageType: 'ack', updates: [{ channelID: chid, version: f.version }] });
    }
    return seen;
  }

  it('loses nothing when the node holding the user agent is killed with SIGKILL before the acks', async () => {
    const sub = await subscribeOn(a);
    const accepted = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await pushEmpty(sub.endpoint, 300);
      assert.equal(res.status, 201);
      accepted.add(new URL(res.headers.get('location')!).pathname.replace('/m/', ''));
    }
    // The UA got them live and never acked.
    for (let i = 0; i < 5; i++) assert.equal((await sub.client.next<Frame>()).messageType, 'notification');
    await a.stop('SIGKILL');
    sub.client.close();

    const seen = await drain(b, sub.uaid, sub.chid, accepted);
    for (const v of accepted) assert.ok(seen.has(v), 'every 201 arrives after the crash');
    await a.restart();
  });

  it('stores and clears the stale node id when a node does not answer on its router port', async () => {
    // The user agent stays connected: closing it makes A clear its node id, and a SIGSTOP landing
    // inside that write would freeze A holding the SQLite write lock (503 for everyone).
    const sub = await subscribeOn(a);
    // Freeze node A: its sockets stay open but nothing answers (a hung or partitioned node).
    const user = await waitFor('the router record of A', async () => {
      const u = await store.getUser(sub.uaid);
      return u?.nodeId ? u : undefined;
    });
    a.signal('SIGSTOP');
    try {
      const started = Date.now();
      const res = await pushEmpty(sub.endpoint, 300);
      assert.equal(res.status, 201, 'stored though the node did not answer');
      assert.ok(Date.now() - started < 10_000, 'the router timeouts bound the wait');
      const after = await store.getUser(sub.uaid);
      assert.equal(after?.nodeId, null, `the stale node id ${user.nodeId} is cleared`);
      const version = new URL(res.headers.get('location')!).pathname.replace('/m/', '');
      const seen = await drain(b, sub.uaid, sub.chid, new Set([version]));
      assert.ok(seen.has(version), 'the message arrives on reconnect to another node');
    } finally {
      a.signal('SIGCONT');
      sub.client.close();
    }
  });
});
