/**
 * The APNs bridge end to end (docs/bridges.md "APNs"): a real Herald process configured by
 * Herald's own settings, a local APNs over HTTP/2 and TLS (test/support/fake-apns.ts) that
 * checks the ES256 provider token or the client certificate, web-push as the sender, and the
 * device's keys to decrypt what APNs received.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import webpush from 'web-push';
import { FakeApns, fingerprint, selfSigned } from '../support/fake-apns.js';
import { BridgeDevice } from './helpers/bridge-device.js';
import { freePort, startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { sendNotification, WebPushSendError } from './helpers/web-push-send.js';

const vapid = webpush.generateVAPIDKeys();
const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey };
let apns: FakeApns;
let herald: HeraldProcess;
let clientCert: string;
let adminPort: number;

before(async () => {
  apns = await FakeApns.start();
  const client = selfSigned(apns.dir, 'client', 'herald-provider');
  clientCert = client.cert;
  const channels = {
    firefox: { key: apns.p8Path, key_id: apns.keyId, team_id: apns.teamId, topic: 'org.mozilla.ios.Firefox', sandbox: false },
    certapp: { cert: client.cert, key: client.key },
  };
  adminPort = await freePort();
  herald = await startHerald({
    args: [
      '--admin-port', String(adminPort),
      '--admin-host', '127.0.0.1',
      '--auth-keys', 'apns-test-auth-key',
      '--apns-channels', JSON.stringify(channels),
      '--apns-base-url', apns.url,
      '--apns-request-timeout-secs', '1',
      '--apns-max-data', '2500',
    ],
    env: { NODE_EXTRA_CA_CERTS: apns.caPath },
  });
});
after(async () => {
  await herald?.dispose();
  await apns?.close();
});

async function device(appId = 'firefox', extra: object = {}): Promise<BridgeDevice> {
  const d = new BridgeDevice(herald.publicUrl, 'apns', appId);
  await d.register(randomBytes(32).toString('hex'), extra);
  return d;
}

const push = (d: BridgeDevice, payload: string | null, options: webpush.RequestOptions = {}) =>
  sendNotification(d.subscription(), payload, { vapidDetails, TTL: 3600, ...options });

const rejectsWith = (status: number, errno?: number) => (e: unknown) => {
  assert.ok(e instanceof WebPushSendError, String(e));
  assert.equal(e.statusCode, status, e.body);
  if (errno !== undefined) assert.equal((JSON.parse(e.body) as { errno: number }).errno, errno);
  return true;
};

describe('APNs bridge', () => {
  it('carries a web-push message to APNs with its headers and payload; the device decrypts the body', async () => {
    const d = await device();
    const got = apns.nextNotification();
    const sentAt = Math.floor(Date.now() / 1000);
    assert.equal((await push(d, 'hello through APNs', { topic: 'tabs' })).statusCode, 201);
    const { deviceToken, headers, payload } = await got;
    assert.equal(deviceToken, d.token);
    assert.equal(headers['apns-topic'], 'org.mozilla.ios.Firefox');
    assert.equal(headers['apns-priority'], '10');
    assert.equal(headers['apns-push-type'], 'alert');
    assert.equal(headers['apns-collapse-id'], 'tabs');
    const expiration = Number(headers['apns-expiration']);
    assert.ok(expiration >= sentAt + 3600 - 5 && expiration <= sentAt + 3600 + 60, `apns-expiration ${expiration}`);
    assert.deepEqual(payload.aps, { alert: { 'title-loc-key': 'SentTab.NoTabArrivingNotification.title', 'loc-key': 'SentTab.NoTabArrivingNotification.body' }, 'mutable-content': 1 });
    assert.equal(payload.chid, d.registration!.channelID);
    assert.equal(payload.con, 'aes128gcm');
    assert.equal(typeof payload.ver, 'string');
    assert.equal(d.decrypt(Buffer.from(payload.body as string, 'base64url')).toString(), 'hello through APNs');
    assert.deepEqual(apns.refusedTokens, []);
  });

  it('uses the aps dictionary the app registered, and refuses a bad one at registration', async () => {
    const d = await device('firefox', { aps: JSON.stringify({ title: 'New tab', loc_args: ['a'], 'mutable-content': 1 }) });
    const got = apns.nextNotification();
    await push(d, 'x');
    const aps = (await got).payload.aps as { alert: Record<string, unknown> };
    assert.equal(aps.alert.title, 'New tab');
    assert.deepEqual(aps.alert['loc-args'], ['a']);
    const res = await fetch(`${herald.publicUrl}/v1/apns/firefox/registration`, { method: 'POST', body: JSON.stringify({ token: 'a'.repeat(64), aps: { title: 5 } }) });
    assert.equal(res.status, 400);
  });

  it('maps a low Urgency to apns-priority 5', async () => {
    const d = await device();
    const got = apns.nextNotification();
    await push(d, 'later', { urgency: 'very-low' });
    assert.equal((await got).headers['apns-priority'], '5');
  });

  it('authenticates a certificate channel with its client certificate', async () => {
    const d = await device('certapp');
    const got = apns.nextNotification();
    await push(d, 'by certificate');
    const record = await got;
    assert.equal(record.clientCert, fingerprint(clientCert));
    assert.equal(record.headers['apns-topic'], 'com.mozilla.org.certapp');
    assert.equal(record.headers.authorization, undefined);
  });

  it('keeps one HTTP/2 connection per channel, and reconnects after APNs closes it', async () => {
    const d = await device();
    await push(d, 'warm');
    const opened = apns.sessionsOpened;
    for (let i = 0; i < 3; i++) await push(d, `same connection ${i}`);
    assert.equal(apns.sessionsOpened, opened);
    apns.dropConnections();
    assert.equal((await push(d, 'after GOAWAY')).statusCode, 201);
    assert.ok(apns.sessionsOpened > opened);
  });

  it('refuses a payload over --apns-max-data with 413 and errno 104', async () => {
    const d = await device();
    const before = apns.attempts;
    await assert.rejects(push(d, 'x'.repeat(1900)), rejectsWith(413, 104));
    assert.equal(apns.attempts, before);
  });

  it('APNs 410: 410 to the sender and the registration removed', async () => {
    const d = await device();
    apns.queue.push('unregistered');
    await assert.rejects(push(d, 'gone?'), rejectsWith(410, 106));
    assert.equal((await d.call('GET', '')).status, 410);
  });

  it('APNs refusing the provider token: 502 with errno 901', async () => {
    const d = await device();
    apns.queue.push('403');
    await assert.rejects(push(d, 'refused'), rejectsWith(502, 901));
    assert.equal((await push(d, 'with a fresh token')).statusCode, 201);
  });

  it('retries 429 and 500, then delivers', async () => {
    const d = await device();
    const before = apns.attempts;
    apns.queue.push('429', '500');
    assert.equal((await push(d, 'third time')).statusCode, 201);
    assert.equal(apns.attempts, before + 3);
  });

  it('a hung APNs: 503 with errno 903 within the timeout, while other pushes keep flowing', async () => {
    const slow = await device();
    const other = await device();
    apns.queue.push('hang');
    const attempt = apns.nextAttempt();
    const hung = push(slow, 'into the void');
    await attempt;
    assert.equal((await push(other, 'meanwhile')).statusCode, 201);
    await assert.rejects(hung, rejectsWith(503, 903));
  });
});

describe('APNs bridge metrics', () => {
  it('counts bridged pushes by platform and result, and as outcome bridged', async () => {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    assert.ok(value(/^herald_bridge_notifications_total\{platform="apns",result="sent"\} (\d+)/m) > 0, 'sent');
    assert.ok(value(/^herald_bridge_notifications_total\{platform="apns",result="unregistered"\} (\d+)/m) > 0, 'unregistered');
    assert.ok(value(/^herald_messages_received_total\{outcome="bridged"\} (\d+)/m) > 0, 'received, bridged');
  });
});

describe('APNs bridge configuration', () => {
  it('a channel with key_id but no team_id stops the start, naming the setting', async () => {
    await assert.rejects(
      startHerald({ args: ['--auth-keys', 'k', '--apns-channels', JSON.stringify({ firefox: { key: apns.p8Path, key_id: 'ABC' } })] }),
      /--apns-channels.*channel "firefox".*key_id and team_id must both be set/,
    );
  });
});
