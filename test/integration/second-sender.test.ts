/**
 * A second, independent Web Push implementation from npm (`@block65/webcrypto-web-push`: WebCrypto,
 * aes128gcm, `vapid t=…, k=…`; no code shared with `web-push`) sends to a client-SDK user agent
 * through a real Herald process. Herald runs as deployed behind a TLS proxy (the library refuses
 * plain-http endpoints): `--endpoint-url https://push.example.test`, the test carrying requests to
 * the loopback port (helpers/webcrypto-send.ts).
 *
 * Happy path: the payload decrypts exactly, v1 and v2. Unhappy paths, with the library's own
 * requests: wrong subscription keys and a tampered body are accepted (201: the server cannot
 * decrypt) and the user agent reports a decryption error, acking with code 101; expired,
 * too-distant, mismatched or wrongly addressed VAPID tokens are 401 errno 109; a body over the
 * limit is 413 errno 104 (docs/protocol.md#processing-order,
 * docs/errors.md#endpoint-api-application-servers).
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { PushUserAgent, type DecryptErrorEvent, type Subscription } from '../../src/sdk/index.js';
import { freePort, startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { waitFor } from './helpers/wait.js';
import {
  buildRequest,
  buildUnsignedRequest,
  deliver,
  generateVapidKeys,
  strangerKeys,
  withSenderClock,
  type VapidKeys,
} from './helpers/webcrypto-send.js';

const PUBLIC_ORIGIN = 'https://push.example.test';
const HOUR = 3600_000;

/** Every frame the user agents of this process send, as parsed JSON (server frames are not seen). */
function spyOnClientFrames() {
  const frames: Array<Record<string, unknown>> = [];
  const realSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
    if (typeof data === 'string') {
      try {
        frames.push(JSON.parse(data));
      } catch {
        /* not JSON: not ours to record */
      }
    }
    return (realSend as (...args: unknown[]) => void).call(this, data, ...rest);
  } as typeof WebSocket.prototype.send;
  return { frames, restore: () => (WebSocket.prototype.send = realSend) };
}

