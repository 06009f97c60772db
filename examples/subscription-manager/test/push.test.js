import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createECDH, randomBytes } from 'node:crypto';
import webpush from 'web-push';
import { classify, deliver, retryAfterSeconds } from '../push.js';

describe('retryAfterSeconds', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    assert.equal(retryAfterSeconds('5'), 5);
    assert.equal(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1)), 30);
    assert.equal(retryAfterSeconds(new Date(0).toUTCString()), 0);
    assert.equal(retryAfterSeconds(null), null);
    assert.equal(retryAfterSeconds('soon'), null);
  });
});

describe('classify', () => {
  it('maps each answer to what the site does', () => {
    assert.deepEqual(
      [201, 404, 410, 413, 429, 500, 503, 400, 401, 403].map(classify),
      ['delivered', 'gone', 'gone', 'too-large', 'retry', 'retry', 'retry', 'rejected', 'rejected', 'rejected'],
    );
  });
});

describe('deliver', () => {
  // A push service on loopback whose answers the test scripts: one entry per request.
  let server;
  let origin;
  let script = [];
  const requests = [];
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push({ at: Date.now(), headers: req.headers });
        const [status, headers] = script.shift() ?? [201, {}];
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(status === 201 ? '' : JSON.stringify({ code: status, errno: 999 }));
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const subscription = () => ({ endpoint: `${origin}/wpush/v2/token`, keys: { p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') } });
  const vapid = webpush.generateVAPIDKeys();
  const opts = (extra = {}) => ({ vapidDetails: { subject: 'mailto:demo@example.com', ...vapid }, ttl: 60, sleep: async () => {}, ...extra });

  it('sends an encrypted, VAPID-signed message and reports 201 as delivered', async () => {
    requests.length = 0;
    script = [[201, {}]];
    const result = await deliver(subscription(), 'hello', opts());
    assert.deepEqual(result, { outcome: 'delivered', status: 201, attempts: 1, detail: undefined });
    assert.equal(requests[0].headers['content-encoding'], 'aes128gcm');
    assert.match(requests[0].headers.authorization, /^vapid t=/);
    assert.equal(requests[0].headers.ttl, '60');
  });

  it('retries 429 and 503 after Retry-After, then reports the delivery', async () => {
    const waits = [];
    script = [[429, { 'retry-after': '2' }], [503, { 'retry-after': '1' }], [201, {}]];
    const result = await deliver(subscription(), 'later', opts({ sleep: async (ms) => waits.push(ms) }));
    assert.equal(result.outcome, 'delivered');
    assert.equal(result.attempts, 3);
    assert.deepEqual(waits, [2000, 1000]);
  });

  it('gives up, without waiting, when Retry-After is longer than the bound', async () => {
    const waits = [];
    script = [[429, { 'retry-after': '3600' }]];
    const result = await deliver(subscription(), 'x', opts({ maxWaitSeconds: 30, sleep: async (ms) => waits.push(ms) }));
    assert.equal(result.outcome, 'gave-up');
    assert.equal(result.attempts, 1);
    assert.deepEqual(waits, []);
  });

  it('gives up after maxAttempts of 5xx, backing off 1, 2 … seconds without Retry-After', async () => {
    const waits = [];
    script = [[500, {}], [502, {}], [500, {}]];
    const result = await deliver(subscription(), 'x', opts({ maxAttempts: 3, sleep: async (ms) => waits.push(ms) }));
    assert.deepEqual([result.outcome, result.status, result.attempts], ['gave-up', 500, 3]);
    assert.deepEqual(waits, [1000, 2000]);
  });

  it('reports 404 and 410 as gone, 413 as too large, other 4xx as rejected, each after one try', async () => {
    for (const [status, outcome] of [[404, 'gone'], [410, 'gone'], [413, 'too-large'], [401, 'rejected']]) {
      script = [[status, {}]];
      const result = await deliver(subscription(), 'x', opts());
      assert.deepEqual([result.outcome, result.attempts], [outcome, 1], String(status));
      assert.match(result.detail, /^errno 999/);
    }
  });

  it('treats an unreachable push service like a 5xx', async () => {
    const result = await deliver({ ...subscription(), endpoint: 'http://127.0.0.1:9/x' }, 'x', opts({ maxAttempts: 2 }));
    assert.deepEqual([result.outcome, result.status, result.attempts], ['gave-up', 0, 2]);
  });
});
