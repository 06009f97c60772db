/**
 * Push message receipts (RFC 8030 §5.1, §5.4, §6.3; docs/protocol.md#push-message-receipts) end to
 * end: real Herald processes, SDK user agents, and a `node:http2` application server that holds a
 * GET of its receipt subscription and receives each receipt as a server push.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import webpush from 'web-push';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { createReceiptSubscription, ReceiptListener, receiptPath, vapidHeaders } from './helpers/receipt-server.js';
import { post } from './helpers/send.js';
import { sleep, waitFor } from './helpers/wait.js';
import { sendNotification, WebPushSendError } from './helpers/web-push-send.js';

type Sub = Awaited<ReturnType<PushUserAgent['subscribe']>>;

/** web-push options for a push that asks for a receipt on `receiptUrl`. */
function withReceipt(receiptUrl: string, opts: { TTL?: number; topic?: string; async?: boolean; vapid?: { publicKey: string; privateKey: string } } = {}): webpush.RequestOptions {
  return {
    TTL: opts.TTL ?? 600,
    ...(opts.topic ? { topic: opts.topic } : {}),
    headers: { 'Push-Receipt': receiptUrl, ...(opts.async === false ? {} : { Prefer: 'respond-async' }) },
    ...(opts.vapid ? { vapidDetails: { subject: 'mailto:ops@example.com', ...opts.vapid } } : {}),
  };
}

async function refusal(send: Promise<unknown>): Promise<{ status: number; errno: number }> {
  try {
    await send;
  } catch (err) {
    if (err instanceof WebPushSendError) return { status: err.statusCode, errno: (JSON.parse(err.body) as { errno: number }).errno };
    throw err;
  }
  throw new Error('the push was accepted');
}

/** A user agent with one subscription; `away` closes it again, so its pushes are stored. */
async function userAgent(herald: HeraldProcess, opts: { away?: boolean } = {}) {
  const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
  const got = collectPushes(ua);
  await ua.connect();
  const sub: Sub = await ua.subscribe();
  if (opts.away) await ua.close();
  return { ua, got, sub };
}

/** Bring an away user agent back (same uaid, keys and subscriptions). */
async function comeBack(herald: HeraldProcess, ua: PushUserAgent) {
  const again = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false, state: ua.state });
  const got = collectPushes(again);
  await again.connect();
  return { ua: again, got };
}

