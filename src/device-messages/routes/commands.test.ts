import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestDevice } from '../test-harness.js';

const OPEN_URI = 'https://identity.mozilla.com/cmd/open-uri';
const DAY = 86_400;

describe('device commands', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp()));
  after(() => t.close());

  async function pair(): Promise<{ sender: TestDevice; target: TestDevice }> {
    const a = await t.signUp();
    const sender = await t.device(a, { name: 'sender' });
    const target = await t.device(a, { name: 'target', availableCommands: { [OPEN_URI]: 'bundle', 'custom:ping': '' } });
    return { sender, target };
  }
  const invoke = (from: TestDevice, body: unknown) => t.call('POST', '/v1/account/devices/invoke_command', { token: from.token, body });
  const read = (as: TestDevice, query = '') => t.call('GET', `/v1/account/device/commands${query}`, { token: as.token });

  it('stores a command, pushes command_received with the index and a fetch URL, and answers enqueued and notified', async () => {
    const { sender, target } = await pair();
    const res = await invoke(sender, { target: target.id, command: OPEN_URI, payload: { encrypted: 'abc' } });
    assert.deepEqual([res.status, res.json], [200, { enqueued: true, notified: true }]);
    const [push] = await t.pushesOf(target);
    const index = push.data.index;
    assert.deepEqual(push, {
      version: 1,
      command: 'fxaccounts:command_received',
      data: { command: OPEN_URI, index, sender: sender.id, url: `https://push.example.com/v1/account/device/commands?index=${index}&limit=1` },
    });
    const fetched = await t.call('GET', new URL(push.data.url).pathname + new URL(push.data.url).search, { token: target.token });
    assert.deepEqual(fetched.json, { index, last: true, messages: [{ index, data: { command: OPEN_URI, payload: { encrypted: 'abc' }, sender: sender.id } }] });
  });

  it('keeps Send Tab for the clamped 28 days and pushes it with that same TTL', async () => {
    const { sender, target } = await pair();
    await invoke(sender, { target: target.id, command: OPEN_URI, payload: {} });
    const push = t.pushes.filter((p) => p.url === target.callback).at(-1)!;
    assert.equal(push.headers.ttl, String(28 * DAY));
    t.clock.advance(28 * DAY * 1000 - 1000);
    assert.equal((await read(target)).json.messages.length, 1);
    t.clock.advance(1000);
    assert.deepEqual((await read(target)).json, { index: 0, last: true, messages: [] });
  });

  it('clamps a longer TTL, keeps a shorter one, and pushes other commands without a TTL for 6 hours', async () => {
    const { sender, target } = await pair();
    await invoke(sender, { target: target.id, command: 'custom:ping', payload: {}, ttl: 60 });
    assert.equal(t.pushes.at(-1)!.headers.ttl, '60');
    await invoke(sender, { target: target.id, command: 'custom:ping', payload: {}, ttl: 10_000_000 });
    assert.equal(t.pushes.at(-1)!.headers.ttl, String(28 * DAY));
    await invoke(sender, { target: target.id, command: 'custom:ping', payload: {} });
    assert.equal(t.pushes.at(-1)!.headers.ttl, String(6 * 3600));
    t.clock.advance(61_000);
    assert.equal((await read(target)).json.messages.length, 2, 'the 60-second one expired');
  });

  it('reads from an inclusive index with a limit, in index order, deleting nothing', async () => {
    const { sender, target } = await pair();
    const indexes: number[] = [];
    for (let i = 0; i < 5; i++) {
      await invoke(sender, { target: target.id, command: 'custom:ping', payload: { i } });
      indexes.push((await t.pushesOf(target)).at(-1).data.index);
    }
    const all = (await read(target)).json;
    assert.deepEqual(all.messages.map((m: any) => m.data.payload.i), [0, 1, 2, 3, 4]);
    assert.equal(all.index, indexes[4]);
    const page = (await read(target, `?index=${indexes[1]}&limit=2`)).json;
    assert.deepEqual([page.index, page.last, page.messages.map((m: any) => m.index)], [indexes[2], false, [indexes[1], indexes[2]]]);
    const rest = (await read(target, `?index=${indexes[2]! + 1}&limit=100`)).json;
    assert.deepEqual([rest.last, rest.messages.length], [true, 2]);
    assert.deepEqual((await read(target, '?limit=0')).json, { index: indexes[4] });
    assert.equal((await read(target)).json.messages.length, 5, 'reads delete nothing');
  });

  it('rejects bad index and limit values with 400 errno 107', async () => {
    const { target } = await pair();
    for (const q of ['?index=-1', '?index=abc', '?limit=101', '?limit=-1', '?limit=1.5', '?index=1e3']) {
      const res = await read(target, q);
      assert.deepEqual([res.status, res.json.errno], [400, 107], q);
    }
  });

  it('refuses unknown targets (123), commands the target does not list (157) and bad bodies (107)', async () => {
    const { sender, target } = await pair();
    const unknown = await invoke(sender, { target: 'f'.repeat(32), command: OPEN_URI, payload: {} });
    assert.deepEqual([unknown.status, unknown.json.errno], [400, 123]);
    const unavailable = await invoke(sender, { target: target.id, command: 'https://identity.mozilla.com/cmd/close-uri/v1', payload: {} });
    assert.deepEqual([unavailable.status, unavailable.json.errno, unavailable.json.message], [400, 157, 'Unavailable device command']);
    const proto = await invoke(sender, { target: target.id, command: 'constructor', payload: {} });
    assert.equal(proto.json.errno, 157, 'only the target\'s own commands count');
    for (const body of [{ target: target.id, command: OPEN_URI, payload: 'a string' }, { target: target.id, command: OPEN_URI }, { target: target.id, command: OPEN_URI, payload: {}, ttl: -1 }]) {
      const res = await invoke(sender, body);
      assert.deepEqual([res.status, res.json.errno], [400, 107], JSON.stringify(body));
    }
    assert.deepEqual((await read(target)).json.messages, [], 'nothing was stored');
  });

  it('refuses an oversize command with 413 errno 113 and stores nothing', async () => {
    const { sender, target } = await pair();
    const big = 'x'.repeat(t.settings.maxMessageBytes);
    const res = await invoke(sender, { target: target.id, command: OPEN_URI, payload: { encrypted: big } });
    assert.deepEqual([res.status, res.json.errno], [413, 113]);
    const huge = await invoke(sender, { target: target.id, command: OPEN_URI, payload: { encrypted: 'y'.repeat(3 * 1024 * 1024) } });
    assert.deepEqual([huge.status, huge.json.errno], [413, 113], 'over the body limit too');
    assert.deepEqual((await read(target)).json.messages, []);
    const fits = await invoke(sender, { target: target.id, command: OPEN_URI, payload: { encrypted: 'x'.repeat(t.settings.maxMessageBytes - 200) } });
    assert.equal(fits.status, 200);
    assert.equal((await read(target)).json.messages[0].data.payload.encrypted.length, t.settings.maxMessageBytes - 200, 'never truncated');
  });

  it('keeps the command when the push fails, and says so', async () => {
    const { sender, target } = await pair();
    t.pushStatus.set(target.callback, 503);
    const res = await invoke(sender, { target: target.id, command: OPEN_URI, payload: { n: 1 } });
    assert.deepEqual(res.json, { enqueued: true, notified: false, notifyError: 'rejected' });
    assert.equal((await read(target)).json.messages.length, 1);
    assert.equal((await t.accounts.getDevice(target.uid, target.id))?.pushEndpointExpired, false, 'a 503 is no expiry');
  });

  it('lets a session without a device send (sender absent) but not read (123)', async () => {
    const a = await t.signUp();
    const target = await t.device(a, { availableCommands: { 'custom:ping': '' } });
    const res = await t.call('POST', '/v1/account/devices/invoke_command', { token: a.token, body: { target: target.id, command: 'custom:ping', payload: {} } });
    assert.equal(res.status, 200);
    assert.equal((await t.pushesOf(target)).at(-1).data.sender, '');
    assert.deepEqual((await read(target)).json.messages[0].data, { command: 'custom:ping', payload: {} });
    const noDevice = await t.call('GET', '/v1/account/device/commands', { token: a.token });
    assert.deepEqual([noDevice.status, noDevice.json.errno], [400, 123]);
  });

  it('isolates accounts: no sending to another account\'s device, each device reads only its own mailbox', async () => {
    const x = await pair();
    const y = await pair();
    const cross = await invoke(x.sender, { target: y.target.id, command: OPEN_URI, payload: {} });
    assert.deepEqual([cross.status, cross.json.errno], [400, 123]);
    await invoke(x.sender, { target: x.target.id, command: OPEN_URI, payload: { secret: 1 } });
    assert.deepEqual((await read(y.target)).json.messages, []);
    assert.deepEqual((await read(x.sender)).json.messages, [], 'a sibling device cannot read the target\'s box');
    assert.equal((await read(x.target)).json.messages.length, 1);
  });

  it('answers a revoked session with 401 on every route', async () => {
    const { sender, target } = await pair();
    await t.call('POST', '/v1/session/destroy', { token: sender.token });
    assert.equal((await invoke(sender, { target: target.id, command: OPEN_URI, payload: {} })).status, 401);
    assert.equal((await read(sender)).status, 401);
  });
});
