/**
 * Abuse controls against real `herald serve` processes with low limits (issue 7 points 1-2,
 * docs/operations.md): each limit answers 429 with Retry-After while others are served; a token
 * scan from one IP lands in the penalty box, a second node sharing the database refuses that IP
 * too, and the block expires; a bounded flood against one endpoint loses no message accepted
 * with 201 while a second user agent keeps receiving its own.
 *
 * Clients take distinct loopback source addresses (127.0.0.x, `localAddress`) to act as
 * distinct IPs; Linux routes all of 127.0.0.0/8 to the loopback interface.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import webpush from 'web-push';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { RawClient } from './helpers/raw-client.js';
import { sleep, waitFor } from './helpers/wait.js';
import { sendNotification, WebPushSendError } from './helpers/web-push-send.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** POST an empty push from `from` (a loopback source address). */
function postFrom(from: string, url: string, headers: Record<string, string> = { TTL: '300' }, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress: from, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('push timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket upgrade from `from`: 101 when it became a socket (then closed), else the HTTP status. */
function upgradeFrom(from: string, wsUrl: string): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, ['push-notification'], { localAddress: from });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, retryAfter: undefined });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] });
      res.resume();
    });
    ws.once('error', () => resolve({ status: 0, retryAfter: undefined }));
  });
}

const randomToken = () => randomBytes(100).toString('base64url');
const cryptoKeys = generateFernetKey();
const uas: PushUserAgent[] = [];

async function userAgent(herald: HeraldProcess): Promise<PushUserAgent> {
  const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
  await ua.connect();
  uas.push(ua);
  return ua;
}

