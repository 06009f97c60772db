/**
 * Ack-gated delivery end to end (issue 12, docs/architecture.md "Ack-gated delivery"): a push to
 * a connected user agent is answered 201 once the UA acks it, and then it was never stored; one
 * the UA does not ack within the window is stored, then answered, and arrives once after
 * reconnect; a connection node killed inside the window makes the endpoint store it. And the two
 * msg_limit faults: an online UA that acks everything is never reset by a burst, and 160 pushes
 * to one subscription while the UA is away do not reset it.
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
import { pushEmpty, type SendResult } from './helpers/send.js';
import { waitFor } from './helpers/wait.js';

type Frame = { messageType: string; channelID?: string; version?: string };

const versionOf = (res: SendResult) => new URL(res.headers.get('location')!).pathname.replace('/m/', '');

/** A raw UA on `node`, subscribed to `channels` channels. */
async function subscribe(node: HeraldProcess, channels: number, clients: RawClient[]) {
  const client = await RawClient.connect(node.wsUrl);
  clients.push(client);
  const uaid = await client.hello();
  const subs: Array<{ chid: string; endpoint: string }> = [];
  for (let i = 0; i < channels; i++) {
    const chid = randomUUID();
    const { status, pushEndpoint } = await client.register(chid);
    assert.equal(status, 200);
    subs.push({ chid, endpoint: pushEndpoint });
  }
  return { client, uaid, subs };
}

/** From now on `client` acks every notification at once; returns the versions it saw. */
function ackEverything(client: RawClient): Set<string> {
  const seen = new Set<string>();
  client.ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Frame;
    if (f.messageType !== 'notification') return;
    seen.add(f.version!);
    client.send({ messageType: 'ack', updates: [{ channelID: f.channelID, version: f.version }] });
  });
  return seen;
}

/** The next notification frame, skipping any other. */
async function nextNotification(client: RawClient, timeoutMs = 5000): Promise<Frame> {
  for (;;) {
    const f = await client.next<Frame>(timeoutMs);
    if (f.messageType === 'notification') return f;
  }
}

describe('ack-gated delivery, one node', { timeout: 120_000 }, () => {
  let herald: HeraldProcess;
  let store: Store;
  const clients: RawClient[] = [];
  before(async () => {
    // The longest window, so a test client acks well inside it even on a busy machine.
    herald = await startHerald({ args: ['--ack-window-ms', '1000'] });
    store = await openStore(`sqlite:${join(herald.dataDir, 'herald.db')}`);
  });
  after(async () => {
    for (const c of clients) c.close();
    await store?.close();
    await herald?.dispose();
  });

  it('answers 201 once the UA acks, and never stores a message acked inside the window', async () => {
    const { client, uaid, subs } = await subscribe(herald, 1, clients);
    let answered = false;
    const sent = pushEmpty(subs[0]!.endpoint, 300).then((res) => ((answered = true), res));
    const f = await nextNotification(client);
    assert.equal(answered, false, 'no 201 before the ack');
    assert.equal(await store.countMessages(uaid), 0, 'on the socket, not in storage');
    client.send({ messageType: 'ack', updates: [{ channelID: f.channelID, version: f.version }] });
    const res = await sent;
    assert.equal(res.status, 201);
    assert.equal(versionOf(res), f.version);
    assert.equal(await store.countMessages(uaid), 0);
    client.close();
  });

  it('stores a message not acked within the window, answers 201, and delivers it once after reconnect', async () => {
    const { client, uaid, subs } = await subscribe(herald, 1, clients);
    const sent = pushEmpty(subs[0]!.endpoint, 300);
    const f = await nextNotification(client);
    const res = await sent;
    assert.equal(res.status, 201, 'answered once the window passed');
    assert.equal(await store.countMessages(uaid), 1, 'stored before the 201');
    client.close();

    const back = await RawClient.connect(herald.wsUrl);
    clients.push(back);
    assert.equal(await back.hello(uaid), uaid);
    const again = await nextNotification(back);
    assert.equal(again.version, f.version);
    back.send({ messageType: 'ack', updates: [{ channelID: again.channelID, version: again.version }] });
    assert.ok(await back.quiet(300), 'delivered once');
    await waitFor('the stored copy to go', async () => (await store.countMessages(uaid)) === 0);
    back.close();
  });
});

