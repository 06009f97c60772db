import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../test-harness.js';

describe('device messages (the recipe\'s messages API)', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp()));
  after(() => t.close());

  it('stores a sendtab message, pushes {topic, url, index}, and the target reads it by the URL', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const target = await t.device(a);
    const res = await t.call('POST', '/v1/account/devices/messages', { token: sender.token, body: { to: target.id, topic: 'sendtab', data: 'Y2lwaGVydGV4dA' } });
    assert.deepEqual([res.status, res.json], [200, { enqueued: true, notified: true }]);
    const [push] = await t.pushesOf(target);
    assert.equal(push.topic, 'sendtab');
    const index = push.index;
    const url = new URL(push.url);
    assert.equal(url.pathname, '/v1/account/device/messages');
    assert.deepEqual([url.searchParams.get('index'), url.searchParams.get('limit')], [String(index - 1), '1'], 'exclusive: the URL asks for what follows index - 1');
    assert.equal(t.pushes.at(-1)!.headers.ttl, '3600');
    const got = await t.call('GET', `${url.pathname}${url.search}`, { token: target.token });
    assert.deepEqual(got.json, { index, last: true, messages: [{ index, data: { topic: 'sendtab', data: 'Y2lwaGVydGV4dA', sender: sender.id } }] });
    assert.deepEqual((await t.call('GET', '/v1/account/device/messages?limit=0', { token: target.token })).json, { index });
    assert.deepEqual((await t.call('GET', '/v1/account/device/commands', { token: target.token })).json.messages, [], 'a separate box from commands');
  });

  it('reads strictly after the index given; an empty page answers the caller\'s index, never a rewind', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const target = await t.device(a);
    const read = async (q: string) => (await t.call('GET', `/v1/account/device/messages${q}`, { token: target.token })).json;
    assert.deepEqual(await read(''), { index: 0, last: true, messages: [] }, 'an empty mailbox from the start');
    assert.deepEqual(await read('?index=777'), { index: 777, last: true, messages: [] }, 'the caller\'s own index back');
    const indexes: number[] = [];
    for (const data of ['AA', 'BB', 'CC']) {
      await t.call('POST', '/v1/account/devices/messages', { token: sender.token, body: { to: target.id, topic: 'sendtab', data } });
      indexes.push((await t.pushesOf(target)).at(-1).index);
    }
    const [i0, i1, i2] = indexes as [number, number, number];
    const all = await read('?index=0');
    assert.deepEqual([all.index, all.last, all.messages.map((m: any) => m.index)], [i2, true, indexes]);
    const after = await read(`?index=${i0}`);
    assert.deepEqual(after.messages.map((m: any) => m.index), [i1, i2], 'the message at the index given is not read again');
    const page = await read(`?index=${i0}&limit=1`);
    assert.deepEqual([page.index, page.last, page.messages.map((m: any) => m.index)], [i1, false, [i1]]);
    assert.deepEqual(await read(`?index=${i2}`), { index: i2, last: true, messages: [] }, 'an empty page keeps the reader where it is');
    assert.deepEqual(await read(`?index=${i2 + 50}`), { index: i2 + 50, last: true, messages: [] }, 'never rewinds, not even past the latest');
    assert.deepEqual(await read(`?index=${i2 + 50}&limit=0`), { index: i2 + 50 });
    assert.deepEqual(await read(`?index=${i0}&limit=0`), { index: i2 });
    t.clock.advance(31 * 86_400_000);
    assert.deepEqual(await read(`?index=${i1}`), { index: i1, last: true, messages: [] }, 'all expired: still the caller\'s index');
  });

  it('accepts any topic matching the pattern, and ?topic= reads only that topic', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const target = await t.device(a);
    const sent: Record<string, number[]> = { sendtab: [], 'ping.v1': [] };
    for (const topic of ['ping.v1', 'sendtab', 'ping.v1', 'ping.v1', 'sendtab', 'ping.v1']) {
      const res = await t.call('POST', '/v1/account/devices/messages', { token: sender.token, body: { to: target.id, topic, data: 'AA' } });
      assert.equal(res.status, 200);
      const push = (await t.pushesOf(target)).at(-1);
      assert.equal(push.topic, topic);
      sent[topic]!.push(push.index);
    }
    const read = async (q: string) => (await t.call('GET', `/v1/account/device/messages${q}`, { token: target.token })).json;
    const tabs = await read('?topic=sendtab');
    assert.deepEqual(tabs.messages.map((m: any) => [m.index, m.data.topic]), sent.sendtab!.map((i) => [i, 'sendtab']));
    assert.equal(tabs.index, sent['ping.v1']!.at(-1), 'the reader stands past the other topics it looked at');
    assert.equal(tabs.last, true);
    const one = await read('?topic=sendtab&limit=1');
    assert.deepEqual([one.index, one.last, one.messages.length], [sent.sendtab![0], false, 1]);
    const next = await read(`?topic=sendtab&limit=1&index=${one.index}`);
    assert.deepEqual(next.messages.map((m: any) => m.index), [sent.sendtab![1]]);
    assert.deepEqual((await read(`?topic=sendtab&index=${next.index}`)).messages, []);
    assert.equal((await read('')).messages.length, 6, 'without ?topic= every topic');
    for (const q of ['?topic=', '?topic=Sendtab', '?topic=a%20b', `?topic=${'a'.repeat(65)}`]) {
      const res = await t.call('GET', `/v1/account/device/messages${q}`, { token: target.token });
      assert.deepEqual([res.status, res.json.errno], [400, 107], q);
    }
  });

  it('a filtered read looks at no more than MAX_SCAN entries and then answers last: false with its position', async () => {
    const { MAX_SCAN } = await import('../mailbox.js');
    const a = await t.signUp();
    const sender = await t.device(a);
    const target = await t.device(a);
    const key = { uid: target.uid, deviceId: target.id, box: 'messages' as const };
    for (let i = 0; i < MAX_SCAN + 5; i++) await t.mailbox.append(key, JSON.stringify({ topic: 'noise', data: 'AA' }), 3600);
    // Straight into the store: through the API the device quota (1000) would refuse it.
    const tab = await t.mailbox.append(key, JSON.stringify({ topic: 'sendtab', data: 'AA', sender: sender.id }), 3600);
    const first = (await t.call('GET', '/v1/account/device/messages?topic=sendtab', { token: target.token })).json;
    assert.deepEqual([first.last, first.messages.length], [false, 0]);
    assert.ok(first.index > 0 && first.index < tab);
    const second = (await t.call('GET', `/v1/account/device/messages?topic=sendtab&index=${first.index}`, { token: target.token })).json;
    assert.deepEqual([second.index, second.last, second.messages.map((m: any) => m.index)], [tab, true, [tab]]);
  });

  it('only targets devices with the messages capability', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const old = await t.device(a, { capabilities: [] });
    const res = await t.call('POST', '/v1/account/devices/messages', { token: sender.token, body: { to: old.id, topic: 'sendtab', data: 'AA' } });
    assert.deepEqual([res.status, res.json.errno], [400, 157]);
    assert.equal((await t.pushesOf(old)).length, 0);
  });

  it('refuses unknown devices, topics off the pattern, non-base64url data and oversize data', async () => {
    const a = await t.signUp();
    const sender = await t.device(a);
    const target = await t.device(a);
    const send = (body: unknown) => t.call('POST', '/v1/account/devices/messages', { token: sender.token, body });
    assert.deepEqual((await send({ to: 'a'.repeat(32), topic: 'sendtab', data: 'AA' })).json.errno, 123);
    for (const topic of ['', 'Other', 'two words', '-lead', 'x'.repeat(65), 7]) assert.deepEqual((await send({ to: target.id, topic, data: 'AA' })).json.errno, 107, String(topic));
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
