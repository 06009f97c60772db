/**
 * UnifiedPush's server rules (docs/compatibility.md#unifiedpush, UnifiedPush SERV_1.2.0) against a
 * real Herald
 * process: the `GET` discovery answer, endpoint length, exact delivery of 1..4096-byte bodies,
 * 413, and the `TTL` response header. Where UnifiedPush and autopush differ, Herald does what
 * autopush does (Firefox is the reference user agent); docs/compatibility.md lists the
 * differences, and the tests here pin them down so they cannot change by accident.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import webpush from 'web-push';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { RawClient } from './helpers/raw-client.js';
import { post, type SendResult } from './helpers/send.js';
import { sendNotification } from './helpers/web-push-send.js';

const DISCOVERY = '{"unifiedpush":{"version":1}}';
/** UnifiedPush: "An endpoint's length MUST be less than or equal to 1000 bytes." */
const MAX_ENDPOINT_BYTES = 1000;
/** UnifiedPush: "The length of the message MUST be between 1 byte and 4096 bytes (inclusive)." */
const UP_MAX_MESSAGE = 4096;
/** Herald's (and autopush's) `max_data_bytes`. */
const HERALD_MAX_BODY = 5630;

interface NotificationFrame {
  messageType: string;
  channelID: string;
  version: string;
  data?: string;
  headers?: Record<string, string>;
}

