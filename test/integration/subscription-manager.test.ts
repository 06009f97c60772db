/**
 * The subscription-manager example against a real Herald process, with client-SDK user agents
 * (and a raw WebSocket client) as the browsers: each answer of the push service leads to what the
 * example's README promises. The Firefox version of the main paths is in
 * firefox/subscription-manager.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PushUserAgent, sendPush, type Subscription } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { RawClient } from './helpers/raw-client.js';
import { startDemoSite, type DemoSite } from './helpers/subscription-manager.js';

const root = new URL('../../', import.meta.url);
const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, root), 'utf8')) as Record<string, Record<string, string>>;

describe('the subscription manager example against Herald', () => {
  let herald: HeraldProcess;
  let site: DemoSite;
  let ua: PushUserAgent;
  let pushes: ReturnType<typeof collectPushes>;

  before(async () => {
    // --msg-limit 1: a user agent that comes back to more than one stored message is reset.
    // --limit-push-per-subscription 0.2:2: two pushes at once, then one per 5 s (429 beyond).
    herald = await startHerald({ args: ['--msg-limit', '1', '--limit-push-per-subscription', '0.2:2'] });
    site = await startDemoSite({ maxWaitSeconds: 10 });
    ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    pushes = collectPushes(ua);
    await ua.connect();
  });
  after(async () => {
    await ua?.close();
    await site?.close();
    await herald?.dispose();
  });

  /** Subscribe the user agent with the site's key and report it as the page does. */
  async function subscribeToSite(): Promise<{ id: number; sub: Subscription }> {
    const { vapidPublicKey } = await site.get<{ vapidPublicKey: string }>('/api/config');
    const sub = await ua.subscribe({ vapidPublicKey });
    const { status, json } = await site.post<{ id: number }>('/api/subscriptions', { subscription: { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys } });
    assert.equal(status, 201);
    return { id: json.id, sub };
  }

  const outcomeOf = async (id: number) => (await site.subscriptions()).find((s) => s.id === id);

  it('resolves its dependencies from the repository: the ranges in its package.json are the root package’s', () => {
    const example = readJson('examples/subscription-manager/package.json');
    const rootPkg = readJson('package.json');
    for (const [name, range] of Object.entries(example.dependencies!)) {
      assert.equal(rootPkg.dependencies?.[name] ?? rootPkg.devDependencies?.[name], range, name);
    }
  });

  it('delivers to a subscription (201: counted), and the user agent gets the exact text', async () => {
    const { id, sub } = await subscribeToSite();
    const text = 'Hallo from the demo ✓';
    const { status, json } = await site.send(text, id);
    assert.equal(status, 200);
    assert.deepEqual([json.delivered, json.dropped, json.results[0]?.status], [1, 0, 201]);
    const received = await pushes.waitCount(pushes.list.length || 1);
    assert.equal(received.at(-1)?.text, text);
    assert.equal(received.at(-1)?.channelID, sub.channelID);
    assert.deepEqual([(await outcomeOf(id))?.lastOutcome, (await outcomeOf(id))?.lastStatus], ['delivered', 201]);
    const admin = await (await fetch(`${site.url}/admin`)).text();
    assert.match(admin, new RegExp(`<td>${id}</td><td>${herald.endpointUrl.replace(/\./g, '\\.')}</td>`));
  });

  it('drops a subscription the user agent unsubscribed (410), and still delivers to the others', async () => {
    const gone = await subscribeToSite();
    const kept = await subscribeToSite();
    assert.equal(await ua.unsubscribe(gone.sub.channelID), true);
    const before = pushes.list.length;
    const { json } = await site.send('to all');
    const byId = new Map(json.results.map((r) => [r.subscriptionId, r]));
    assert.deepEqual([byId.get(gone.id)?.status, byId.get(gone.id)?.outcome], [410, 'gone']);
    assert.match(byId.get(gone.id)?.detail ?? '', /^errno 106/);
    assert.equal(byId.get(kept.id)?.outcome, 'delivered');
    assert.equal(await outcomeOf(gone.id), undefined, 'deleted');
    assert.ok(await outcomeOf(kept.id));
    await pushes.waitCount(before + json.delivered);
    assert.ok(site.logLines().some((l) => l.msg === 'push gone' && l.subscription === gone.id && l.status === 410));
  });

  it('drops a subscription Herald forgot when it reset the user agent (410), keeping the rest', async () => {
    // A second browser, raw: subscribed, away while two messages are stored, back: Herald resets it.
    const raw = await RawClient.connect(herald.wsUrl);
    const uaid = await raw.hello();
    const { vapidPublicKey } = await site.get<{ vapidPublicKey: string }>('/api/config');
    const { pushEndpoint } = await raw.register(randomUUID(), vapidPublicKey);
    raw.close();
    const ecdh = createECDH('prime256v1');
    const keys = { p256dh: ecdh.generateKeys('base64url'), auth: randomBytes(16).toString('base64url') };
    const { json: saved } = await site.post<{ id: number }>('/api/subscriptions', { subscription: { endpoint: pushEndpoint, keys } });
    // Store two messages through the site itself (the UA is away: 201, stored).
    for (let i = 0; i < 2; i++) assert.equal((await site.send(`stored ${i}`, saved.id)).json.delivered, 1);
    const back = await RawClient.connect(herald.wsUrl);
    assert.equal(await back.hello(uaid), uaid);
    assert.deepEqual(await back.waitClose(10_000), { code: 1000, reason: 'UaidReset' });

    const { json } = await site.send('after the reset');
    const forgotten = json.results.find((r) => r.subscriptionId === saved.id);
    assert.deepEqual([forgotten?.status, forgotten?.outcome], [410, 'gone']);
    assert.equal(await outcomeOf(saved.id), undefined, 'dropped');
    assert.ok(json.delivered >= 1, 'the live subscriptions still got it');
  });

  it('retries a 429 after Retry-After and keeps the subscription', async () => {
    const { id, sub } = await subscribeToSite();
    // Spend the subscription's burst (2) straight at Herald, until it answers 429: the site's
    // next push meets the limit.
    let status = 0;
    for (let i = 0; i < 5 && status !== 429; i++) status = (await sendPush(sub, `burst ${i}`, { ttl: 60, vapid: site.vapid })).status;
    assert.equal(status, 429);
    const { json } = await site.send('after the limit', id);
    const [result] = json.results;
    assert.deepEqual([result?.outcome, result?.status], ['delivered', 201]);
    assert.ok(result!.attempts >= 2, `retried: ${JSON.stringify(result)}`);
    assert.ok(site.logLines().some((l) => l.subscription === id && l.status === 429 && typeof l.waitSeconds === 'number'));
    assert.equal((await outcomeOf(id))?.lastOutcome, 'delivered');
    await pushes.waitCount(pushes.list.length);
    assert.ok(pushes.list.some((p) => p.channelID === sub.channelID && p.text === 'after the limit'));
  });

  it('refuses a message the push service finds too large (413) and keeps the subscription', async () => {
    const { id } = await subscribeToSite();
    const { status, json } = await site.send('x'.repeat(6000), id);
    assert.equal(status, 413);
    assert.equal(json.refused, true);
    assert.deepEqual([json.results[0]?.status, json.results[0]?.outcome], [413, 'too-large']);
    assert.match(json.results[0]?.detail ?? '', /^errno 104/);
    assert.equal((await outcomeOf(id))?.lastOutcome, 'too-large');
  });

  it('replaces the subscription a service worker re-subscribed from (pushsubscriptionchange)', async () => {
    const old = await subscribeToSite();
    const fresh = await ua.subscribe({ vapidPublicKey: site.vapidPublicKey });
    const { status, json } = await site.post<{ id: number }>('/api/subscriptions', { subscription: { endpoint: fresh.endpoint, keys: fresh.keys }, replaces: old.sub.endpoint });
    assert.equal(status, 201);
    const ids = (await site.subscriptions()).map((s) => s.id);
    assert.ok(ids.includes(json.id) && !ids.includes(old.id));
  });

  it('refuses bad input with 400, 404 and 413, storing nothing', async () => {
    const count = (await site.subscriptions()).length;
    const bad = [
      { subscription: { endpoint: 'ftp://x', keys: { p256dh: 'a', auth: 'b' } } },
      { subscription: { endpoint: 'https://push.example/x', keys: { p256dh: 'short', auth: randomBytes(16).toString('base64url') } } },
      { subscription: { endpoint: 'https://push.example/x' } },
      {},
    ];
    for (const body of bad) assert.equal((await site.post('/api/subscriptions', body)).status, 400, JSON.stringify(body));
    assert.equal((await site.subscriptions()).length, count);
    assert.equal((await site.post('/api/send', {})).status, 400);
    assert.equal((await site.send('x', 999_999)).status, 404);
    assert.equal((await site.send('x'.repeat(17 * 1024))).status, 413);
  });
});
