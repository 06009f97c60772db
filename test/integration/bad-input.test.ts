/**
 * Bad input from user agents and senders gets its documented answer (docs/protocol.md#close-codes,
 * docs/errors.md), and a well-behaved user agent on the same server keeps receiving throughout.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import webpush from 'web-push';
import { sendNotification, type WebPushSendError } from './helpers/web-push-send.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { RawClient } from './helpers/raw-client.js';
import { post } from './helpers/send.js';

describe('bad input', () => {
  let herald: HeraldProcess;
  let good: PushUserAgent;
  let goodSub: webpush.PushSubscription;
  let pushes: ReturnType<typeof collectPushes>;
  let n = 0;

  before(async () => {
    herald = await startHerald();
    good = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    pushes = collectPushes(good);
    await good.connect();
    goodSub = await good.subscribe();
  });
  after(async () => {
    await good?.close();
    await herald?.dispose();
  });

  /** After every bad request, the good user agent still gets its message. */
  async function goodStillReceives() {
    const text = `still here ${++n}`;
    const res = await sendNotification(goodSub, text, { TTL: 60 });
    assert.equal(res.statusCode, 201);
    const got = await pushes.waitCount(n);
    assert.equal(got[n - 1]!.text, text);
  }

  const closes: Array<[string, (c: RawClient) => void | Promise<void>, number, string]> = [
    ['malformed JSON', (c) => c.send('{"messageType": "hello",'), 1011, 'InvalidMessage'],
    ['a binary frame', (c) => c.ws.send(Buffer.from([1, 2, 3])), 1003, 'UnsupportedMessage'],
    ['an unknown message type', (c) => c.send({ messageType: 'launch-missiles' }), 1011, 'InvalidMessage'],
    ['a first message that is not hello', (c) => c.send({ messageType: 'register', channelID: randomUUID() }), 1011, 'NoHello'],
    ['a JSON array', (c) => c.send('[1,2]'), 1011, 'InvalidMessage'],
    [
      'an uppercase channel id',
      async (c) => {
        await c.hello();
        c.send({ messageType: 'register', channelID: randomUUID().toUpperCase() });
      },
      1011,
      'InvalidMessage',
    ],
    [
      'a second hello',
      async (c) => {
        await c.hello();
        c.send({ messageType: 'hello', use_webpush: true });
      },
      1011,
      'AlreadyHelloed',
    ],
    [
      'a register without channelID',
      async (c) => {
        await c.hello();
        c.send({ messageType: 'register' });
      },
      1011,
      'InvalidMessage',
    ],
  ];
  for (const [what, act, code, reason] of closes) {
    it(`closes the socket with ${code} ${reason} on ${what}`, async () => {
      const c = await RawClient.connect(herald.wsUrl);
      await act(c);
      const closed = await c.waitClose();
      assert.deepEqual(closed, { code, reason });
      await goodStillReceives();
    });
  }

  it('answers a register with an undecodable key with status 400 and keeps the socket', async () => {
    const c = await RawClient.connect(herald.wsUrl);
    await c.hello();
    const chid = randomUUID();
    const reply = await c.register(chid, 'not+valid/base64');
    assert.deepEqual(reply, { messageType: 'register', channelID: chid, status: 400, pushEndpoint: 'Failed to generate endpoint' });
    const ok = await c.register(randomUUID());
    assert.equal(ok.status, 200);
    c.close();
    await goodStillReceives();
  });

  const origin = () => herald.endpointUrl;
  const requests: Array<[string, () => Promise<{ status: number; body: string; headers: Headers }>, number, number | null]> = [
    ['a token that does not decrypt', () => post(`${origin()}/wpush/v1/not-a-token`, { headers: { TTL: '60' } }), 404, null],
    ['an unknown API version', () => post(`${origin()}/wpush/v9/abc`, { headers: { TTL: '60' } }), 404, null],
    ['a missing TTL', () => post(goodSub.endpoint), 400, 111],
    ['a non-numeric TTL', () => post(goodSub.endpoint, { headers: { TTL: 'soon' } }), 400, 111],
    ['a negative TTL', () => post(goodSub.endpoint, { headers: { TTL: '-1' } }), 400, 114],
    ['a bad topic', () => post(goodSub.endpoint, { headers: { TTL: '60', Topic: 'no spaces allowed!' } }), 400, 113],
    ['a body without Content-Encoding', () => post(goodSub.endpoint, { headers: { TTL: '60' }, body: 'x' }), 400, 110],
    ['an unknown Content-Encoding', () => post(goodSub.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'gzip' }, body: 'x' }), 400, 110],
    ['aesgcm without a salt', () => post(goodSub.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'aesgcm' }, body: 'x' }), 400, 110],
    ['a Crypto-Key of 14,000 commas', () => post(goodSub.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'aes128gcm', 'Crypto-Key': ','.repeat(14_000) }, body: 'x' }), 400, 110],
    ['an Encryption header of 20 parameters', () => post(goodSub.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'aesgcm', Encryption: `salt=abc${';rs=4096'.repeat(20)}` }, body: 'x' }), 400, 110],
    [
      'an oversized body',
      () => post(goodSub.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'aes128gcm' }, body: Buffer.alloc(5631, 1) }),
      413,
      104,
    ],
    ['a bad VAPID header', () => post(goodSub.endpoint, { headers: { TTL: '60', Authorization: 'vapid t=abc,k=def' } }), 401, 109],
    ['an unknown auth scheme', () => post(goodSub.endpoint, { headers: { TTL: '60', Authorization: 'Basic Zm9vOmJhcg==' } }), 401, 109],
  ];
  for (const [what, send, status, errno] of requests) {
    it(`answers ${what} with ${status}${errno ? ` errno ${errno}` : ''}`, async () => {
      const res = await send();
      assert.equal(res.status, status);
      if (status === 404) assert.equal(res.body, '', '404 bodies are empty');
      else {
        const body = JSON.parse(res.body);
        assert.equal(body.code, status);
        assert.equal(body.errno, errno);
        assert.equal(typeof body.message, 'string');
        assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      }
      await goodStillReceives();
    });
  }

  it('answers DELETE of a garbage message id with 400', async () => {
    const res = await fetch(`${herald.endpointUrl}/m/garbage`, { method: 'DELETE' });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).errno, null);
    await goodStillReceives();
  });

  it('accepts a body of exactly the size limit', async () => {
    const res = await post(goodSub.endpoint, { headers: { TTL: '0', 'Content-Encoding': 'aes128gcm' }, body: Buffer.alloc(5630, 1) });
    assert.equal(res.status, 201);
  });
});
