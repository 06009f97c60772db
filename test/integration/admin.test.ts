/**
 * The admin port of a real `herald serve` process (issue 7 points 4-5, docs/operations.md):
 * `/metrics` parses as Prometheus text and its counters match the traffic sent; the admin API
 * refuses a missing or wrong token, looks up a subscription and ranks senders; the dashboard
 * shows live counts and charts in headless Chromium (screenshot in .test-artifacts/); the
 * process logs one line per rejected request and per session end, and never a payload or token.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import webpush from 'web-push';
import { PushUserAgent } from '../../src/sdk/index.js';
import { freePort, startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';
import { collectPushes } from './helpers/pushes.js';
import { waitFor } from './helpers/wait.js';
import { sendNotification } from './helpers/web-push-send.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../.test-artifacts/', import.meta.url).pathname;
const TOKEN = randomBytes(24).toString('hex');
const N = 12;
const PAYLOAD = `secret-payload-${randomBytes(6).toString('hex')}`;
const vapid = webpush.generateVAPIDKeys();
const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey };

describe('the admin port of a running server', { timeout: 120_000 }, () => {
  let herald: HeraldProcess;
  let admin: string;
  let ua: PushUserAgent;
  let endpoint: string;
  let subscription: webpush.PushSubscription;
  let channelID: string;
  const auth = { authorization: `Bearer ${TOKEN}` };

  const get = (path: string, headers: Record<string, string> = auth) => fetch(admin + path, { headers });
  const metrics = async () => {
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  };

  before(async () => {
    const adminPort = await freePort();
    admin = `http://127.0.0.1:${adminPort}`;
    // The longest ack window: this user agent acks at once, so even on a busy machine no push
    // outlasts it and none is stored (ack-gated delivery, docs/architecture.md).
    herald = await startHerald({ args: ['--admin-port', String(adminPort), '--admin-token', TOKEN, '--log-level', 'info', '--ack-window-ms', '1000'] });
    assert.match(herald.output(), new RegExp(`Admin \\(metrics, dashboard\\): ${admin}/metrics, ${admin}/admin/`));
    ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    await ua.connect();
    const sub = await ua.subscribe({ vapidPublicKey: vapid.publicKey });
    ({ endpoint, channelID } = sub);
    subscription = { endpoint, keys: sub.keys };
  });

  after(async () => {
    await ua?.close();
    await herald?.dispose();
  });

  it('counts pushes received, delivered and acked, as Prometheus text', async () => {
    const before = await metrics();
    assert.equal(before.value('herald_connections'), 1);
    assert.equal(before.value('herald_registers_total'), 1);
    const pushes = collectPushes(ua);
    for (let i = 0; i < N; i++) await sendNotification(subscription, `${PAYLOAD} #${i}`, { TTL: 60, vapidDetails });
    assert.equal((await pushes.waitCount(N)).length, N);

    await waitFor('every ack counted', async () => (await metrics()).sum('herald_messages_acked_total') === N, 5000);
    const m = await metrics();
    assert.equal(m.value('herald_messages_received_total', { outcome: 'direct' }), N);
    assert.equal(m.sum('herald_messages_received_total'), N);
    assert.equal(m.value('herald_messages_delivered_total', { source: 'direct' }), N);
    assert.equal(m.value('herald_messages_acked_total', { source: 'direct' }), N);
    assert.equal(m.value('herald_messages_stored_total'), 0, 'a push acked within the window is never stored');
    assert.equal(m.value('herald_push_duration_seconds_count', { outcome: 'direct' }), N);
    assert.equal(m.value('herald_endpoint_requests_total', { route: '/wpush/:version/:token', status: '201' }), N);
    assert.equal(m.sum('herald_storage_duration_seconds_count', { op: 'saveMessage' }), 0);
    // The first push reads the router record and its channel; the session then knows the channel,
    // so later pushes to this node's user agent read nothing (docs/architecture.md).
    assert.equal(m.value('herald_storage_duration_seconds_count', { op: 'lookupChannel', result: 'ok' }), 1, 'one read, for the first push');
    assert.equal(m.types.get('herald_endpoint_request_duration_seconds'), 'histogram');
    assert.ok(m.samples.some((s) => s.name === 'process_cpu_user_seconds_total'), 'process metrics too');
  });

  it('refuses the admin API without the token or with a wrong one', async () => {
    for (const path of ['/metrics', '/admin/api/summary', '/admin/api/rates', '/admin/api/top-senders', '/admin/api/blocks', `/admin/api/subscription?endpoint=${encodeURIComponent(endpoint)}`]) {
      assert.equal((await get(path, {})).status, 401, `${path} without a token`);
      assert.equal((await get(path, { authorization: `Bearer ${TOKEN.slice(0, -1)}x` })).status, 401, `${path} with a wrong token`);
      assert.equal((await get(path, { authorization: TOKEN })).status, 401, `${path} without "Bearer"`);
    }
    const del = await fetch(`${admin}/admin/api/blocks/10.9.9.9`, { method: 'DELETE' });
    assert.equal(del.status, 401);
  });

  it('ranks the sender by its VAPID key and looks up the subscription', async () => {
    const top = await (await get('/admin/api/top-senders')).json();
    assert.equal(top.senders[0].vapidKey, vapid.publicKey);
    assert.equal(top.senders[0].messages, N);

    const res = await get(`/admin/api/subscription?endpoint=${encodeURIComponent(endpoint)}`);
    assert.equal(res.status, 200);
    const state = await res.json();
    assert.equal(state.channelID, channelID);
    assert.equal(state.vapidBound, true);
    assert.equal(state.userExists, true);
    assert.equal(state.nodeId, herald.nodeId);
    assert.equal(state.channelExists, true);
    assert.equal(state.storedMessages, 0, 'all acked');

    const bad = await get(`/admin/api/subscription?endpoint=${encodeURIComponent(endpoint.slice(0, -4) + 'AAAA')}`);
    assert.equal(bad.status, 400);
  });

  it('adds, lists and lifts a block', async () => {
    const add = await fetch(`${admin}/admin/api/blocks`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ ip: '192.0.2.7', seconds: 120 }) });
    assert.equal(add.status, 201);
    assert.deepEqual((await (await get('/admin/api/blocks')).json()).blocks.map((b: { ip: string }) => b.ip), ['192.0.2.7']);
    const lift = await fetch(`${admin}/admin/api/blocks/192.0.2.7`, { method: 'DELETE', headers: auth });
    assert.equal(lift.status, 204);
    assert.deepEqual((await (await get('/admin/api/blocks')).json()).blocks, []);
    const bad = await fetch(`${admin}/admin/api/blocks`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ ip: 'not-an-ip' }) });
    assert.equal(bad.status, 400);
  });

  it('shows live counts and charts on the dashboard in Chromium', { timeout: 90_000 }, async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium`);
    const profileDir = mkdtempSync(join(tmpdir(), 'herald-chromium-'));
    let context: BrowserContext | undefined;
    const pageErrors: string[] = [];
    try {
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        timeout: 30_000,
        viewport: { width: 1200, height: 900 },
      });
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (err) => pageErrors.push(String(err)));
      page.on('console', (msg) => msg.type() === 'error' && pageErrors.push(msg.text()));

      await page.goto(`${admin}/admin/`);
      await page.waitForSelector('#token-form:not([hidden])');
      await page.fill('#token', 'wrong-token-wrong-token');
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#status.error');
      assert.match((await page.textContent('#status')) ?? '', /refused/);
      // The dashboard checks a token with one request; Chromium logs its 401 as a failed load. Wait
      // for that log line (it may arrive after the status text) before the error list starts over.
      await waitFor('the console line of the refused token', () => pageErrors.some((e) => /\b401\b/.test(e)), 10_000);
      assert.equal(pageErrors.filter((e) => /\b401\b/.test(e)).length, 1, pageErrors.join('\n'));
      pageErrors.length = 0; // also the page's favicon 404

      await page.fill('#token', TOKEN);
      await page.click('#token-form button[type=submit]');
      await page.waitForSelector('#dashboard:not([hidden])');
      await page.waitForFunction((n) => document.getElementById('received')?.textContent === String(n), N);
      assert.equal(await page.textContent('#connections'), '1');
      assert.equal(await page.textContent('#delivered'), String(N));
      assert.equal(await page.textContent('#acked'), String(N));
      await page.waitForSelector('#chart-messages svg polyline[data-series="received"]', { state: 'attached' });
      await page.waitForSelector('#chart-connections svg polyline[data-series="connections"]', { state: 'attached' });
      assert.equal(await page.textContent('#senders tbody tr td.key'), vapid.publicKey);
      assert.equal(await page.evaluate(() => sessionStorage.getItem('herald.adminToken')), TOKEN);

      await page.fill('#lookup-endpoint', endpoint);
      await page.click('#lookup-form button[type=submit]');
      await page.waitForSelector('#lookup-result dd');
      assert.ok(((await page.textContent('#lookup-result')) ?? '').includes(herald.nodeId!));

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
      assert.ok(existsSync(join(ARTIFACTS, 'dashboard.png')));
      assert.deepEqual(pageErrors, [], 'no script errors or CSP violations');
    } finally {
      await context?.close();
      rmSync(profileDir, { recursive: true, force: true });
    }
  });

  it('logs one line per rejected request and per session end, never a payload or token', async () => {
    const scan = endpoint.replace(/[^/]+$/, randomBytes(60).toString('base64url'));
    assert.equal((await fetch(scan, { method: 'POST', headers: { TTL: '60' }, body: 'scan body' })).status, 404);
    await ua.close();
    const lines = () => herald.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitFor('the session-end line', () => lines().some((l) => l.msg === 'session ended'), 5000);
    await waitFor('the rejected-request line', () => lines().some((l) => l.msg === 'request rejected' && l.status === 404), 5000);

    const rejected = lines().filter((l) => l.msg === 'request rejected' && l.route === '/wpush/:version/:token');
    assert.equal(rejected.length, 1, 'one line for the one rejected push');
    assert.equal(rejected[0]!.errno, 102);
    assert.equal(rejected[0]!.ip, '127.0.0.1');
    const session = lines().filter((l) => l.msg === 'session ended');
    assert.equal(session.length, 1);
    assert.equal(session[0]!.direct_acked, N);
    assert.match(String(session[0]!.uaid_hash), /^[0-9a-f]{16}$/);

    const uaid = ua.uaid!;
    const out = herald.output();
    const token = new URL(endpoint).pathname.split('/').pop()!;
    for (const secret of [PAYLOAD, 'scan body', token, token.slice(0, 40), scan.split('/').pop()!, TOKEN, uaid]) {
      assert.ok(!out.includes(secret), `the output holds ${secret.slice(0, 20)}…`);
    }
  });
});