describe('ack-gated delivery, a connection node killed inside the window', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-ackgate-'));
  const db = `sqlite:${join(dir, 'herald.db')}`;
  const shared = { db, args: ['--crypto-keys', generateFernetKey()] };
  let endpoint: HeraldProcess;
  let a: HeraldProcess;
  let b: HeraldProcess;
  const clients: RawClient[] = [];

  before(async () => {
    endpoint = await startHerald({ ...shared, role: 'endpoint', args: [...shared.args, '--ack-window-ms', '1000'] });
    [a, b] = await Promise.all([
      startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl }),
      startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl }),
    ]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([endpoint, a, b].map((p) => p?.dispose()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the message at the endpoint and answers 201; it arrives after reconnect to another node', async () => {
    const { client, uaid, subs } = await subscribe(a, 1, clients);
    const sent = pushEmpty(subs[0]!.endpoint, 300);
    const f = await nextNotification(client);
    // Inside the window: the endpoint still waits for A's answer when A dies.
    await a.stop('SIGKILL');
    client.close();
    const res = await sent;
    assert.equal(res.status, 201);
    assert.equal(versionOf(res), f.version);

    const back = await RawClient.connect(b.wsUrl);
    clients.push(back);
    assert.equal(await back.hello(uaid), uaid);
    const again = await nextNotification(back);
    assert.equal(again.version, f.version, 'the 201 message arrives after the crash');
    back.close();
    await a.restart();
  });
});

describe('msg_limit with default settings', { timeout: 180_000 }, () => {
  let herald: HeraldProcess;
  const clients: RawClient[] = [];
  before(async () => {
    herald = await startHerald();
  });
  after(async () => {
    for (const c of clients) c.close();
    await herald?.dispose();
  });

  it('never resets an online UA that acks everything: 4,000 pushes over 20 subscriptions from 32 senders all arrive', async () => {
    const { client, subs } = await subscribe(herald, 20, clients);
    const seen = ackEverything(client);
    const TOTAL = 4000;
    const accepted: string[] = [];
    let next = 0;
    const sender = async () => {
      while (next < TOTAL) {
        const i = next++;
        const res = await pushEmpty(subs[i % subs.length]!.endpoint, 300);
        assert.equal(res.status, 201, `push ${i}: ${res.status} ${res.body}`);
        accepted.push(versionOf(res));
      }
    };
    await Promise.all(Array.from({ length: 32 }, sender));
    assert.equal(accepted.length, TOTAL);
    await waitFor('every accepted push to arrive', () => accepted.every((v) => seen.has(v)) || client.closed !== null, 60_000);
    assert.equal(client.closed, null, `the UA stays connected (closed ${JSON.stringify(client.closed)})`);
    assert.ok(accepted.every((v) => seen.has(v)), 'every 201 delivered');
  });

  it('does not reset a UA away while 160 pushes reach one subscription; its other subscription still works', async () => {
    const { client, uaid, subs } = await subscribe(herald, 2, clients);
    client.close();
    const [flooded, other] = subs as [(typeof subs)[0], (typeof subs)[0]];
    const accepted = new Set<string>();
    for (let i = 0; i < 160; i++) {
      const res = await pushEmpty(flooded.endpoint, 300);
      assert.equal(res.status, 201, `push ${i}: ${res.status} ${res.body}`);
      accepted.add(versionOf(res));
    }

    const back = await RawClient.connect(herald.wsUrl);
    clients.push(back);
    // Listen before the hello: the first stored batch may come in the same read as its reply,
    // and a notification nobody acks stops the drain.
    const seen = ackEverything(back);
    assert.equal(await back.hello(uaid), uaid, 'the same uaid: not reset');
    await waitFor('the backlog to arrive', () => [...accepted].every((v) => seen.has(v)) || back.closed !== null, 30_000);
    assert.equal(back.closed, null, `not reset (closed ${JSON.stringify(back.closed)})`);

    const res = await pushEmpty(other.endpoint, 300);
    assert.equal(res.status, 201);
    await waitFor('the other subscription to deliver', () => seen.has(versionOf(res)));
    back.close();
  });
});
