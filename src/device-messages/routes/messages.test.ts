import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../test-harness.js';

describe('device messages (the recipe\'s messages API)', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp()));
  after(() => t.close());

  it('stores a sendtab message, pushes {topic, url}, and the target reads it', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const target = await t.device(a);
    const res = await t.call('POST', '/v1/account/devices/messages', { token: sender.token, body: { to: target.id, topic: 'sendtab', data: 'Y2lwaGVydGV4dA' } });
    assert.deepEqual([res.status, res.json], [200, { enqueued: true, notified: true }]);
    const [push] = await t.pushesOf(target);
    assert.equal(push.topic, 'sendtab');
    const url = new URL(push.url);
    const index = Number(url.searchParams.get('index'));
    assert.equal(url.pathname, '/v1/account/device/messages');
    assert.equal(t.pushes.at(-1)!.headers.ttl, '3600');
    const got = await t.call('GET', `${url.pathname}${url.search}`, { token: target.token });
    assert.deepEqual(got.json, { index, last: true, messages: [{ index, data: { topic: 'sendtab', data: 'Y2lwaGVydGV4dA', sender: sender.id } }] });
    assert.deepEqual((await t.call('GET', '/v1/account/device/messages?limit=0', { token: target.token })).json, { index });
    assert.deepEqual((await t.call('GET', '/v1/account/device/commands', { token: target.token })).json.messages, [], 'a separate box from commands');
  });

  it('only targets devices with the messages capability', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const old = await t.device(a, { capabilities: [] });
    const res = await t.call('POST', '/v1/account/devices/messages', { token: sender.token, body: { to: old.id, topic: 'sendtab', data: 'AA' } });
    assert.deepEqual([res.status, res.json.errno], [400, 157]);
    assert.equal((await t.pushesOf(old)).length, 0);
  });

  it('refuses unknown devices, other topics, non-base64url data and oversize data', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const target = await t.device(a);
    const send = (body: unknown) => t.call('POST', '/v1/account/devices/messages', { token: sender.token, body });
    assert.deepEqual((await send({ to: 'a'.repeat(32), topic: 'sendtab', data: 'AA' })).json.errno, 123);
    assert.deepEqual((await send({ to: target.id, topic: 'other', data: 'AA' })).json.errno, 107);
    assert.deepEqual((await send({ to: target.id, topic: 'sendtab', data: 'not base64!' })).json.errno, 107);
    const big = await send({ to: target.id, topic: 'sendtab', data: 'A'.repeat(t.settings.maxMessageBytes) });
    assert.deepEqual([big.status, big.json.errno], [413, 113]);
    assert.equal((await t.call('GET', '/v1/account/device/messages', { token: target.token })).json.messages.length, 0);
  });

  it('expires messages by their TTL and the sweep deletes them', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const target = await t.device(a);
    await t.call('POST', '/v1/account/devices/messages', { token: sender.token, body: { to: target.id, topic: 'sendtab', data: 'AA', ttl: 30 } });
    await t.call('POST', '/v1/account/devices/messages', { token: sender.token, body: { to: target.id, topic: 'sendtab', data: 'BB' } });
    assert.equal(t.pushes.filter((p) => p.url === target.callback).at(0)!.headers.ttl, '30', 'a push never outlives its message');
    t.clock.advance(30_000);
    const left = await t.call('GET', '/v1/account/device/messages', { token: target.token });
    assert.deepEqual(left.json.messages.map((m: any) => m.data.data), ['BB']);
    assert.ok((await t.handle.sweepNow()) >= 1);
    t.clock.advance(-30_000);
    const after = await t.call('GET', '/v1/account/device/messages', { token: target.token });
    assert.deepEqual(after.json.messages.map((m: any) => m.data.data), ['BB'], 'the expired row is gone, not hidden');
  });
});
