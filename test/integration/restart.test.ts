/**
 * A restart (SIGTERM, then start again) loses no accepted message: stored messages survive, and
 * direct messages a connected user agent had not acked yet are saved on the way down.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import webpush from 'web-push';
import { sendNotification, type WebPushSendError } from './helpers/web-push-send.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';
import { sleep } from './helpers/wait.js';

describe('server restart', () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald();
  });
  after(async () => herald?.dispose());

  it('delivers every accepted message after SIGTERM and a new start', async () => {
    // A UA that receives direct messages but never acks them.
    const holder = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false, autoAck: false });
    const seen = collectPushes(holder);
    await holder.connect();
    const sub = await holder.subscribe();
    for (let i = 0; i < 3; i++) assert.equal((await sendNotification(sub, `direct-${i}`, { TTL: 600 })).statusCode, 201);
    await seen.waitCount(3);

    // An away UA with stored messages.
    const away = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false });
    await away.connect();
    const awaySub = await away.subscribe();
    await away.close();
    for (let i = 0; i < 3; i++) await sendNotification(awaySub, `stored-${i}`, { TTL: 600 });

    assert.equal(await herald.stop('SIGTERM'), 0, 'a clean exit');
    await holder.close();
    await herald.restart();

    const holderAgain = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false, state: holder.state });
    const got = collectPushes(holderAgain);
    await holderAgain.connect();
    assert.deepEqual((await got.waitCount(3)).map((p) => p.text), ['direct-0', 'direct-1', 'direct-2']);

    const awayAgain = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false, state: away.state });
    const got2 = collectPushes(awayAgain);
    await awayAgain.connect();
    assert.deepEqual((await got2.waitCount(3)).map((p) => p.text), ['stored-0', 'stored-1', 'stored-2']);

    // Endpoints made before the restart still work: keys were persisted on first start.
    await sendNotification(awaySub, 'after-restart', { TTL: 60 });
    assert.equal((await got2.waitCount(4))[3]!.text, 'after-restart');
    await sleep(100);
    await holderAgain.close();
    await awayAgain.close();
  });
});