describe('abuse controls on a running server', { timeout: 120_000 }, () => {
  let a: HeraldProcess;
  let b: HeraldProcess;
  const limits = [
    '--crypto-keys', cryptoKeys,
    '--limit-push-per-subscription', '1:5',
    '--limit-register-per-uaid', '0.2:3',
    '--penalty-threshold', '20',
    '--penalty-window', '60',
    '--penalty-block-seconds', '4',
    '--blocklist-refresh-interval', '0.5',
  ];

  before(async () => {
    // The test's user agents all connect to A from 127.0.0.1, so only B limits connects.
    a = await startHerald({ args: [...limits, '--limit-connect-per-ip', '0'] });
    // A second node on the same database: the shared blocklist reaches it.
    b = await startHerald({ args: [...limits, '--limit-connect-per-ip', '1:3', '--log-level', 'info'], db: `sqlite:${a.dataDir}/herald.db` });
  });
  after(async () => {
    await Promise.all(uas.map((u) => u.close().catch(() => undefined)));
    await b?.dispose();
    await a?.dispose();
  });

  it('pushes to one subscription over its limit get 429 with Retry-After and errno 115; another subscription is served', async () => {
    const ua = await userAgent(a);
    const [flooded, other] = [await ua.subscribe(), await ua.subscribe()];
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await postFrom('127.0.0.2', flooded.endpoint));
    assert.deepEqual(answers.slice(0, 5).map((r) => r.status), [201, 201, 201, 201, 201]);
    const over = answers.find((r) => r.status === 429);
    assert.ok(over, 'a 429 once the burst is spent');
    assert.equal(over.headers['retry-after'], '1');
    assert.equal(JSON.parse(over.body).errno, 115);
    assert.equal((await postFrom('127.0.0.2', other.endpoint)).status, 201, 'another subscription, same sender IP');
    await sleep(1100);
    assert.equal((await postFrom('127.0.0.2', flooded.endpoint)).status, 201, 'served again after Retry-After');
  });

  it('WebSocket connects over the per-IP limit get HTTP 429 with Retry-After before the upgrade; another IP connects', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await upgradeFrom('127.0.0.3', b.wsUrl));
    assert.deepEqual(statuses.slice(0, 3).map((s) => s.status), [101, 101, 101]);
    assert.deepEqual(statuses[3], { status: 429, retryAfter: '1' });
    assert.equal((await upgradeFrom('127.0.0.4', b.wsUrl)).status, 101, 'another IP connects');
    await sleep(1100);
    assert.equal((await upgradeFrom('127.0.0.3', b.wsUrl)).status, 101, 'and this one again after Retry-After');
    const refusals = b.output().split('\n').filter((l) => l.includes('"websocket upgrade refused"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      refusals.map(({ status, rejected, ip }) => ({ status, rejected, ip })),
      [{ status: 429, rejected: 'rate-limited', ip: '127.0.0.3' }],
      'one log line for the refused upgrade',
    );
  });

  it('registers over the per-uaid limit get status 429 and the socket stays open', async () => {
    const ua = await userAgent(a);
    // A burst of 3, then one per 5 s.
    for (let i = 0; i < 3; i++) await ua.subscribe();
    await assert.rejects(ua.subscribe(), (err: Error & { status?: number }) => err.status === 429);
    assert.equal(ua.connected, true, 'still connected');
    const other = await userAgent(a);
    await other.subscribe();
  });

  it('a token scan from one IP lands in the penalty box: 403 on both nodes, others served, until the block expires', async () => {
    const ua = await userAgent(a);
    const sub = await ua.subscribe();
    const path = new URL(sub.endpoint).pathname;
    for (let i = 0; i < 20; i++) assert.equal((await postFrom('127.0.0.9', `${a.publicUrl}/wpush/v1/${randomToken()}`)).status, 404);

    const blocked = await postFrom('127.0.0.9', sub.endpoint);
    assert.equal(blocked.status, 403);
    assert.equal(JSON.parse(blocked.body).errno, 116);
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    assert.equal((await postFrom('127.0.0.10', sub.endpoint)).status, 201, 'another IP is served');
    assert.equal((await upgradeFrom('127.0.0.9', a.wsUrl)).status, 403, 'the upgrade too');

    // The second node learns of the block from the shared database within its refresh interval.
    // Polled with GET (UnifiedPush discovery), which takes none of the subscription's push budget.
    await waitFor('node B to refuse the scanner', async () => (await postFrom('127.0.0.9', b.publicUrl + path, {}, 'GET')).status === 403, 5000);
    assert.equal((await postFrom('127.0.0.9', b.publicUrl + path)).status, 403);
    assert.equal((await upgradeFrom('127.0.0.9', b.wsUrl)).status, 403);
    assert.equal((await postFrom('127.0.0.10', b.publicUrl + path)).status, 201);

    // Checked once a second: each check is a push, and the subscription's own limit is 1 a second.
    await waitFor('the block to expire on node A', async () => (await postFrom('127.0.0.9', sub.endpoint)).status === 201 || (await sleep(1000)), 8000);
    await waitFor('the block to expire on node B', async () => (await postFrom('127.0.0.9', b.publicUrl + path)).status === 201 || (await sleep(1000)), 8000);
  });

  it('WebSocket sessions ended by protocol errors count in the penalty box: the IP is then refused 403 before any socket', async () => {
    for (let i = 0; i < 20; i++) {
      const ws = new WebSocket(a.wsUrl, ['push-notification'], { localAddress: '127.0.0.11' });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => ws.send('not a frame'));
        ws.once('close', () => resolve());
        ws.once('error', reject);
      });
    }
    await waitFor('the protocol errors to block 127.0.0.11', async () => (await upgradeFrom('127.0.0.11', a.wsUrl)).status === 403, 5000);
    assert.equal((await upgradeFrom('127.0.0.12', a.wsUrl)).status, 101, 'another IP connects');
  });

  it('a bounded flood against one endpoint loses no message accepted with 201, while another user agent keeps receiving its own', async () => {
    const victim = await userAgent(a);
    const bystander = await userAgent(a);
    const [flooded, own] = [await victim.subscribe(), await bystander.subscribe()];
    const floodGot = collectPushes(victim);
    const ownGot = collectPushes(bystander);

    const accepted: string[] = [];
    const refused: number[] = [];
    const flood = (async () => {
      // 10 concurrent senders × 30 pushes from one IP, against one subscription.
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          for (let i = 0; i < 30; i++) {
            const r = await postFrom('127.0.0.5', flooded.endpoint);
            if (r.status === 201) accepted.push(String(r.headers.location).split('/m/')[1]!);
            else refused.push(r.status);
          }
        }),
      );
    })();
    const ownAccepted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await postFrom('127.0.0.6', own.endpoint);
      assert.equal(r.status, 201, 'the bystander sender is served during the flood');
      ownAccepted.push(String(r.headers.location).split('/m/')[1]!);
      await sleep(150);
    }
    await flood;
    assert.ok(accepted.length >= 5 && refused.length > 0, `some accepted (${accepted.length}), some refused`);
    assert.ok(refused.every((s) => s === 429), `only 429s: ${[...new Set(refused)].join(', ')}`);

    await ownGot.waitCount(ownAccepted.length, 10_000);
    assert.deepEqual(new Set(ownGot.list.map((p) => p.version)), new Set(ownAccepted));
    await waitFor(`all ${accepted.length} accepted flood messages, have ${new Set(floodGot.list.map((p) => p.version)).size}`, () => accepted.every((v) => floodGot.list.some((p) => p.version === v)), 15_000);
  });
});

