/**
 * A stock headless Firefox ESR as the user agent, end to end (docs/protocol.md#firefox-specifics).
 * One Herald, one page server, one trap proxy for off-box requests; Firefox instances run one at a
 * time, with a fresh profile per scenario unless the scenario is about restarts.
 *
 * What the service worker received comes from the page server's /report; what went over the push
 * WebSocket comes from Firefox's own debug log (FirefoxProcess.frames); what the server saw comes
 * from Herald's HTTP answers and its per-session "session ended" log line (counters).
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webpush from 'web-push';
import { startHerald, type HeraldProcess } from '../helpers/herald-process.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { sendNotification, WebPushSendError } from '../helpers/web-push-send.js';
import { launchFirefox, PageServer, TrapProxy, writeProfile, type FirefoxProcess, type PageEvent } from './harness.js';

interface Subscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** Herald's "session ended" log line (src/connection/session-stats.ts). */
interface SessionEnded {
  uaid_hash: string | null;
  direct_acked: number;
  direct_storage: number;
  stored_retrieved: number;
  stored_acked: number;
  nacks: number;
  registers: number;
  unregisters: number;
  disconnect_reason: string;
}

const uaidHash = (uaid: string) => createHash('sha256').update(uaid).digest('hex').slice(0, 16);

