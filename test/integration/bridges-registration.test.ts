/**
 * The bridge registration API on a real Herald process (docs/bridges.md), with the stub bridge:
 * register, push with web-push, refresh the token, add and remove channels, a wrong secret, an
 * unregistered token removing the user.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import webpush from 'web-push';
import { BridgeApiError, BridgeRegistration } from '../../src/sdk/bridge-client.js';
import { BridgeDevice } from './helpers/bridge-device.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { sendNotification, WebPushSendError } from './helpers/web-push-send.js';

const vapid = webpush.generateVAPIDKeys();
let herald: HeraldProcess;

before(async () => {
  herald = await startHerald({ args: ['--bridge-stub', 'on', '--auth-keys', 'integration-auth-key'] });
});
after(() => herald?.dispose());

const vapidDetails = () => ({ subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey });

describe('bridge registration API on a running Herald', () => {
  it('prints the bridges it serves at start', () => {
    assert.match(herald.output(), /Native-app bridges:\s+stub/);
  });

  it('registers a device, accepts a web-push push to its endpoint, and lists its channel', async () => {
    const device = new BridgeDevice(herald.publicUrl, 'stub', 'success');
    const reg = await device.register('device-token-0001');
    const res = await sendNotification(device.subscription(), 'hello', { vapidDetails: vapidDetails(), TTL: 60 });
    assert.equal(res.statusCode, 201);
    assert.ok(res.headers.location?.includes('/m/'));
    const list = await device.call('GET', '');
    assert.deepEqual(await list.json(), { uaid: reg.uaid, channelIDs: [reg.channelID] });
  });

  it('refreshes the token, adds and removes a channel', async () => {
    const device = new BridgeDevice(herald.publicUrl, 'stub', 'success');
    await device.register('device-token-0002');
    assert.equal((await device.call('PUT', '', { token: 'device-token-0003' })).status, 200);
    const added = await device.call('POST', '/subscription', {});
    assert.equal(added.status, 200);
    const { channelID, endpoint } = (await added.json()) as { channelID: string; endpoint: string };
    assert.equal((await sendNotification(device.subscription(endpoint), 'to the new channel', { vapidDetails: vapidDetails(), TTL: 60 })).statusCode, 201);
    assert.equal((await device.call('DELETE', `/subscription/${channelID}`)).status, 200);
    await assert.rejects(sendNotification(device.subscription(endpoint), 'gone', { vapidDetails: vapidDetails(), TTL: 60 }), (e: unknown) => e instanceof WebPushSendError && e.statusCode === 410);
  });

  it('answers 401 with errno 109 to a wrong secret', async () => {
    const device = new BridgeDevice(herald.publicUrl, 'stub', 'success');
    await device.register('device-token-0004');
    const res = await device.call('GET', '', undefined, '0'.repeat(64));
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { errno: number }).errno, 109);
  });

  it('answers 400 with errno 108 to an unknown router type', async () => {
    const res = await fetch(`${herald.publicUrl}/v1/pigeon/app/registration`, { method: 'POST', body: JSON.stringify({ token: 'device-token-0005' }) });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { errno: number }).errno, 108);
  });

  it('a token the bridge says is unregistered: 410 to the sender, and the registration is gone (410, errno 103)', async () => {
    const device = new BridgeDevice(herald.publicUrl, 'stub', 'success');
    await device.register('unregistered');
    await assert.rejects(sendNotification(device.subscription(), 'x', { vapidDetails: vapidDetails(), TTL: 60 }), (e: unknown) => e instanceof WebPushSendError && e.statusCode === 410);
    const res = await device.call('GET', '');
    assert.equal(res.status, 410);
    assert.equal(((await res.json()) as { errno: number }).errno, 103);
  });

  it('deletes a registration', async () => {
    const device = new BridgeDevice(herald.publicUrl, 'stub', 'success');
    await device.register('device-token-0006');
    assert.equal((await device.call('DELETE', '')).status, 200);
    assert.equal((await device.call('GET', '')).status, 410);
  });
});

describe('SDK bridge client (BridgeRegistration)', () => {
  it('registers, refreshes its token, adds and removes channels, survives a restore from its state, and unregisters', async () => {
    const { registration, channel } = await BridgeRegistration.register(herald.publicUrl, 'stub', 'success', 'sdk-device-token');
    await registration.refreshToken('sdk-device-token-2');
    const added = await registration.addChannel();
    assert.deepEqual(new Set(await registration.channels()), new Set([channel.channelID, added.channelID]));
    const restored = BridgeRegistration.restore(JSON.parse(JSON.stringify(registration.state)));
    await restored.removeChannel(added.channelID);
    assert.deepEqual(await restored.channels(), [channel.channelID]);
    await restored.unregister();
    await assert.rejects(registration.channels(), (e: unknown) => e instanceof BridgeApiError && e.status === 410 && e.errno === 103);
  });

  it('reports a refused registration with its status and errno', async () => {
    await assert.rejects(BridgeRegistration.register(herald.publicUrl, 'stub', 'nope', 'sdk-device-token'), (e: unknown) => e instanceof BridgeApiError && e.status === 400 && e.errno === 106);
  });
});

describe('bridges on an endpoint-only node', () => {
  it('serves the registration API and bridged pushes on `herald endpoint`', async () => {
    const node = await startHerald({ role: 'endpoint', args: ['--bridge-stub', 'on', '--auth-keys', 'endpoint-node-key'] });
    try {
      const device = new BridgeDevice(node.publicUrl, 'stub', 'success');
      await device.register('endpoint-node-token');
      assert.equal((await sendNotification(device.subscription(), 'via an endpoint node', { vapidDetails: vapidDetails(), TTL: 60 })).statusCode, 201);
    } finally {
      await node.dispose();
    }
  });
});

describe('bridge configuration errors stop the start', () => {
  it('a bridge without --auth-keys names the setting', async () => {
    await assert.rejects(startHerald({ args: ['--bridge-stub', 'on'] }), /--auth-keys/);
  });
});