describe('sender limits on a running server: per VAPID key and per client IP', { timeout: 60_000 }, () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald({ args: ['--limit-push-per-vapid-key', '1:4', '--limit-push-per-ip', '2:12', '--limit-push-per-subscription', '0'] });
  });
  after(async () => {
    await Promise.all(uas.map((u) => u.close().catch(() => undefined)));
    await herald?.dispose();
  });

  const vapidDetails = (keys: { publicKey: string; privateKey: string }) => ({ subject: 'mailto:ops@example.com', ...keys });

  it('pushes signed by one VAPID key over its limit get 429 across its subscriptions; another key and unsigned pushes are served', async () => {
    const ua = await userAgent(herald);
    const subs = [await ua.subscribe(), await ua.subscribe()].map((s) => ({ endpoint: s.endpoint, keys: s.keys }));
    const [heavy, light] = [webpush.generateVAPIDKeys(), webpush.generateVAPIDKeys()];
    const statuses: number[] = [];
    let limited: WebPushSendError | undefined;
    for (let i = 0; i < 6; i++) {
      try {
        statuses.push((await sendNotification(subs[i % 2]!, `#${i}`, { TTL: 60, vapidDetails: vapidDetails(heavy) })).statusCode);
      } catch (err) {
        if (!(err instanceof WebPushSendError)) throw err;
        statuses.push(err.statusCode);
        limited ??= err;
      }
    }
    assert.deepEqual(statuses.slice(0, 4), [201, 201, 201, 201], 'the burst of 4 is served, spread over two subscriptions');
    assert.ok(limited, `a 429 after the burst: ${statuses.join(', ')}`);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '1');
    assert.equal(JSON.parse(limited.body).errno, 115);
    assert.equal((await sendNotification(subs[0]!, 'other key', { TTL: 60, vapidDetails: vapidDetails(light) })).statusCode, 201, 'another VAPID key');
    assert.equal((await sendNotification(subs[1]!, 'unsigned', { TTL: 60 })).statusCode, 201, 'an unsigned push');
    await sleep(1100);
    assert.equal((await sendNotification(subs[0]!, 'later', { TTL: 60, vapidDetails: vapidDetails(heavy) })).statusCode, 201, 'the key is served again after Retry-After');
  });

  it('endpoint requests from one IP over its limit get 429 with Retry-After; another IP is served', async () => {
    const ua = await userAgent(herald);
    const sub = await ua.subscribe();
    const answers: Answer[] = [];
    for (let i = 0; i < 14; i++) answers.push(await postFrom('127.0.0.12', sub.endpoint));
    assert.deepEqual(answers.slice(0, 12).map((r) => r.status), Array(12).fill(201), 'the burst of 12 is served');
    const over = answers.find((r) => r.status === 429);
    assert.ok(over, 'a 429 once the burst is spent');
    assert.equal(over.headers['retry-after'], '1');
    assert.equal(JSON.parse(over.body).errno, 115);
    assert.equal((await postFrom('127.0.0.13', sub.endpoint)).status, 201, 'another IP, same subscription');
    await sleep(1100);
    assert.equal((await postFrom('127.0.0.12', sub.endpoint)).status, 201, 'served again after Retry-After');
  });
});

describe('the reset policy of the stored-message maximum on a running server', { timeout: 60_000 }, () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald({ args: ['--max-stored-messages', '10', '--stored-messages-policy', 'reset', '--limit-push-per-subscription', '0'] });
  });
  after(() => herald?.dispose());

  it('disconnects a connected user agent that stops acking once it is over the maximum; it comes back under a new uaid', async () => {
    const raw = await RawClient.connect(herald.wsUrl);
    try {
      const uaid = await raw.hello();
      const { pushEndpoint } = await raw.register(randomUUID());
      // It never acks: every push stays stored until the maximum resets the uaid.
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await postFrom('127.0.0.20', pushEndpoint)).status);
      // The 11th push is stored and answered 201, then the count (11 > 10) resets the uaid.
      assert.deepEqual(statuses, [...Array(11).fill(201), 410]);
      const closed = await raw.waitClose(5000);
      assert.equal(closed.code, 1011, 'closed as a taken-over session is');
      assert.equal((await postFrom('127.0.0.20', pushEndpoint)).status, 410, 'the old subscription is gone');

      const again = await RawClient.connect(herald.wsUrl);
      try {
        assert.notEqual(await again.hello(uaid), uaid, 'a new uaid on the next hello');
      } finally {
        again.close();
      }
    } finally {
      raw.close();
    }
  });
});