describe('UnifiedPush server rules', () => {
  let herald: HeraldProcess;
  let raw: RawClient;
  let v1: { channelID: string; endpoint: string };
  let v2: { channelID: string; endpoint: string };
  const vapid = webpush.generateVAPIDKeys();

  before(async () => {
    herald = await startHerald();
    raw = await RawClient.connect(herald.wsUrl);
    await raw.hello();
    const chid1 = randomUUID();
    const chid2 = randomUUID();
    const r1 = await raw.register(chid1);
    const r2 = await raw.register(chid2, vapid.publicKey);
    assert.equal(r1.status, 200);
    assert.equal(r2.status, 200);
    v1 = { channelID: chid1, endpoint: r1.pushEndpoint };
    v2 = { channelID: chid2, endpoint: r2.pushEndpoint };
  });
  after(async () => {
    raw?.close();
    await herald?.dispose();
  });

  /** The next notification on the raw socket, acked so nothing is left stored. */
  async function nextNotification(): Promise<NotificationFrame> {
    const frame = await raw.next<NotificationFrame>(5000);
    assert.equal(frame.messageType, 'notification');
    raw.send({ messageType: 'ack', updates: [{ channelID: frame.channelID, version: frame.version, code: 100 }] });
    return frame;
  }

  describe('discovery', () => {
    const endpoints = () => ({
      'a v1 endpoint': v1.endpoint,
      'a v2 endpoint': v2.endpoint,
      'the legacy /wpush/{token} form of a v1 endpoint': v1.endpoint.replace('/wpush/v1/', '/wpush/'),
    });
    for (const what of ['a v1 endpoint', 'a v2 endpoint', 'the legacy /wpush/{token} form of a v1 endpoint'] as const) {
      it(`answers GET on ${what} with 200 {"unifiedpush":{"version":1}}`, async () => {
        const res = await fetch(endpoints()[what]);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(await res.text(), DISCOVERY);
      });
    }

    const bogus: Array<[string, () => string]> = [
      ['a token that does not decrypt', () => `${herald.endpointUrl}/wpush/v1/not-a-push-token`],
      ['a v1 token presented as v2 (wrong length)', () => v1.endpoint.replace('/wpush/v1/', '/wpush/v2/')],
      ['an unknown API version', () => v1.endpoint.replace('/wpush/v1/', '/wpush/v9/')],
      ['a path that is no push endpoint', () => `${herald.endpointUrl}/not/a/push/endpoint`],
    ];
    for (const [what, url] of bogus) {
      it(`answers GET on ${what} with an empty 404`, async () => {
        const res = await fetch(url());
        assert.equal(res.status, 404);
        assert.equal(await res.text(), '');
      });
    }

    it('still answers GET on an unsubscribed endpoint (the token is valid), while a POST to it answers 410 errno 106', async () => {
      const c = await RawClient.connect(herald.wsUrl);
      try {
        await c.hello();
        const chid = randomUUID();
        const { pushEndpoint } = await c.register(chid);
        c.send({ messageType: 'unregister', channelID: chid });
        assert.equal((await c.next<{ status: number }>()).status, 200);
        const get = await fetch(pushEndpoint);
        assert.equal(get.status, 200);
        assert.equal(await get.text(), DISCOVERY);
        const res = await post(pushEndpoint, { headers: { TTL: '60' } });
        assert.equal(res.status, 410);
        assert.equal(res.json().errno, 106);
      } finally {
        c.close();
      }
    });
  });

  describe('endpoint length', () => {
    it(`keeps v1 and v2 endpoints under ${MAX_ENDPOINT_BYTES} bytes`, (t) => {
      for (const { endpoint } of [v1, v2]) {
        const bytes = Buffer.byteLength(endpoint);
        t.diagnostic(`${bytes} bytes: ${endpoint.slice(0, 60)}…`);
        assert.ok(bytes < MAX_ENDPOINT_BYTES, `${bytes} bytes`);
      }
    });

    it(`keeps v1 and v2 endpoints under ${MAX_ENDPOINT_BYTES} bytes with the longest possible host name in --endpoint-url`, async (t) => {
      // 253 characters, the DNS maximum, in 63-character labels; plus a non-default port.
      const host = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(56), 'test'].join('.');
      assert.equal(host.length, 253);
      const longOrigin = `https://${host}:65535`;
      const other = await startHerald({ endpointUrl: longOrigin });
      const c = await RawClient.connect(other.wsUrl);
      try {
        await c.hello();
        for (const key of [undefined, vapid.publicKey]) {
          const { status, pushEndpoint } = await c.register(randomUUID(), key);
          assert.equal(status, 200);
          assert.ok(pushEndpoint.startsWith(`${longOrigin}/wpush/${key ? 'v2' : 'v1'}/`), pushEndpoint);
          const bytes = Buffer.byteLength(pushEndpoint);
          t.diagnostic(`${key ? 'v2' : 'v1'}: ${bytes} bytes`);
          assert.ok(bytes < MAX_ENDPOINT_BYTES, `${bytes} bytes`);
          // The same endpoint, reached on Herald's own port, is a push endpoint.
          const res = await fetch(pushEndpoint.replace(longOrigin, other.publicUrl));
          assert.equal(await res.text(), DISCOVERY);
        }
      } finally {
        c.close();
        await other.dispose();
      }
    });
  });

  describe('push', () => {
    for (const size of [1, 2, 86, 1000, 3993, 4095, UP_MAX_MESSAGE]) {
      it(`delivers a ${size}-byte POST body exactly (201)`, async () => {
        const body = randomBytes(size);
        const res = await post(v1.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'aes128gcm' }, body });
        assert.equal(res.status, 201, res.body);
        const frame = await nextNotification();
        assert.equal(frame.channelID, v1.channelID);
        assert.ok(Buffer.from(frame.data!, 'base64url').equals(body), 'the UA gets exactly the POST body');
      });
    }

    it(`delivers a ${UP_MAX_MESSAGE}-byte body exactly to a user agent that was offline when it was sent`, async () => {
      const c = await RawClient.connect(herald.wsUrl);
      const uaid = await c.hello();
      const chid = randomUUID();
      const { pushEndpoint } = await c.register(chid);
      c.close();
      await c.waitClose();
      const body = randomBytes(UP_MAX_MESSAGE);
      assert.equal((await post(pushEndpoint, { headers: { TTL: '600', 'Content-Encoding': 'aes128gcm' }, body })).status, 201);
      const back = await RawClient.connect(herald.wsUrl);
      try {
        assert.equal(await back.hello(uaid), uaid);
        const frame = await back.next<NotificationFrame>(5000);
        assert.equal(frame.channelID, chid);
        assert.ok(Buffer.from(frame.data!, 'base64url').equals(body));
        back.send({ messageType: 'ack', updates: [{ channelID: chid, version: frame.version, code: 100 }] });
      } finally {
        back.close();
      }
    });

    it('delivers 3993 bytes of clear text, RFC 8291-encrypted by web-push into a 4096-byte body, to a client-SDK user agent', async () => {
      const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
      const pushes = collectPushes(ua);
      try {
        await ua.connect();
        const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
        const text = 'ü'.repeat(1996) + '!'; // 3993 bytes of UTF-8
        const vapidDetails = { subject: 'mailto:ops@example.com', ...vapid };
        const details = webpush.generateRequestDetails(sub, text, { TTL: 60, vapidDetails });
        assert.equal((details.body as Buffer).length, UP_MAX_MESSAGE);
        const res = await sendNotification(sub, text, { TTL: 60, vapidDetails });
        assert.equal(res.statusCode, 201);
        const [got] = await pushes.waitCount(1);
        assert.equal(got!.text, text);
      } finally {
        await ua.close();
      }
    });

    it(`accepts bodies above UnifiedPush's ${UP_MAX_MESSAGE} bytes up to autopush's ${HERALD_MAX_BODY}, and answers 413 errno 104 above`, async () => {
      for (const size of [UP_MAX_MESSAGE + 1, HERALD_MAX_BODY]) {
        const body = randomBytes(size);
        const res = await post(v1.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'aes128gcm' }, body });
        assert.equal(res.status, 201, `${size} bytes`);
        assert.ok(Buffer.from((await nextNotification()).data!, 'base64url').equals(body));
      }
      const res = await post(v1.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'aes128gcm' }, body: randomBytes(HERALD_MAX_BODY + 1) });
      assert.equal(res.status, 413);
      assert.equal(res.json().errno, 104);
      assert.equal(res.json().code, 413);
      assert.ok(await raw.quiet(200), 'nothing was delivered');
    });

    const ttls: Array<[string, number]> = [
      ['0', 0],
      ['60', 60],
      ['31536000', 2_592_000], // a year, clamped to 30 days
    ];
    for (const [sent, answered] of ttls) {
      it(`answers a push with TTL: ${sent} with 201 and TTL: ${answered} in the response`, async () => {
        const res = await post(v1.endpoint, { headers: { TTL: sent, 'Content-Encoding': 'aes128gcm' }, body: randomBytes(32) });
        assert.equal(res.status, 201);
        assert.equal(res.headers.get('ttl'), String(answered));
        await nextNotification();
      });
    }

    it('answers a push without a TTL header with 400 errno 111 (RFC 8030 and autopush require TTL)', async () => {
      const res = await post(v1.endpoint, { headers: { 'Content-Encoding': 'aes128gcm' }, body: randomBytes(32) });
      assert.equal(res.status, 400);
      assert.equal(res.json().errno, 111);
      assert.ok(await raw.quiet(200));
    });

    it('answers a body without Content-Encoding (not RFC 8291-encrypted) with 400 errno 110', async () => {
      const res = await post(v1.endpoint, { headers: { TTL: '60' }, body: 'plain text, as pre-1.2 UnifiedPush allowed' });
      assert.equal(res.status, 400);
      assert.equal(res.json().errno, 110);
      assert.ok(await raw.quiet(200));
    });

    it('answers 429 with Retry-After and errno 115 when one endpoint gets more than its limit, while other endpoints are served', async () => {
      // The default per-subscription limit: 10/s with a burst of 200 (docs/operations.md).
      const flooded = await RawClient.connect(herald.wsUrl);
      try {
        await flooded.hello();
        const reg = await flooded.register(randomUUID());
        const statuses: SendResult[] = [];
        for (let round = 0; round < 12; round++) {
          const batch = Array.from({ length: 20 }, () => post(reg.pushEndpoint, { headers: { TTL: '0' } }));
          statuses.push(...(await Promise.all(batch)));
        }
        const accepted = statuses.filter((r) => r.status === 201).length;
        const limited = statuses.filter((r) => r.status === 429);
        assert.ok(accepted >= 200, `the burst of 200 is served (${accepted} were)`);
        assert.ok(limited.length > 0, 'pushes beyond the burst are refused');
        assert.ok(Number(limited[0]!.headers.get('retry-after')) >= 1, 'Retry-After is a number of seconds');
        assert.equal(limited[0]!.json().errno, 115);
        assert.equal(limited[0]!.json().code, 429);
        // The limit is per endpoint, as UnifiedPush says: another subscription is unaffected.
        const other = await post(v1.endpoint, { headers: { TTL: '60', 'Content-Encoding': 'aes128gcm' }, body: randomBytes(32) });
        assert.equal(other.status, 201);
        await nextNotification();
      } finally {
        flooded.close();
      }
    });
  });
});
