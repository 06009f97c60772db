/**
 * The `web-push` library from npm, as application servers run it, sends to a client-SDK user
 * agent through a real Herald process: both encodings, with and without VAPID, v1 and v2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import webpush from 'web-push';
import { sendNotification, type WebPushSendError } from './helpers/web-push-send.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';

type Encoding = 'aes128gcm' | 'aesgcm';

describe('web-push sends to a client-SDK user agent', () => {
  let herald: HeraldProcess;
  let ua: PushUserAgent;
  let pushes: ReturnType<typeof collectPushes>;
  const vapid = webpush.generateVAPIDKeys();
  const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey };

  before(async () => {
    herald = await startHerald();
    ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    pushes = collectPushes(ua);
    await ua.connect();
  });
  after(async () => {
    await ua?.close();
    await herald?.dispose();
  });

  const cases: Array<{ encoding: Encoding; withVapid: boolean; endpoint: 'v1' | 'v2' }> = [];
  for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
    cases.push({ encoding, withVapid: false, endpoint: 'v1' });
    cases.push({ encoding, withVapid: true, endpoint: 'v1' });
    cases.push({ encoding, withVapid: true, endpoint: 'v2' });
  }

  for (const c of cases) {
    it(`delivers the exact payload: ${c.encoding}, ${c.withVapid ? 'VAPID' : 'no VAPID'}, ${c.endpoint} endpoint`, async () => {
      const sub = await ua.subscribe(c.endpoint === 'v2' ? { vapidPublicKey: vapid.publicKey } : {});
      assert.match(sub.endpoint, new RegExp(`^${herald.endpointUrl}/wpush/${c.endpoint}/[A-Za-z0-9_-]+$`));
      const before = pushes.list.length;
      const text = `hello ${c.encoding} ${c.endpoint} ${c.withVapid} — ünïcödé ✓`;
      const res = await sendNotification(sub, text, {
        TTL: 60,
        contentEncoding: c.encoding,
        ...(c.withVapid ? { vapidDetails } : {}),
      });
      assert.equal(res.statusCode, 201);
      assert.match(String(res.headers.location), new RegExp(`^${herald.endpointUrl}/m/`));
      assert.equal(res.headers.ttl, '60');
      const got = await pushes.waitCount(before + 1);
      const last = got[got.length - 1]!;
      assert.equal(last.channelID, sub.channelID);
      assert.equal(last.text, text);
    });
  }

  it('delivers a message with no payload', async () => {
    const sub = await ua.subscribe();
    const before = pushes.list.length;
    const res = await sendNotification(sub, null, { TTL: 30 });
    assert.equal(res.statusCode, 201);
    const got = await pushes.waitCount(before + 1);
    assert.equal(got[got.length - 1]!.text, '');
  });

  it('refuses a v2 endpoint send signed by another VAPID key with 401 errno 109', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    const other = webpush.generateVAPIDKeys();
    await assert.rejects(
      sendNotification(sub, 'x', { TTL: 30, vapidDetails: { ...vapidDetails, ...other } }),
      (err: { statusCode: number; body: string }) => err.statusCode === 401 && JSON.parse(err.body).errno === 109,
    );
  });

  it('refuses a v2 endpoint send without VAPID with 401 errno 109', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    await assert.rejects(
      sendNotification(sub, 'x', { TTL: 30 }),
      (err: { statusCode: number; body: string }) => err.statusCode === 401 && JSON.parse(err.body).errno === 109,
    );
  });
});