describe('headless Firefox against Herald', { timeout: 240_000 }, () => {
  let herald: HeraldProcess;
  let page: PageServer;
  let trap: TrapProxy;
  const profiles: string[] = [];
  const running = new Set<FirefoxProcess>();
  const vapid = webpush.generateVAPIDKeys();
  const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey };

  before(async () => {
    // info: Herald logs one "session ended" line with counters per WebSocket session.
    // The longest ack window: on a busy machine Firefox's ack can take longer than the default 100 ms,
    // and then the message is (correctly) stored, which the first test asserts does not happen.
    herald = await startHerald({ args: ['--log-level', 'info', '--ack-window-ms', '1000'] });
    page = new PageServer();
    await page.start();
    trap = new TrapProxy();
    await trap.start();
  });
  after(async () => {
    for (const ff of running) await ff.kill();
    await page?.stop();
    await trap?.stop();
    await herald?.dispose();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  function newProfile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'herald-ff-'));
    profiles.push(dir);
    writeProfile(dir, herald.wsUrl, trap.port);
    return dir;
  }

  /**
   * Launch Firefox with `profile` on the page, wait until its service worker is active and its push
   * service is connected, run `body`, then quit through the page. If `body` fails, Firefox is still
   * quit (killed if need be) and the body's error is what the test reports; otherwise the quit must
   * be clean (exit 0) and Firefox's push code must not have complained.
   */
  async function withFirefox<T>(profile: string, body: (ff: FirefoxProcess) => Promise<T>): Promise<T> {
    page.reset();
    const ff = launchFirefox(profile, page.url);
    running.add(ff);
    let result: T;
    try {
      try {
        await page.waitEvent('the service worker to be ready', (e) => e.type === 'sw-ready', 30_000);
        await ff.waitPushReady(30_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\nFirefox said:\n${ff.output().slice(-4000)}`);
      }
      const pages = page.events.filter((e) => e.type === 'sw-ready' || e.type === 'hidden-page');
      assert.equal(pages.length, 1, `one page, the tab the test opened: ${JSON.stringify(pages)}`);
      result = await body(ff);
    } catch (err) {
      await ff.quit(page);
      running.delete(ff);
      throw err;
    }
    await ff.quit(page);
    running.delete(ff);
    assert.deepEqual(ff.exit(), { code: 0, signal: null }, 'Firefox quit cleanly through window.close()');
    assert.deepEqual(ff.pushComplaints(), [], "Firefox's push code logged no error or warning");
    return result;
  }

  /** Run a page action; on failure, show what the page and Firefox said. */
  async function command(ff: FirefoxProcess, type: string, args: object = {}): Promise<PageEvent> {
    try {
      return await page.command(type, args);
    } catch (err) {
      throw new Error(`${(err as Error).message}\npage events: ${JSON.stringify(page.events)}\nFirefox said:\n${ff.output().slice(-4000)}`);
    }
  }

  async function subscribe(ff: FirefoxProcess, key?: string): Promise<Subscription> {
    const res = await command(ff, 'subscribe', key ? { key } : {});
    return res.subscription as Subscription;
  }

  /** The push events the service worker reported, in arrival order. */
  const swPushes = () => page.events.filter((e) => e.type === 'push') as Array<PageEvent & { text: string | null; hasData: boolean }>;

  async function waitPushes(count: number, timeoutMs = 10_000) {
    await waitFor(`${count} push event(s) in the service worker, have ${swPushes().length}`, () => swPushes().length >= count, timeoutMs);
    return swPushes();
  }

  /** The uaid Firefox got in its latest hello reply. */
  function uaidOf(ff: FirefoxProcess): string {
    const replies = ff.framesOf('received', 'hello');
    const uaid = replies.at(-1)?.uaid;
    assert.equal(typeof uaid, 'string');
    return uaid as string;
  }

  /** Herald's "session ended" lines for a uaid, waiting (bounded) until there are `count`. */
  async function sessionsEnded(uaid: string, count = 1): Promise<SessionEnded[]> {
    const hash = uaidHash(uaid);
    const read = () =>
      herald
        .output()
        .split('\n')
        .filter((l) => l.includes('"session ended"'))
        .map((l) => JSON.parse(l) as SessionEnded)
        .filter((s) => s.uaid_hash === hash);
    await waitFor(`${count} ended session(s) of ${uaid} in Herald's log`, () => read().length >= count, 10_000);
    return read();
  }

  const noTrapHits = () => assert.deepEqual(trap.hits, [], 'Firefox sent nothing off the box');

  async function send(sub: Subscription, payload: string | null, opts: webpush.RequestOptions = {}) {
    return sendNotification(sub, payload, { TTL: 60, ...opts });
  }

  it('subscribes with a VAPID key (v2 endpoint), gets the exact aes128gcm text from web-push, and acks it', async (t: TestContext) => {
    const profile = newProfile();
    const text = 'Grüße aus Herald ✓ — 🚀';
    const { uaid, endpoint, version } = await withFirefox(profile, async (ff) => {
      const sub = await subscribe(ff, vapid.publicKey);
      assert.match(sub.endpoint, new RegExp(`^${herald.endpointUrl}/wpush/v2/`));
      const [register] = ff.framesOf('sent', 'register');
      assert.ok(register, 'Firefox sent a register frame');
      assert.deepEqual(Buffer.from(register.key as string, 'base64url'), Buffer.from(vapid.publicKey, 'base64url'), 'register carries the VAPID key');
      assert.equal(ff.framesOf('sent', 'hello')[0]?.uaid, undefined, 'a fresh profile says hello without a uaid');
      const uaid = uaidOf(ff);
      assert.match(uaid, /^[0-9a-f]{32}$/);

      const res = await send(sub, text, { vapidDetails, contentEncoding: 'aes128gcm' });
      assert.equal(res.statusCode, 201);
      const [push] = await waitPushes(1);
      assert.equal(push!.text, text, 'the service worker got the exact text');

      const [note] = ff.framesOf('received', 'notification');
      const version = note!.version as string;
      assert.deepEqual(note!.headers, { encoding: 'aes128gcm' });
      const ack = await ff.waitFrame('the ack', (f) => f.dir === 'sent' && f.frame.messageType === 'ack');
      assert.deepEqual(ack.frame.updates, [{ channelID: register.channelID, version, code: 100 }]);
      assert.equal(ff.framesOf('sent', 'nack').length, 0);
      return { uaid, endpoint: sub.endpoint, version };
    });
    const [session] = await sessionsEnded(uaid);
    assert.equal(session!.registers, 1);
    assert.equal(session!.direct_acked, 1, 'Herald matched the ack');
    assert.equal(session!.direct_storage, 0, 'nothing unacked was saved for later');

    // The same profile again: same uaid and endpoint, and the acked message is not delivered again.
    await withFirefox(profile, async (ff) => {
      assert.equal(ff.framesOf('sent', 'hello')[0]?.uaid, uaid, 'hello carries the uaid once subscribed');
      assert.equal(uaidOf(ff), uaid);
      const { subscription } = await command(ff, 'getSubscription');
      assert.equal((subscription as Subscription).endpoint, endpoint);
      await sleep(1500);
      assert.deepEqual(ff.framesOf('received', 'notification'), [], 'no redelivery after the ack');
      assert.deepEqual(swPushes(), []);
    });
    const sessions = await sessionsEnded(uaid, 2);
    assert.equal(sessions[1]!.stored_retrieved, 0);
    t.diagnostic(`message ${version.slice(0, 16)}… delivered once and acked`);
    noTrapHits();
  });

  it('decrypts a legacy aesgcm payload and delivers a message without payload as data null', async () => {
    await withFirefox(newProfile(), async (ff) => {
      // No applicationServerKey: a v1 endpoint, and web-push sends without VAPID.
      const sub = await subscribe(ff);
      assert.match(sub.endpoint, new RegExp(`^${herald.endpointUrl}/wpush/v1/`));
      assert.equal(ff.framesOf('sent', 'register')[0]?.key, undefined);

      assert.equal((await send(sub, 'legacy aesgcm ✓', { contentEncoding: 'aesgcm' })).statusCode, 201);
      await waitPushes(1);
      assert.equal((await send(sub, null)).statusCode, 201);
      const pushes = await waitPushes(2);
      assert.deepEqual(
        pushes.map((p) => [p.text, p.hasData]),
        [
          ['legacy aesgcm ✓', true],
          [null, false],
        ],
      );

      const notes = ff.framesOf('received', 'notification');
      assert.equal(notes.length, 2);
      const headers = notes[0]!.headers as Record<string, string>;
      assert.equal(headers.encoding, 'aesgcm');
      assert.match(headers.encryption ?? '', /^salt=/);
      assert.match(headers.crypto_key ?? '', /dh=/);
      assert.equal('data' in notes[1]!, false, 'an empty message carries no data');
      assert.equal('headers' in notes[1]!, false, 'an empty message carries no headers');
      await waitFor('two acks', () => ff.framesOf('sent', 'ack').length >= 2, 5000);
      const acked = ff.framesOf('sent', 'ack').flatMap((a) => a.updates as Array<{ version: string; code: number }>);
      assert.deepEqual(
        acked.map((u) => [u.version, u.code]),
        notes.map((n) => [n.version, 100]),
      );
    });
    noTrapHits();
  });

  it('delivers what was sent while Firefox was not running, after a restart with the same profile', async () => {
    const profile = newProfile();
    const { sub, uaid } = await withFirefox(profile, async (ff) => ({ sub: await subscribe(ff, vapid.publicKey), uaid: uaidOf(ff) }));
    await sessionsEnded(uaid); // Herald knows the UA is gone: the next sends are stored

    assert.equal((await send(sub, 'sent while away', { vapidDetails })).statusCode, 201);
    assert.equal((await send(sub, 'old news', { vapidDetails, topic: 'news' })).statusCode, 201);
    assert.equal((await send(sub, 'new news', { vapidDetails, topic: 'news' })).statusCode, 201);
    assert.equal((await send(sub, 'expires before Firefox is back', { vapidDetails, TTL: 1 })).statusCode, 201);
    await sleep(2000);

    await withFirefox(profile, async (ff) => {
      assert.equal(ff.framesOf('sent', 'hello')[0]?.uaid, uaid, 'same uaid in the hello');
      assert.equal(uaidOf(ff), uaid, 'Herald kept the uaid');
      const { subscription } = await command(ff, 'getSubscription');
      assert.equal((subscription as Subscription).endpoint, sub.endpoint, 'same endpoint');
      await waitPushes(2);
      await sleep(1500); // anything else (the replaced or the expired message) would come now
      assert.deepEqual(swPushes().map((p) => p.text).sort(), ['new news', 'sent while away']);
      assert.equal(ff.framesOf('received', 'notification').length, 2);
      await waitFor('two acks', () => ff.framesOf('sent', 'ack').length >= 2, 5000);
      assert.equal(page.events.filter((e) => e.type === 'pushsubscriptionchange').length, 0);
    });
    const sessions = await sessionsEnded(uaid, 2);
    assert.equal(sessions[1]!.stored_retrieved, 2);
    assert.equal(sessions[1]!.stored_acked, 2);
    noTrapHits();
  });

  it('unsubscribe(): Firefox unregisters and the next send answers 410', async () => {
    await withFirefox(newProfile(), async (ff) => {
      const sub = await subscribe(ff, vapid.publicKey);
      const { result } = await command(ff, 'unsubscribe');
      assert.equal(result, true);
      const [unregister] = ff.framesOf('sent', 'unregister');
      assert.deepEqual(unregister, { channelID: ff.framesOf('sent', 'register')[0]?.channelID, messageType: 'unregister', code: 200 });
      assert.equal(ff.framesOf('received', 'unregister')[0]?.status, 200);
      const { subscription } = await command(ff, 'getSubscription');
      assert.equal(subscription, null);

      await assert.rejects(send(sub, 'too late', { vapidDetails }), (err: unknown) => {
        assert.ok(err instanceof WebPushSendError);
        assert.equal(err.statusCode, 410);
        return true;
      });
      await sleep(500);
      assert.deepEqual(swPushes(), []);
    });
    noTrapHits();
  });

  it('reconnects after Herald restarts and keeps receiving', async (t: TestContext) => {
    await withFirefox(newProfile(), async (ff) => {
      const sub = await subscribe(ff, vapid.publicKey);
      const uaid = uaidOf(ff);
      await send(sub, 'before the restart', { vapidDetails });
      await waitPushes(1);

      const restartedAt = Date.now();
      await herald.restart();
      const upAt = Date.now();
      // Firefox retries after its backoff (dom.push.retryBaseInterval, 5 s), then says hello again.
      const hello = await ff.waitFrame('a hello on the new connection', (f) => f.dir === 'sent' && f.frame.messageType === 'hello' && f.at > restartedAt, 30_000);
      assert.equal(hello.frame.uaid, uaid);
      await ff.waitFrame('the hello reply', (f) => f.dir === 'received' && f.frame.messageType === 'hello' && f.at >= hello.at, 10_000);
      assert.equal(uaidOf(ff), uaid, 'same uaid after the restart');
      assert.match(ff.output(), /"wsOnServerClose\(\)" 1001 "ServerShutdown"/, 'Firefox saw the shutdown close');
      t.diagnostic(`Herald down for ${upAt - restartedAt} ms; Firefox said hello again ${hello.at - restartedAt} ms after the stop began`);

      assert.equal((await send(sub, 'after the restart', { vapidDetails })).statusCode, 201);
      const pushes = await waitPushes(2);
      assert.deepEqual(pushes.map((p) => p.text), ['before the restart', 'after the restart']);
      assert.equal(page.events.filter((e) => e.type === 'pushsubscriptionchange').length, 0);
    });
    noTrapHits();
  });

  describe('a service worker whose push handler fails', () => {
    let profile = '';
    let version = '';

    it('makes Firefox ack then nack (302), and Herald records the nack', async () => {
      profile = newProfile();
      const uaid = await withFirefox(profile, async (ff) => {
        const sub = await subscribe(ff, vapid.publicKey);
        await send(sub, 'fail on purpose', { vapidDetails });
        await waitPushes(1);
        const nack = await ff.waitFrame('the nack', (f) => f.dir === 'sent' && f.frame.messageType === 'nack', 5000);
        version = ff.framesOf('received', 'notification')[0]!.version as string;
        assert.deepEqual(nack.frame, { messageType: 'nack', version, code: 302 });
        // Firefox acks as soon as the push event is dispatched, before waitUntil settles.
        const replies = ff.frames.filter((f) => f.dir === 'sent' && ['ack', 'nack'].includes(f.frame.messageType as string));
        assert.deepEqual(
          replies.map((f) => f.frame.messageType),
          ['ack', 'nack'],
        );
        assert.deepEqual((replies[0]!.frame.updates as unknown[])[0], { channelID: ff.framesOf('sent', 'register')[0]!.channelID, version, code: 100 });
        return uaidOf(ff);
      });
      const [session] = await sessionsEnded(uaid);
      assert.equal(session!.nacks, 1, 'Herald counted the nack');
      noTrapHits();
    });

    it('redelivers the nacked message on the next connection, under a new id the service worker sees', async () => {
      assert.ok(profile && version, 'the previous scenario ran');
      const uaid = await withFirefox(profile, async (ff) => {
        const note = await ff.waitFrame('the nacked message again', (f) => f.dir === 'received' && f.frame.messageType === 'notification', 10_000);
        assert.notEqual(note.frame.version, version, 'a new id: Firefox drops ids it has seen');
        const pushes = await waitPushes(1);
        assert.deepEqual(pushes.map((p) => p.text), ['fail on purpose'], 'the service worker got the message again');
        // Its handler fails again: Firefox nacks the copy too, and Herald keeps at most three redeliveries.
        await ff.waitFrame('the nack of the copy', (f) => f.dir === 'sent' && f.frame.messageType === 'nack' && f.frame.version === note.frame.version, 5000);
        return uaidOf(ff);
      });
      const sessions = await sessionsEnded(uaid, 2);
      assert.equal(sessions[1]!.stored_retrieved, 1, 'the copy came from storage');
      assert.equal(sessions[1]!.nacks, 1);
      noTrapHits();
    });
  });
});
