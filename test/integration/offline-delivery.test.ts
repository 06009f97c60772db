/**
 * Messages for user agents that are away (docs/protocol.md#storage-check,
 * docs/protocol.md#request-headers, docs/protocol.md#delivery-guarantee): stored, delivered on
 * reconnect in order, topic replacement, TTL expiry, TTL 0, DELETE, unregister, whole-batch
 * redelivery and the msg_limit reset. Real Herald process, real sockets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import webpush from 'web-push';
import { sendNotification, type WebPushSendError } from './helpers/web-push-send.js';
import { PushUserAgent, type UserAgentState } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { RawClient } from './helpers/raw-client.js';
import { pushEmpty } from './helpers/send.js';
import { sleep } from './helpers/wait.js';

async function send(sub: webpush.PushSubscription, text: string, opts: webpush.RequestOptions = {}) {
  return sendNotification(sub, text, { TTL: 120, ...opts });
}

describe('offline user agents', () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald();
  });
  after(async () => herald?.dispose());

  /** A UA that subscribes once, then goes away; returns its state and subscription. */
  async function awayAgent(channels = 1) {
    const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    await ua.connect();
    const subs = [];
    for (let i = 0; i < channels; i++) subs.push(await ua.subscribe());
    await ua.close();
    return { state: ua.state, subs };
  }

  async function comeBack(state: UserAgentState) {
    const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false, state });
    const pushes = collectPushes(ua);
    await ua.connect();
    return { ua, pushes };
  }

  it('delivers messages sent while away, in order, after reconnect', async () => {
    const { state, subs } = await awayAgent();
    for (let i = 0; i < 5; i++) assert.equal((await send(subs[0]!, `m${i}`)).statusCode, 201);
    const { ua, pushes } = await comeBack(state);
    const got = await pushes.waitCount(5);
    assert.deepEqual(got.map((p) => p.text), ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.equal(ua.uaid, state.uaid, 'the same uaid is kept');
    await sleep(200);
    assert.equal(pushes.list.length, 5, 'nothing is delivered twice once acked');
    await ua.close();
  });

  it('keeps only the newest message of a topic, per channel, and delivers topics first', async () => {
    const { state, subs } = await awayAgent(2);
    await send(subs[0]!, 'plain-1');
    await send(subs[0]!, 'old', { topic: 'weather' });
    await send(subs[0]!, 'new', { topic: 'weather' });
    await send(subs[1]!, 'other-channel', { topic: 'weather' });
    await send(subs[0]!, 'plain-2');
    const { ua, pushes } = await comeBack(state);
    const got = await pushes.waitCount(4);
    await sleep(200);
    assert.equal(pushes.list.length, 4);
    assert.deepEqual(got.slice(0, 2).map((p) => p.text).sort(), ['new', 'other-channel']);
    assert.deepEqual(got.slice(2).map((p) => p.text), ['plain-1', 'plain-2']);
    await ua.close();
  });

  it('never delivers an expired message', async () => {
    const { state, subs } = await awayAgent();
    await send(subs[0]!, 'short-lived', { TTL: 1 });
    await send(subs[0]!, 'long-lived', { TTL: 600 });
    await sleep(1100);
    const { ua, pushes } = await comeBack(state);
    await pushes.waitCount(1);
    await sleep(300);
    assert.deepEqual(pushes.list.map((p) => p.text), ['long-lived']);
    await ua.close();
  });

  it('delivers TTL=0 messages only to a connected user agent', async () => {
    const { state, subs } = await awayAgent();
    const offline = await send(subs[0]!, 'while-away', { TTL: 0 });
    assert.equal(offline.statusCode, 201, 'a dropped TTL=0 message is still accepted');
    assert.equal(offline.headers.ttl, '0');
    const { ua, pushes } = await comeBack(state);
    await sleep(300);
    assert.equal(pushes.list.length, 0);
    await send(subs[0]!, 'while-here', { TTL: 0 });
    const got = await pushes.waitCount(1);
    assert.equal(got[0]!.text, 'while-here');
    await ua.close();
  });

  it('answers 410 errno 106 with Cache-Control once the channel is unregistered', async () => {
    const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    await ua.connect();
    const sub = await ua.subscribe();
    await ua.unsubscribe(sub.channelID);
    await assert.rejects(send(sub, 'gone'), (err: WebPushSendError) => {
      assert.equal(err.statusCode, 410);
      assert.equal(JSON.parse(err.body).errno, 106);
      assert.equal(err.headers['cache-control'], 'max-age=86400');
      return true;
    });
    await ua.close();
  });

  it('lets the sender DELETE a stored message before delivery', async () => {
    const { state, subs } = await awayAgent();
    const res = await send(subs[0]!, 'cancel-me');
    await send(subs[0]!, 'keep-me');
    const del = await fetch(String(res.headers.location), { method: 'DELETE' });
    assert.equal(del.status, 204);
    const again = await fetch(String(res.headers.location), { method: 'DELETE' });
    assert.equal(again.status, 204, 'deleting twice is not an error');
    const { ua, pushes } = await comeBack(state);
    await pushes.waitCount(1);
    await sleep(300);
    assert.deepEqual(pushes.list.map((p) => p.text), ['keep-me']);
    await ua.close();
  });

  it('redelivers the whole batch when the user agent leaves before acking all of it', async () => {
    const raw = await RawClient.connect(herald.wsUrl);
    const uaid = await raw.hello();
    const chid = randomUUID();
    const { pushEndpoint } = await raw.register(chid);
    raw.close();
    for (let i = 0; i < 12; i++) assert.equal((await pushEmpty(pushEndpoint, 300)).status, 201);

    const first = await RawClient.connect(herald.wsUrl);
    assert.equal(await first.hello(uaid), uaid);
    const batch: string[] = [];
    for (let i = 0; i < 10; i++) batch.push((await first.next<{ version: string }>()).version);
    assert.ok(await first.quiet(200), 'the next batch waits for acks');
    first.send({ messageType: 'ack', updates: batch.slice(0, 9).map((version) => ({ channelID: chid, version })) });
    await sleep(200);
    first.close();

    const second = await RawClient.connect(herald.wsUrl);
    await second.hello(uaid);
    const again: string[] = [];
    for (let i = 0; i < 10; i++) again.push((await second.next<{ version: string }>()).version);
    assert.deepEqual(again, batch, 'the same ten messages, in order');
    second.send({ messageType: 'ack', updates: again.map((version) => ({ channelID: chid, version })) });
    const rest = [await second.next<{ version: string }>(), await second.next<{ version: string }>()];
    assert.equal(rest.length, 2);
    second.send({ messageType: 'ack', updates: rest.map((m) => ({ channelID: chid, version: m.version })) });
    await sleep(200);
    second.close();

    const third = await RawClient.connect(herald.wsUrl);
    await third.hello(uaid);
    assert.ok(await third.quiet(300), 'everything acked is gone');
    third.close();
  });
});

describe('msg_limit reset', () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald({ args: ['--msg-limit', '5'] });
  });
  after(async () => herald?.dispose());

  it('resets a user agent whose backlog exceeds msg_limit: close 1000, new uaid, old endpoints gone', async () => {
    const raw = await RawClient.connect(herald.wsUrl);
    const uaid = await raw.hello();
    const { pushEndpoint } = await raw.register(randomUUID());
    raw.close();
    for (let i = 0; i < 8; i++) await pushEmpty(pushEndpoint, 300);

    const back = await RawClient.connect(herald.wsUrl);
    assert.equal(await back.hello(uaid), uaid);
    const closed = await back.waitClose();
    assert.equal(closed.code, 1000);
    assert.equal(closed.reason, 'UaidReset');

    const fresh = await RawClient.connect(herald.wsUrl);
    assert.notEqual(await fresh.hello(uaid), uaid, 'the old uaid is not adopted again');
    fresh.close();
    const res = await pushEmpty(pushEndpoint, 60);
    assert.equal(res.status, 410);
    assert.equal(res.json().errno, 106);
  });
});
