/**
 * Urgency end to end (RFC 8030 §5.3; docs/protocol.md#urgency-herald-extension): senders label
 * pushes with `Urgency` (web-push always sends one, `normal` by default), client-SDK user agents
 * declare the lowest urgency they want, and what is below it waits on the server. Real Herald
 * process, real sockets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { PushUserAgent, sendPush, type PushEvent, type Subscription, type Urgency, type UserAgentState } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { sendNotification } from './helpers/web-push-send.js';
import { sleep, waitFor } from './helpers/wait.js';

describe('Urgency', () => {
  let herald: HeraldProcess;
  const agents: PushUserAgent[] = [];
  before(async () => {
    herald = await startHerald();
  });
  after(async () => {
    await Promise.all(agents.map((ua) => ua.close()));
    await herald?.dispose();
  });

  function agent(opts: { urgency?: Urgency; state?: UserAgentState } = {}) {
    const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false, ...opts });
    agents.push(ua);
    const pushes: PushEvent[] = [];
    ua.on('push', (p) => pushes.push(p));
    return { ua, pushes };
  }

  async function waitCount(pushes: PushEvent[], n: number): Promise<void> {
    await waitFor(`${n} push(es), have ${pushes.length}`, () => pushes.length >= n, 5000);
  }

  const send = (sub: Subscription, text: string, urgency?: Urgency) =>
    sendNotification(sub, text, { TTL: 600, ...(urgency ? { urgency } : {}) });

  it('keeps a normal push from a UA at high until it lowers its level, then delivers it once', async () => {
    const { ua, pushes } = agent({ urgency: 'high' });
    await ua.connect();
    const sub = await ua.subscribe();
    assert.equal((await send(sub, 'for later')).statusCode, 201, 'web-push sends Urgency: normal');
    assert.equal((await send(sub, 'now', 'high')).statusCode, 201);
    await waitCount(pushes, 1);
    assert.deepEqual(pushes.map((p) => [p.text, p.urgency]), [['now', 'high']]);
    await sleep(300);
    assert.equal(pushes.length, 1, 'the normal push is held');

    await ua.setUrgency('normal');
    await waitCount(pushes, 2);
    assert.deepEqual(pushes[1]!.text, 'for later');
    assert.equal(pushes[1]!.urgency, 'normal');
    await sleep(300);
    assert.equal(pushes.length, 2, 'delivered once');
    const state = ua.state;
    await ua.close();

    const again = agent({ state });
    await again.ua.connect();
    await sleep(300);
    assert.equal(again.pushes.length, 0, 'nothing again after reconnecting');
    await again.ua.close();
  });

  it('keeps a very-low push to an offline UA until a session of it accepts very-low', async () => {
    const away = agent();
    await away.ua.connect();
    const sub = await away.ua.subscribe();
    await away.ua.close();
    const sent = await sendPush(sub, 'eventually', { ttl: 600, urgency: 'very-low' });
    assert.equal(sent.status, 201);

    const picky = agent({ urgency: 'low', state: away.ua.state });
    await picky.ua.connect();
    await sleep(400);
    assert.equal(picky.pushes.length, 0, 'a UA at low does not get it');
    await picky.ua.close();

    const relaxed = agent({ state: away.ua.state });
    await relaxed.ua.connect();
    await waitCount(relaxed.pushes, 1);
    assert.deepEqual([relaxed.pushes[0]!.text, relaxed.pushes[0]!.urgency], ['eventually', 'very-low']);
    await relaxed.ua.close();
  });

  it('refuses a push with an invalid Urgency with 400 errno 117', async () => {
    const { ua, pushes } = agent();
    await ua.connect();
    const sub = await ua.subscribe();
    for (const urgency of ['urgent', 'very low', '']) {
      const res = await sendPush(sub, 'x', { ttl: 60, urgency });
      assert.equal(res.status, 400, urgency);
      assert.equal(JSON.parse(res.body).errno, 117);
    }
    assert.equal((await sendPush(sub, 'ok', { ttl: 60, urgency: 'HIGH' })).status, 201, 'case does not matter');
    await waitCount(pushes, 1);
    assert.equal(pushes[0]!.urgency, 'high');
    await ua.close();
  });
});

describe('Urgency across nodes', () => {
  // An endpoint node and a connection node on one shared SQLite file: the level lives with the
  // session on the connection node, and the endpoint's push reaches it over the router port.
  let dir: string;
  let endpoint: HeraldProcess;
  let connect: HeraldProcess;
  let ua: PushUserAgent;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-urgency-'));
    const shared = { db: `sqlite:${join(dir, 'herald.db')}`, args: ['--crypto-keys', generateFernetKey()] };
    endpoint = await startHerald({ ...shared, role: 'endpoint' });
    connect = await startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl });
  });
  after(async () => {
    await ua?.close();
    await connect?.dispose();
    await endpoint?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds a normal push sent through another node for a UA at high, and delivers it once the UA lowers its level', async () => {
    ua = new PushUserAgent({ serverUrl: connect.wsUrl, reconnect: false, urgency: 'high' });
    const pushes: PushEvent[] = [];
    ua.on('push', (p) => pushes.push(p));
    await ua.connect();
    const sub = await ua.subscribe();
    assert.ok(sub.endpoint.startsWith(endpoint.endpointUrl), 'the endpoint is on the endpoint node');
    assert.equal((await sendPush(sub, 'later', { ttl: 600, urgency: 'normal' })).status, 201);
    assert.equal((await sendPush(sub, 'now', { ttl: 600, urgency: 'high' })).status, 201);
    await waitFor('the high push', () => pushes.length >= 1, 5000);
    await sleep(300);
    assert.deepEqual(pushes.map((p) => p.text), ['now']);
    await ua.setUrgency('very-low');
    await waitFor('the held push', () => pushes.length >= 2, 5000);
    await sleep(300);
    assert.deepEqual(pushes.map((p) => p.text), ['now', 'later']);
  });
});