describe('push message receipts', () => {
  let herald: HeraldProcess;
  const open: { close(): unknown }[] = [];
  before(async () => {
    herald = await startHerald({ args: ['--receipt-poll-interval', '0.2'] });
  });
  after(async () => {
    for (const o of open) await o.close();
    await herald?.dispose();
  });

  it('advertises the receipt subscribe resource and creates receipt subscriptions there (201 + Location)', async () => {
    const { ua, sub } = await userAgent(herald);
    open.push(ua);
    const discovery = await fetch(sub.endpoint);
    assert.equal(discovery.status, 200);
    assert.equal(discovery.headers.get('link'), `<${herald.endpointUrl}/receipts>; rel="urn:ietf:params:push:receipt"`);
    const res = await post(`${herald.endpointUrl}/receipts`);
    assert.equal(res.status, 201);
    assert.match(res.headers.get('location') ?? '', new RegExp(`^${herald.endpointUrl}/receipts/[A-Za-z0-9_-]{22}$`));
    assert.ok(res.headers.get('expires'));
  });

  it('answers Push-Receipt with Prefer: respond-async 202, and pushes the receipt (410 of the message resource) once the user agent acks', async () => {
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl);
    const listener = await ReceiptListener.open(receiptUrl);
    open.push(listener);
    const { ua, got, sub } = await userAgent(herald);
    open.push(ua);
    const res = await sendNotification(sub, 'with a receipt', withReceipt(receiptUrl));
    assert.equal(res.statusCode, 202);
    assert.equal(res.headers['preference-applied'], 'respond-async');
    assert.match(res.headers.location ?? '', new RegExp(`^${herald.endpointUrl}/m/`));
    assert.match(res.headers.link ?? '', /rel="urn:ietf:params:push:receipt"/);
    assert.equal((await got.waitCount(1))[0]!.text, 'with a receipt');
    assert.deepEqual(await listener.waitCount(1), [{ path: receiptPath(res.headers.location!), status: 410 }]);
  });

  it('answers Push-Receipt without Prefer: respond-async 201 as before, and still sends the receipt', async () => {
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl);
    const listener = await ReceiptListener.open(receiptUrl);
    open.push(listener);
    const { ua, got, sub } = await userAgent(herald);
    open.push(ua);
    const res = await sendNotification(sub, 'sync', withReceipt(receiptUrl, { async: false }));
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['preference-applied'], undefined);
    await got.waitCount(1);
    assert.deepEqual(await listener.waitCount(1), [{ path: receiptPath(res.headers.location!), status: 410 }]);
  });

  it('keeps a receipt while no GET is held and pushes it on the next GET', async () => {
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl);
    const { ua, got, sub } = await userAgent(herald);
    open.push(ua);
    const res = await sendNotification(sub, 'acked before the GET', withReceipt(receiptUrl));
    await got.waitCount(1);
    const listener = await ReceiptListener.open(receiptUrl);
    open.push(listener);
    assert.deepEqual(await listener.waitCount(1), [{ path: receiptPath(res.headers.location!), status: 410 }]);
  });

  it('sends no receipt for a stored message replaced by a newer one with the same Topic (RFC 8030 §5.4)', async () => {
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl);
    const listener = await ReceiptListener.open(receiptUrl);
    open.push(listener);
    const away = await userAgent(herald, { away: true });
    const replaced = await sendNotification(away.sub, 'old score', withReceipt(receiptUrl, { topic: 'score' }));
    const newer = await sendNotification(away.sub, 'new score', withReceipt(receiptUrl, { topic: 'score' }));
    const other = await sendNotification(away.sub, 'untopical', withReceipt(receiptUrl));
    assert.deepEqual([replaced.statusCode, newer.statusCode, other.statusCode], [202, 202, 202]);
    const back = await comeBack(herald, away.ua);
    open.push(back.ua);
    assert.deepEqual((await back.got.waitCount(2)).map((p) => p.text).sort(), ['new score', 'untopical']);
    const paths = (await listener.waitCount(2)).map((r) => r.path).sort();
    assert.deepEqual(paths, [receiptPath(newer.headers.location!), receiptPath(other.headers.location!)].sort());
    assert.ok(!paths.includes(receiptPath(replaced.headers.location!)));
  });

  it('sends no receipt for a message whose TTL ran out before its user agent came', async () => {
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl);
    const listener = await ReceiptListener.open(receiptUrl);
    open.push(listener);
    const away = await userAgent(herald, { away: true });
    const expiring = await sendNotification(away.sub, 'too late', withReceipt(receiptUrl, { TTL: 1 }));
    assert.equal(expiring.statusCode, 202);
    await sleep(2100); // the message's TTL (1 s) passes
    const later = await sendNotification(away.sub, 'in time', withReceipt(receiptUrl));
    const back = await comeBack(herald, away.ua);
    open.push(back.ua);
    assert.deepEqual((await back.got.waitCount(1)).map((p) => p.text), ['in time']);
    assert.deepEqual(await listener.waitCount(1), [{ path: receiptPath(later.headers.location!), status: 410 }]);
    await sleep(500);
    assert.equal(listener.receipts.length, 1, 'none for the expired message');
  });

  it("refuses a Push-Receipt of another server, an unknown one, or another sender's with 400 errno 118, and delivers nothing", async () => {
    const { ua, got, sub } = await userAgent(herald);
    open.push(ua);
    const vapid = webpush.generateVAPIDKeys();
    const unsigned = await createReceiptSubscription(herald.endpointUrl);
    const signed = await createReceiptSubscription(herald.endpointUrl, vapid);
    const otherKey = webpush.generateVAPIDKeys();
    for (const [what, send] of [
      ['another server', () => sendNotification(sub, 'x', withReceipt('https://elsewhere.example/receipts/AAAAAAAAAAAAAAAAAAAAAA'))],
      ['an unknown id', () => sendNotification(sub, 'x', withReceipt(`${herald.endpointUrl}/receipts/AAAAAAAAAAAAAAAAAAAAAA`))],
      ['a VAPID sender naming an unsigned sender’s subscription', () => sendNotification(sub, 'x', withReceipt(unsigned, { vapid }))],
      ['an unsigned sender naming a VAPID sender’s subscription', () => sendNotification(sub, 'x', withReceipt(signed))],
      ['another VAPID key', () => sendNotification(sub, 'x', withReceipt(signed, { vapid: otherKey }))],
    ] as const) {
      assert.deepEqual(await refusal(send()), { status: 400, errno: 118 }, what);
    }
    // The owner's own pushes pass, and only they were delivered.
    assert.equal((await sendNotification(sub, 'owner', withReceipt(signed, { vapid }))).statusCode, 202);
    assert.deepEqual((await got.waitCount(1)).map((p) => p.text), ['owner']);
    await sleep(300);
    assert.equal(got.list.length, 1);
  });

  it('answers a GET of a receipt subscription over HTTP/1.1 with 400 and a hint, and an HTTP/2 GET of an unknown one 404', async () => {
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl);
    const h1 = await fetch(receiptUrl);
    assert.equal(h1.status, 400);
    assert.match(await h1.text(), /HTTP\/2/);
    const unknown = await ReceiptListener.open(`${herald.endpointUrl}/receipts/AAAAAAAAAAAAAAAAAAAAAA`);
    open.push(unknown);
    assert.equal((await unknown.waitResponse()).status, 404);
  });

  it('refuses a GET from a client that disabled server push with 400', async () => {
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl);
    const client = http2.connect(herald.endpointUrl, { settings: { enablePush: false } });
    open.push({ close: () => client.destroy() });
    const req = client.request({ ':path': new URL(receiptUrl).pathname });
    const status = await new Promise<number>((resolve) => req.on('response', (h) => resolve(Number(h[':status']))));
    assert.equal(status, 400);
  });
});

