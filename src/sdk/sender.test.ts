import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { b64uEncode } from '../crypto/base64url.js';
import { decryptWebPush, generateSubscriptionKeys } from '../crypto/ece.js';
import { generateVapidKeys, parseVapidAuthorization, verifyVapidToken } from '../crypto/vapid.js';
import { sendPush } from './sender.js';

interface Captured {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

describe('sendPush', () => {
  let server: Server;
  let origin: string;
  let last: Captured | null = null;
  const keys = generateSubscriptionKeys();
  const vapid = generateVapidKeys();

  before(async () => {
    // A stand-in push service: records the request, answers like autopush.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        last = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
        if (req.url?.includes('gone')) {
          res.writeHead(410, { 'content-type': 'application/json', 'cache-control': 'max-age=86400' });
          res.end('{"code":410,"errno":106}');
          return;
        }
        res.writeHead(201, { location: `${origin}/m/abc`, ttl: '60' });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sub = () => ({ endpoint: `${origin}/wpush/v2/token`, keys: { p256dh: b64uEncode(keys.publicKey), auth: b64uEncode(keys.auth) } });
  const vapidOpt = { publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:ops@example.com' };

  it('posts an aes128gcm body with TTL, Topic, Urgency and a vapid t=,k= Authorization', async () => {
    const res = await sendPush(sub(), 'hello ✓', { ttl: 60, topic: 'news', urgency: 'high', vapid: vapidOpt });
    assert.deepEqual(res, { status: 201, location: `${origin}/m/abc`, ttl: 60, retryAfter: null, body: '' });
    const req = last!;
    assert.equal(req.url, '/wpush/v2/token');
    assert.equal(req.headers.ttl, '60');
    assert.equal(req.headers.topic, 'news');
    assert.equal(req.headers.urgency, 'high');
    assert.equal(req.headers['content-encoding'], 'aes128gcm');
    assert.equal(req.headers['content-type'], 'application/octet-stream');
    assert.equal(req.headers['crypto-key'], undefined);
    assert.match(req.headers.authorization ?? '', /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]{87}$/);
    assert.equal(decryptWebPush(req.body, keys, 'aes128gcm').toString(), 'hello ✓');
    const creds = parseVapidAuthorization(req.headers.authorization, undefined)!;
    assert.equal(verifyVapidToken(creds.token, creds.publicKey, { audience: origin }).sub, 'mailto:ops@example.com');
  });

  it('posts aesgcm with Encryption, and Crypto-Key carrying dh and p256ecdsa, and WebPush <jwt>', async () => {
    await sendPush(sub(), Buffer.from('legacy'), { ttl: 30, encoding: 'aesgcm', vapid: vapidOpt });
    const req = last!;
    assert.equal(req.headers['content-encoding'], 'aesgcm');
    assert.match(String(req.headers.encryption), /^salt=[\w-]{22}$/);
    assert.match(String(req.headers['crypto-key']), /^dh=[\w-]{87};p256ecdsa=[\w-]{87}$/);
    assert.match(req.headers.authorization ?? '', /^WebPush [\w-]+\.[\w-]+\.[\w-]+$/);
    const frameHeaders = { encryption: String(req.headers.encryption), crypto_key: String(req.headers['crypto-key']) };
    assert.equal(decryptWebPush(req.body, keys, 'aesgcm', frameHeaders).toString(), 'legacy');
    const creds = parseVapidAuthorization(req.headers.authorization, req.headers['crypto-key'] as string)!;
    verifyVapidToken(creds.token, creds.publicKey, { audience: origin });
  });

  it('sends no body and no encryption headers for a null or empty payload', async () => {
    for (const payload of [null, '']) {
      await sendPush(sub(), payload, { ttl: 0 });
      const req = last!;
      assert.equal(req.body.length, 0);
      assert.equal(req.headers.ttl, '0');
      assert.equal(req.headers['content-encoding'], undefined);
      assert.equal(req.headers.authorization, undefined);
    }
  });

  it('returns HTTP errors with their body instead of throwing', async () => {
    const res = await sendPush({ ...sub(), endpoint: `${origin}/wpush/v1/gone` }, 'x', { ttl: 60 });
    assert.equal(res.status, 410);
    assert.equal(res.location, null);
    assert.equal(res.ttl, null);
    assert.equal(JSON.parse(res.body).errno, 106);
  });
});
