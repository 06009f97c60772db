/**
 * The FCM bridge end to end (docs/bridges.md "FCM"): a real Herald process configured only by
 * autopush's AUTOEND__* variables, a local FCM and OAuth2 token endpoint (test/support/fake-fcm.ts),
 * web-push as the sender, and the device's keys to decrypt what FCM received.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import webpush from 'web-push';
import { FakeFcm } from '../support/fake-fcm.js';
import { BridgeDevice } from './helpers/bridge-device.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { sendNotification, WebPushSendError } from './helpers/web-push-send.js';

const vapid = webpush.generateVAPIDKeys();
const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey };
let fcm: FakeFcm;
let herald: HeraldProcess;
let tokens = 0;

before(async () => {
  fcm = await FakeFcm.start('herald-fcm-test');
  herald = await startHerald({
    env: {
      AUTOEND__AUTH_KEYS: '[fcm-test-auth-key]',
      AUTOEND__FCM__CREDENTIALS: JSON.stringify({ 'org.example.app': { project_id: fcm.projectId, credential: JSON.stringify(fcm.serviceAccount) } }),
      AUTOEND__FCM__BASE_URL: fcm.url,
      AUTOEND__FCM__TIMEOUT: '1',
      AUTOEND__FCM__MAX_TTL: '3600',
      AUTOEND__FCM__MAX_DATA: '1500',
    },
  });
});
after(async () => {
  await herald?.dispose();
  await fcm?.close();
});

async function device(routerType = 'fcm'): Promise<BridgeDevice> {
  const d = new BridgeDevice(herald.publicUrl, routerType, 'org.example.app');
  await d.register(`fcm-token-${++tokens}-${'x'.repeat(20)}`);
  return d;
}

const push = (d: BridgeDevice, payload: string | null, options: webpush.RequestOptions = {}, endpoint?: string) =>
  sendNotification(d.subscription(endpoint), payload, { vapidDetails, TTL: 60, ...options });

const rejectsWith = (status: number, errno?: number) => (e: unknown) => {
  assert.ok(e instanceof WebPushSendError, String(e));
  assert.equal(e.statusCode, status, e.body);
  if (errno !== undefined) assert.equal((JSON.parse(e.body) as { errno: number }).errno, errno);
  return true;
};

describe('FCM bridge', () => {
  it('carries a web-push message to FCM as autopush does: the device decrypts the body from the data map', async () => {
    const d = await device();
    const received = fcm.nextMessage();
    const res = await push(d, 'hello through FCM');
    assert.equal(res.statusCode, 201);
    const { project, message, authorization } = await received;
    assert.equal(project, fcm.projectId);
    assert.match(authorization ?? '', /^Bearer ya29\./);
    assert.equal(message.token, d.token);
    assert.equal(message.android.ttl, '60s');
    assert.equal(message.android.priority, 'HIGH');
    assert.equal(message.android.data.chid, d.registration!.channelID);
    assert.equal(message.android.data.con, 'aes128gcm');
    assert.equal(message.android.data.enc, undefined);
    assert.equal(d.decrypt(Buffer.from(message.android.data.body!, 'base64url')).toString(), 'hello through FCM');
    assert.equal(fcm.refusedGrants.length, 0);
  });

  it('carries an aesgcm push with its enc and cryptokey fields, which the device needs to decrypt', async () => {
    const d = await device();
    const received = fcm.nextMessage();
    await push(d, 'legacy encoding', { contentEncoding: 'aesgcm' });
    const { data } = (await received).message.android;
    assert.equal(data.con, 'aesgcm');
    assert.match(data.enc ?? '', /salt=/);
    assert.match(data.cryptokey ?? '', /dh=/);
    assert.equal(d.decrypt(Buffer.from(data.body!, 'base64url'), 'aesgcm', { encryption: data.enc!, crypto_key: data.cryptokey! }).toString(), 'legacy encoding');
  });

  it('reuses the OAuth access token until it expires', async () => {
    const d = await device();
    const before = fcm.tokenRequests;
    for (let i = 0; i < 3; i++) await push(d, `again ${i}`);
    assert.equal(fcm.tokenRequests, before);
  });

  it('clamps the TTL to [min_ttl, max_ttl] and maps Urgency to priority', async () => {
    const d = await device();
    let got = fcm.nextMessage();
    await push(d, 'short', { TTL: 5, urgency: 'low' });
    let m = (await got).message;
    assert.equal(m.android.ttl, '60s');
    assert.equal(m.android.priority, 'NORMAL');
    got = fcm.nextMessage();
    await push(d, 'long', { TTL: 86_400, urgency: 'high' });
    m = (await got).message;
    assert.equal(m.android.ttl, '3600s');
    assert.equal(m.android.priority, 'HIGH');
  });

  it('sends a push without a body as the channel id alone', async () => {
    const d = await device('gcm');
    const got = fcm.nextMessage();
    await push(d, null);
    assert.deepEqual((await got).message.android.data, { chid: d.registration!.channelID });
  });

  it('refuses data over max_data with 413 and errno 104, sending nothing', async () => {
    const d = await device();
    const attempts = fcm.sendAttempts;
    await assert.rejects(push(d, 'x'.repeat(1200)), rejectsWith(413, 104));
    assert.equal(fcm.sendAttempts, attempts);
  });

  it('an UNREGISTERED token: 410 to the sender and the registration removed', async () => {
    const d = await device();
    fcm.queue.push('unregistered');
    await assert.rejects(push(d, 'gone?'), rejectsWith(410, 106));
    assert.equal((await d.call('GET', '')).status, 410);
  });

  it('retries 429 and 500 with backoff, then delivers', async () => {
    const d = await device();
    const attempts = fcm.sendAttempts;
    fcm.queue.push('429', '500');
    const got = fcm.nextMessage();
    assert.equal((await push(d, 'third time lucky')).statusCode, 201);
    await got;
    assert.equal(fcm.sendAttempts, attempts + 3);
  });

  it('an FCM that keeps failing: 503 with errno 904 and Retry-After, after a bounded number of tries', async () => {
    const d = await device();
    fcm.answer = '500';
    try {
      await assert.rejects(push(d, 'no luck'), (e: unknown) => {
        rejectsWith(503, 904)(e);
        assert.ok(Number((e as WebPushSendError).headers['retry-after']) >= 1);
        return true;
      });
    } finally {
      fcm.answer = 'ok';
    }
  });

  it('FCM refusing the access token: 502 with errno 901, and the next push gets a new token', async () => {
    const d = await device();
    fcm.queue.push('401');
    await assert.rejects(push(d, 'refused'), rejectsWith(502, 901));
    const before = fcm.tokenRequests;
    assert.equal((await push(d, 'with a new token')).statusCode, 201);
    assert.equal(fcm.tokenRequests, before + 1);
  });

  it('renews the access token when it nears its expiry', async () => {
    const d = await device();
    // Make Herald drop its cached token, and the next one it gets short-lived.
    fcm.queue.push('401');
    await assert.rejects(push(d, 'refused'), rejectsWith(502, 901));
    fcm.tokenLifetime = 1;
    try {
      await push(d, 'with a short-lived token');
      const before = fcm.tokenRequests;
      // A token of 1 s is renewed after half of it; wait past its whole life.
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal((await push(d, 'after expiry')).statusCode, 201);
      assert.equal(fcm.tokenRequests, before + 1);
    } finally {
      fcm.tokenLifetime = 3600;
    }
  });

  it('a hung FCM: 503 with errno 903 within the timeout, while other pushes keep flowing', async () => {
    const slow = await device();
    const other = await device();
    fcm.queue.push('hang');
    const attempt = fcm.nextAttempt();
    const hung = push(slow, 'into the void');
    await attempt;
    assert.equal((await push(other, 'meanwhile')).statusCode, 201);
    await assert.rejects(hung, rejectsWith(503, 903));
  });
});

describe('FCM bridge configuration', () => {
  it('a credential that cannot load stops the start, naming the setting', async () => {
    await assert.rejects(
      startHerald({ env: { AUTOEND__AUTH_KEYS: '[k]', AUTOEND__FCM__CREDENTIALS: JSON.stringify({ app: { project_id: 'p', credential: '/nonexistent/service-account.json' } }) } }),
      /--fcm-credentials.*app "app".*cannot read the service-account file/,
    );
  });
});