describe('push receipt limits', () => {
  let herald: HeraldProcess;
  const open: { close(): unknown }[] = [];
  before(async () => {
    herald = await startHerald({ args: ['--max-receipt-subscriptions-per-sender', '2', '--receipt-subscription-ttl', '2', '--receipt-poll-interval', '0.2'] });
  });
  after(async () => {
    for (const o of open) await o.close();
    await herald?.dispose();
  });

  it('refuses a sender a receipt subscription past the maximum with 429 errno 119, counting per VAPID key or client address', async () => {
    const [k1, k2] = [webpush.generateVAPIDKeys(), webpush.generateVAPIDKeys()];
    const create = (vapid?: typeof k1) => post(`${herald.endpointUrl}/receipts`, { headers: vapid ? vapidHeaders(herald.endpointUrl, vapid) : {} });
    assert.deepEqual([(await create(k1)).status, (await create(k1)).status], [201, 201]);
    const over = await create(k1);
    assert.equal(over.status, 429);
    assert.equal(over.json().errno, 119);
    assert.ok(over.headers.get('retry-after'));
    assert.equal((await create(k2)).status, 201, 'another VAPID key has its own count');
    assert.equal((await create()).status, 201, 'an unsigned sender counts by its address');
    assert.equal((await create()).status, 201);
    assert.equal((await create()).status, 429);
    const bad = await post(`${herald.endpointUrl}/receipts`, { headers: { Authorization: 'vapid t=x, k=y' } });
    assert.equal(bad.status, 401, 'a bad VAPID signature is refused, not counted as unsigned');
  });

  it('ends a held GET with 410 when its receipt subscription expires, and refuses pushes naming it with 400 errno 118', async () => {
    const vapid = webpush.generateVAPIDKeys();
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl, vapid);
    const listener = await ReceiptListener.open(receiptUrl);
    open.push(listener);
    assert.equal((await listener.waitResponse(10_000)).status, 410);
    const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    open.push(ua);
    await ua.connect();
    const sub = await ua.subscribe();
    assert.deepEqual(await refusal(sendNotification(sub, 'x', withReceipt(receiptUrl, { vapid }))), { status: 400, errno: 118 });
    const again = await ReceiptListener.open(receiptUrl);
    open.push(again);
    assert.equal((await again.waitResponse()).status, 404);
  });
});

