/**
 * The subscription-manager example (examples/subscription-manager/) in a stock headless Firefox
 * ESR against a real Herald: the page subscribes with the site's VAPID key (notification
 * permission granted through the profile), the site sends, and the service worker shows the
 * exact text as a notification; the page's unsubscribe makes the next send get 410 and the site
 * drop the subscription; a subscription Herald forgot (reset) is dropped on 410 while one that
 * meets Herald's rate limit (429) is retried after Retry-After and kept; and when Firefox comes
 * back to a reset, its service worker subscribes again and reports the new subscription.
 *
 * The page is the example's own, unchanged; demo-page-driver.ts injects the script that clicks its
 * buttons and reports back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHerald, type HeraldProcess } from '../helpers/herald-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { startDemoSite, type DemoSite } from '../helpers/subscription-manager.js';
import { waitFor } from '../helpers/wait.js';
import { sendNotification, WebPushSendError } from '../helpers/web-push-send.js';
import { DemoPageDriver } from './demo-page-driver.js';
import { launchFirefox, TrapProxy, writeProfile, type FirefoxProcess, type PageEvent } from './harness.js';

interface Subscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

interface PageState extends PageEvent {
  permission: string;
  shown: string;
  subscription: Subscription | null;
}

describe('the subscription manager example in headless Firefox', { timeout: 300_000 }, () => {
  let herald: HeraldProcess;
  let site: DemoSite;
  let trap: TrapProxy;
  const driver = new DemoPageDriver();
  const profiles: string[] = [];
  const running = new Set<FirefoxProcess>();

  before(async () => {
    herald = await startHerald({
      // --msg-limit 1: a user agent that comes back to more than one stored message is reset.
      // --limit-push-per-subscription 0.1:2: two pushes at once, then one per 10 s (429 beyond).
      args: ['--msg-limit', '1', '--limit-push-per-subscription', '0.1:2'],
    });
    site = await startDemoSite({ maxWaitSeconds: 15, beforeListen: (app) => driver.mount(app) });
    trap = new TrapProxy();
    await trap.start();
  });
  after(async () => {
    for (const ff of running) await ff.kill();
    driver.close();
    await site?.close();
    await trap?.stop();
    await herald?.dispose();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  function newProfile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'herald-ff-demo-'));
    profiles.push(dir);
    // Permission only through the profile's default (no push-only bypass): the page sees "granted".
    writeProfile(dir, herald.wsUrl, trap.port, { 'dom.push.testing.ignorePermission': false });
    return dir;
  }

  /** Launch Firefox on the site's page, wait for the page and the push service, run `body`, quit cleanly. */
  async function withFirefox<T>(profile: string, body: (ff: FirefoxProcess) => Promise<T>): Promise<T> {
    driver.reset();
    const ff = launchFirefox(profile, `${site.url}/`);
    running.add(ff);
    let result: T;
    try {
      try {
        await driver.waitEvent('the page to be ready', (e) => e.type === 'page-ready', 30_000);
        await ff.waitPushReady(30_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\npage events: ${JSON.stringify(driver.events)}\nFirefox said:\n${ff.output().slice(-4000)}`);
      }
      result = await body(ff);
    } catch (err) {
      await ff.quit(driver);
      running.delete(ff);
      throw new Error(`${(err as Error).message}\npage events: ${JSON.stringify(driver.events)}\nFirefox said:\n${ff.output().slice(-3000)}`, { cause: err });
    }
    await ff.quit(driver);
    running.delete(ff);
    assert.deepEqual(ff.exit(), { code: 0, signal: null }, `Firefox quit cleanly through window.close(); page events: ${JSON.stringify(driver.events.slice(-5))}\n${ff.output().slice(-3000)}`);
    assert.deepEqual(driver.events.filter((e) => e.type === 'page-error'), [], 'no error in the page');
    return result;
  }

  const state = async () => (await driver.command('state')) as PageState;
  const subscribe = async () => (await driver.command('subscribe')) as PageState;

  /** The notifications the service worker showed, waiting (bounded) until one has `body`. */
  async function waitNotification(body: string): Promise<Array<{ title: string; body: string }>> {
    let shown: Array<{ title: string; body: string }> = [];
    await waitFor(`a notification "${body}"; shown: ${JSON.stringify(shown)}`, async () => {
      shown = (await driver.command('notifications')).notifications as typeof shown;
      return shown.some((n) => n.body === body);
    }, 20_000);
    return shown;
  }

  const uaidOf = (ff: FirefoxProcess) => ff.framesOf('received', 'hello').at(-1)?.uaid as string;
  const siteIds = async () => (await site.subscriptions()).map((s) => s.id);
  const noTrapHits = () => assert.deepEqual(trap.hits, [], 'Firefox sent nothing off the box');

  it('subscribes from the page, shows the exact text the site sends, and after unsubscribe the site drops it on 410', async () => {
    await withFirefox(newProfile(), async (ff) => {
      const before = await state();
      assert.equal(before.permission, 'granted', 'permission granted through the profile');
      assert.equal(before.shown, 'off');

      const subscribed = await subscribe();
      assert.match(subscribed.subscription!.endpoint, new RegExp(`^${herald.endpointUrl}/wpush/v2/`), 'a VAPID-bound endpoint on this Herald');
      assert.equal(subscribed.shown, `on (${herald.endpointUrl})`);
      const [register] = ff.framesOf('sent', 'register');
      assert.deepEqual(Buffer.from(register!.key as string, 'base64url'), Buffer.from(site.vapidPublicKey, 'base64url'), "subscribed with the site's key");
      const [stored] = await site.subscriptions();
      assert.ok(stored, 'the page reported the subscription to the site');

      const text = 'Neue Nachricht für dich ✓ 🚀';
      const { status, json } = await site.send(text);
      assert.equal(status, 200);
      assert.deepEqual([json.delivered, json.dropped], [1, 0]);
      const shown = await waitNotification(text);
      assert.deepEqual(shown, [{ title: 'Subscription manager', body: text }]);
      await ff.waitFrame('the ack', (f) => f.dir === 'sent' && f.frame.messageType === 'ack');

      const off = (await driver.command('unsubscribe')) as PageState;
      assert.equal(off.shown, 'off');
      await ff.waitFrame('the unregister reply', (f) => f.dir === 'received' && f.frame.messageType === 'unregister');
      assert.deepEqual(await siteIds(), [stored.id], 'the site learns of it only from the push service');

      const after = await site.send('nobody is listening');
      assert.deepEqual([after.json.delivered, after.json.dropped], [0, 1]);
      assert.deepEqual([after.json.results[0]?.status, after.json.results[0]?.outcome], [410, 'gone']);
      assert.deepEqual(await siteIds(), [], 'the site dropped the subscription');
      assert.ok(site.logLines().some((l) => l.msg === 'push gone' && l.status === 410));
    });
    noTrapHits();
  });

  it('drops the subscription Herald forgot (410) and retries the one answered 429, keeping it; a reset Firefox subscribes again', async () => {
    // Firefox Q subscribes, then goes away.
    const profileQ = newProfile();
    const q = await withFirefox(profileQ, async (ff) => {
      const { subscription } = await subscribe();
      return { uaid: uaidOf(ff), endpoint: subscription!.endpoint };
    });
    const qId = (await site.subscriptions()).at(-1)!.id;
    // While Q is away the site sends it two messages (201: Herald stores them) …
    for (const text of ['while away 1', 'while away 2']) assert.equal((await site.send(text, qId)).json.delivered, 1);
    // … and Q's user agent comes back to more than --msg-limit: Herald resets it and forgets Q.
    const back = await RawClient.connect(herald.wsUrl);
    assert.equal(await back.hello(q.uaid), q.uaid);
    assert.deepEqual(await back.waitClose(10_000), { code: 1000, reason: 'UaidReset' });

    await withFirefox(newProfile(), async () => {
      const { subscription } = await subscribe();
      const pId = (await site.subscriptions()).find((s) => s.id !== qId)!.id;
      // Spend P's burst straight at Herald until it answers 429: the site's next push meets the limit.
      const details = { vapidDetails: site.vapid, TTL: 60 };
      let limited: WebPushSendError | undefined;
      for (let i = 0; i < 5 && !limited; i++) {
        await sendNotification(subscription!, `burst ${i}`, details).catch((err: unknown) => {
          if (!(err instanceof WebPushSendError) || err.statusCode !== 429) throw err;
          limited = err;
        });
      }
      assert.ok(limited, 'Herald answered 429');
      assert.match(limited.headers['retry-after'] ?? '', /^\d+$/);

      const { json } = await site.send('to everyone');
      const byId = new Map(json.results.map((r) => [r.subscriptionId, r]));
      assert.deepEqual([byId.get(qId)?.status, byId.get(qId)?.outcome], [410, 'gone'], 'the forgotten one: dropped');
      const p = byId.get(pId);
      assert.deepEqual([p?.status, p?.outcome], [201, 'delivered'], 'the limited one: delivered in the end');
      assert.ok(p!.attempts >= 2, `retried after Retry-After: ${JSON.stringify(p)}`);
      assert.ok(site.logLines().some((l) => l.subscription === pId && l.status === 429 && typeof l.waitSeconds === 'number'), 'the site logged the wait');
      assert.deepEqual(await siteIds(), [pId], 'kept the limited one, dropped the forgotten one');
      await waitNotification('to everyone');
    });

    // Firefox Q comes back: Herald answers its hello with a new uaid, Firefox drops the old
    // subscription and fires pushsubscriptionchange; the service worker subscribes again and
    // reports, and the site can reach Q once more.
    const idsBefore = await siteIds();
    await withFirefox(profileQ, async (ff) => {
      assert.notEqual(uaidOf(ff), q.uaid, 'Herald gave Q a new uaid');
      const fresh = await waitFor('the service worker to report a new subscription', async () => (await siteIds()).find((id) => !idsBefore.includes(id)), 30_000);
      const now = await state();
      assert.ok(now.subscription && now.subscription.endpoint !== q.endpoint, 'a new subscription in Firefox');
      const { json } = await site.send('welcome back', fresh);
      assert.deepEqual([json.delivered, json.results[0]?.status], [1, 201]);
      await waitNotification('welcome back');
    });
    noTrapHits();
  });
});
