/**
 * `AccountDevice` against a live in-process Herald (the integration tests' composition): what it
 * registers, how it comes back from saved state, how it renews an expired push endpoint.
 * Delivery and recovery end to end are in test/integration/device-messages.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startHeraldWithAccounts, type HeraldWithAccounts } from '../../test/integration/helpers/herald-with-accounts.js';
import { AccountDevice, type AccountDeviceState } from './account-client.js';
import { sealSendTabKeys, generateSendTabKeys, SEND_TAB_COMMAND, SendTabError } from './send-tab.js';

const PASSWORD = 'client test passphrase';

describe('AccountDevice', () => {
  let herald: HeraldWithAccounts;
  const open: AccountDevice[] = [];
  before(async () => (herald = await startHeraldWithAccounts()));
  after(async () => {
    for (const d of open) await d.stop();
    await herald?.close();
  });

  async function started(make: () => Promise<AccountDevice> | AccountDevice): Promise<AccountDevice> {
    const d = await make();
    await d.start();
    open.push(d);
    return d;
  }
  const email = () => `sdk-${randomBytes(5).toString('hex')}@example.com`;

  it('registers its push subscription, Send Tab keys sealed under kSync and the messages capability', async () => {
    const saved: AccountDeviceState[] = [];
    const d = await started(() => AccountDevice.signUp({ serverUrl: herald.url, email: email(), password: PASSWORD, name: 'Node box', type: 'desktop', persist: (s) => void saved.push(s), reconnect: false }));
    const [me] = await d.devices();
    const sub = d.state.push.subscriptions[d.state.channelID!]!;
    assert.equal(me!.id, d.deviceId);
    assert.deepEqual([me!.name, me!.type, me!.isCurrentDevice, me!.capabilities], ['Node box', 'desktop', true, ['messages']]);
    assert.equal(me!.pushCallback, sub.endpoint);
    assert.equal(me!.pushPublicKey, sub.publicKey);
    assert.match(me!.pushCallback!, new RegExp(`^${herald.url}/wpush/`));
    assert.deepEqual(Object.keys(JSON.parse(me!.availableCommands[SEND_TAB_COMMAND]!)).sort(), ['IV', 'ciphertext', 'hmac', 'kid']);
    assert.equal(saved.at(-1)?.deviceId, d.deviceId, 'persisted with the device id');
  });

  it('comes back from saved state as the same device, with the same subscription', async () => {
    const account = email();
    const first = await started(() => AccountDevice.signUp({ serverUrl: herald.url, email: account, password: PASSWORD, reconnect: false }));
    const state = first.state;
    await first.stop();
    open.splice(open.indexOf(first), 1);
    const again = await started(() => new AccountDevice({ serverUrl: herald.url, state, reconnect: false }));
    assert.equal(again.deviceId, state.deviceId);
    assert.equal(again.state.channelID, state.channelID);
    assert.equal((await again.devices()).length, 1);
  });

  it('replaces a push endpoint the server reports expired, which clears the flag', async () => {
    const d = await started(() => AccountDevice.signUp({ serverUrl: herald.url, email: email(), password: PASSWORD, reconnect: false }));
    const before = (await d.devices())[0]!;
    await herald.stores.accounts.markPushEndpointExpired(d.state.uid, d.deviceId!, before.pushCallback!);
    await d.start();
    const after = (await d.devices())[0]!;
    assert.equal(after.pushEndpointExpired, false);
    assert.notEqual(after.pushCallback, before.pushCallback);
  });

  it('refuses to send a tab to a device whose keys are sealed under another kSync', async () => {
    const account = email();
    const a = await started(() => AccountDevice.signUp({ serverUrl: herald.url, email: account, password: PASSWORD, reconnect: false }));
    const b = await started(() => AccountDevice.signIn({ serverUrl: herald.url, email: account, password: PASSWORD, reconnect: false }));
    const stale = sealSendTabKeys(generateSendTabKeys(), { kSync: randomBytes(64), kXCS: randomBytes(16) });
    await b.api.registerDevice({ availableCommands: { [SEND_TAB_COMMAND]: stale } });
    await assert.rejects(a.sendTab(b.deviceId!, { title: 't', url: 'https://example.com/' }), SendTabError);
  });

  it('passes other account pushes on as account-event', async () => {
    const d = await started(() => AccountDevice.signUp({ serverUrl: herald.url, email: email(), password: PASSWORD, reconnect: false }));
    const seen = new Promise<{ command: string }>((resolve) => d.once('account-event', resolve));
    const res = await fetch(`${herald.url}/v1/account/profile`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.state.sessionToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Me' }),
    });
    assert.equal(res.status, 200);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no event within 5 s')), 5000)));
    const event = await Promise.race([seen, timeout]).finally(() => clearTimeout(timer));
    assert.deepEqual(event, { command: 'fxaccounts:profile_updated' });
  });
});