describe('push receipts across a restart', () => {
  let herald: HeraldProcess;
  const open: { close(): unknown }[] = [];
  before(async () => {
    herald = await startHerald();
  });
  after(async () => {
    for (const o of open) await o.close();
    await herald?.dispose();
  });

  it('delivers the receipt of a push accepted before a restart and acked after it', async () => {
    const receiptUrl = await createReceiptSubscription(herald.endpointUrl);
    const away = await userAgent(herald, { away: true });
    const res = await sendNotification(away.sub, 'before the restart', withReceipt(receiptUrl));
    assert.equal(res.statusCode, 202);
    assert.equal(await herald.stop('SIGTERM'), 0);
    await herald.restart();
    const listener = await ReceiptListener.open(receiptUrl);
    open.push(listener);
    const back = await comeBack(herald, away.ua);
    open.push(back.ua);
    assert.deepEqual((await back.got.waitCount(1)).map((p) => p.text), ['before the restart']);
    assert.deepEqual(await listener.waitCount(1), [{ path: receiptPath(res.headers.location!), status: 410 }]);
  });
});

describe('push receipts across nodes', () => {
  let a: HeraldProcess;
  let b: HeraldProcess;
  const open: { close(): unknown }[] = [];
  before(async () => {
    // One cluster: the same store, keys and public URL (as behind a load balancer).
    const args = ['--crypto-keys', generateFernetKey(), '--receipt-poll-interval', '0.2'];
    a = await startHerald({ args });
    b = await startHerald({ db: `sqlite:${a.dataDir}/herald.db`, endpointUrl: a.endpointUrl, args });
  });
  after(async () => {
    for (const o of open) await o.close();
    await b?.dispose();
    await a?.dispose();
  });

  it('delivers the receipt when the user agent acks on another node than the one holding the GET', async () => {
    const receiptUrl = await createReceiptSubscription(a.endpointUrl);
    const listener = await ReceiptListener.open(receiptUrl);
    open.push(listener);
    // The user agent is on node b; the push is posted to node a, which routes it to b.
    const { ua, got, sub } = await userAgent(b);
    open.push(ua);
    assert.ok(sub.endpoint.startsWith(a.endpointUrl));
    const res = await sendNotification(sub, 'across nodes', withReceipt(receiptUrl));
    assert.equal(res.statusCode, 202);
    await got.waitCount(1);
    assert.deepEqual(await listener.waitCount(1), [{ path: receiptPath(res.headers.location!), status: 410 }]);
  });

  it('delivers the receipt to a GET held on the node that took neither the push nor the ack', async () => {
    const receiptUrl = await createReceiptSubscription(a.endpointUrl);
    // GET on b (its own port, the cluster's URL path), push posted to b, user agent on a.
    const listener = await ReceiptListener.open(receiptUrl.replace(a.publicUrl, b.publicUrl));
    open.push(listener);
    const { ua, got, sub } = await userAgent(a);
    open.push(ua);
    const res = await sendNotification({ ...sub, endpoint: sub.endpoint.replace(a.publicUrl, b.publicUrl) }, 'b to a', withReceipt(receiptUrl));
    assert.equal(res.statusCode, 202);
    await got.waitCount(1);
    const [receipt] = await listener.waitCount(1);
    assert.equal(receipt!.path, receiptPath(res.headers.location!));
    await waitFor('nothing else', () => listener.receipts.length === 1);
  });
});