describe('@block65/webcrypto-web-push sends to a client-SDK user agent', () => {
  let herald: HeraldProcess;
  let ua: PushUserAgent;
  let pushes: ReturnType<typeof collectPushes>;
  let spy: ReturnType<typeof spyOnClientFrames>;
  const decryptErrors: DecryptErrorEvent[] = [];
  let vapid: VapidKeys;

  before(async () => {
    const port = await freePort();
    herald = await startHerald({ port, endpointUrl: PUBLIC_ORIGIN });
    vapid = await generateVapidKeys();
    spy = spyOnClientFrames();
    ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    pushes = collectPushes(ua);
    ua.on('decrypt-error', (e) => decryptErrors.push(e));
    await ua.connect();
  });
  after(async () => {
    spy?.restore();
    await ua?.close();
    await herald?.dispose();
  });
  afterEach(() => assert.ok(ua.connected, 'the user agent stays connected'));

  const send = (sub: Subscription, req: Parameters<typeof deliver>[2]) => deliver(herald.publicUrl, sub.endpoint, req);

  /** `post` answers 201 and the user agent gets exactly `text` on `sub`'s channel. */
  async function assertDelivered(sub: Subscription, text: string, post: () => ReturnType<typeof deliver>) {
    const count = pushes.list.filter((p) => p.channelID === sub.channelID).length;
    const res = await post();
    assert.equal(res.status, 201, res.body);
    assert.match(res.headers.get('location') ?? '', new RegExp(`^${PUBLIC_ORIGIN}/m/`));
    assert.equal(res.headers.get('ttl'), '60');
    await waitFor(`the push on ${sub.channelID}`, () => pushes.list.filter((p) => p.channelID === sub.channelID).length > count || undefined);
    const got = pushes.list.filter((p) => p.channelID === sub.channelID).at(-1)!;
    assert.equal(got.text, text);
    return got;
  }

  /** The message is accepted (the server cannot tell), the UA fails to decrypt it and acks 101. */
  async function assertDecryptError(sub: Subscription, post: () => ReturnType<typeof deliver>) {
    const before = decryptErrors.length;
    const pushesBefore = pushes.list.length;
    const res = await post();
    assert.equal(res.status, 201, res.body);
    const err = await waitFor('a decrypt-error event', () => decryptErrors.slice(before).find((e) => e.channelID === sub.channelID));
    assert.ok(err.error instanceof Error);
    const ack = await waitFor('the ack of the undecryptable message', () =>
      spy.frames.find((f) => f.messageType === 'ack' && (f.updates as Array<{ version: string }>).some((u) => u.version === err.version)),
    );
    assert.deepEqual(ack.updates, [{ channelID: sub.channelID, version: err.version, code: 101 }]);
    assert.equal(pushes.list.length, pushesBefore, 'nothing was handed to the application');
  }

  for (const endpoint of ['v1', 'v2'] as const) {
    it(`delivers the exact payload: aes128gcm, VAPID, ${endpoint} endpoint`, async () => {
      const sub = await ua.subscribe(endpoint === 'v2' ? { vapidPublicKey: vapid.publicKey } : {});
      assert.match(sub.endpoint, new RegExp(`^${PUBLIC_ORIGIN}/wpush/${endpoint}/[A-Za-z0-9_-]+$`));
      const text = `hello from webcrypto-web-push ${endpoint} — ünïcödé ✓ ${'x'.repeat(200)}`;
      const req = await buildRequest(sub, text, vapid);
      assert.match(req.headers.authorization!, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
      assert.equal(req.headers['content-encoding'], 'aes128gcm');
      await assertDelivered(sub, text, () => send(sub, req));
    });
  }

  it('delivers the exact payload: aes128gcm, no VAPID, v1 endpoint', async () => {
    const sub = await ua.subscribe();
    const text = 'unsigned, still encrypted';
    const req = await buildUnsignedRequest(sub, text);
    await assertDelivered(sub, text, () => send(sub, req));
  });

  it('delivers the largest payload the library encrypts (3993 bytes of text, a 4096-byte body)', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    const text = 'é'.repeat(1996) + 'x'; // 3993 bytes of UTF-8
    const req = await buildRequest(sub, text, vapid);
    assert.equal(req.body.length, 4096);
    await assertDelivered(sub, text, () => send(sub, req));
  });

  it('accepts a message encrypted to the wrong subscription keys; the user agent reports a decryption error and acks 101', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    const req = await buildRequest({ ...sub, keys: await strangerKeys() }, 'for someone else', vapid);
    await assertDecryptError(sub, () => send(sub, req));
  });

  it('accepts a tampered body; the user agent reports a decryption error and acks 101', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    const req = await buildRequest(sub, 'tamper with me', vapid);
    req.body[req.body.length - 20]! ^= 0x01; // a ciphertext byte, after the 86-byte header
    await assertDecryptError(sub, () => send(sub, req));
  });

  const refused: Array<[string, (sub: Subscription) => Promise<Parameters<typeof deliver>[2]>, RegExp]> = [
    ['an expired VAPID token (sender clock 13 h behind: exp 1 h ago)', (sub) => withSenderClock(-13 * HOUR, () => buildRequest(sub, 'late', vapid)), /expired/],
    ['a VAPID token expiring more than 24 h ahead (sender clock 13 h ahead)', (sub) => withSenderClock(13 * HOUR, () => buildRequest(sub, 'early', vapid)), /too long/],
    ['a VAPID key that does not match the v2 endpoint', async (sub) => buildRequest(sub, 'impostor', await generateVapidKeys()), /mismatch/],
    [
      'a VAPID token for another audience on a v2 endpoint',
      (sub) => buildRequest({ ...sub, endpoint: sub.endpoint.replace(PUBLIC_ORIGIN, 'https://other-push.example.test') }, 'elsewhere', vapid),
      /aud/,
    ],
  ];
  for (const [what, build, reason] of refused) {
    it(`refuses ${what} with 401 errno 109`, async () => {
      const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
      const res = await send(sub, await build(sub));
      assert.equal(res.status, 401, res.body);
      assert.equal(res.json().errno, 109);
      assert.equal(res.json().code, 401);
      assert.match(res.json().message, reason);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      // The same subscription still works with a good token.
      const good = await buildRequest(sub, 'after the refusal', vapid);
      await assertDelivered(sub, 'after the refusal', () => send(sub, good));
    });
  }

  it('refuses a VAPID token for another audience on a v1 endpoint with 401 errno 109', async () => {
    const sub = await ua.subscribe();
    const req = await buildRequest({ ...sub, endpoint: sub.endpoint.replace(PUBLIC_ORIGIN, 'https://other-push.example.test') }, 'elsewhere', vapid);
    const res = await send(sub, req);
    assert.equal(res.status, 401);
    assert.equal(res.json().errno, 109);
  });

  it('refuses an oversized body with 413 errno 104 (the library itself stops above 3993 bytes of text)', async () => {
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    await assert.rejects(buildRequest(sub, 'x'.repeat(3994), vapid), /maximum is 3993/);
    const req = await buildRequest(sub, 'y'.repeat(3993), vapid);
    // Two of the library's records back to back: 8192 bytes, over Herald's (autopush's) 5630.
    const body = new Uint8Array(req.body.length * 2);
    body.set(req.body);
    body.set(req.body, req.body.length);
    const res = await send(sub, { headers: req.headers, body });
    assert.equal(res.status, 413);
    assert.equal(res.json().errno, 104);
  });
});
