/**
 * Account security end to end with client-SDK devices (issue 14, docs/accounts.md): password
 * change, and a forgotten password reset with and without the account recovery key, codes read
 * from a real SMTP receiver. With the key an old Send Tab message stays readable and Send Tab
 * keeps working; without it every device signs in again and publishes new Send Tab keys.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AccountApiError, AccountDevice, type TabEvent } from '../../src/sdk/index.js';
import { smtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { codeIn, startSmtpReceiver, type SmtpReceiver } from '../../src/mail/test-smtp-receiver.js';
import { startHeraldWithAccounts, type HeraldWithAccounts } from './helpers/herald-with-accounts.js';
import { waitFor } from './helpers/wait.js';

describe('account security with SDK devices', () => {
  let rx: SmtpReceiver;
  let mailer: Mailer;
  let herald: HeraldWithAccounts;
  const running: AccountDevice[] = [];
  before(async () => {
    rx = await startSmtpReceiver();
    mailer = smtpMailer(rx.smtp);
    herald = await startHeraldWithAccounts({}, { mailer });
  });
  after(async () => {
    for (const d of running) await d.stop();
    await herald?.close();
    mailer?.close();
    await rx?.close();
  });

  async function started(d: AccountDevice) {
    const tabs: TabEvent[] = [];
    const events: string[] = [];
    const failures: Error[] = [];
    d.on('tab', (e) => tabs.push(e));
    d.on('account-event', (e) => events.push(e.command));
    d.on('failure', (e) => failures.push(e));
    await d.start();
    running.push(d);
    return { d, tabs, events, failures, id: d.deviceId! };
  }
  async function stop(d: AccountDevice) {
    await d.stop();
    running.splice(running.indexOf(d), 1);
  }
  const common = () => ({ serverUrl: herald.url, reconnect: false as const });
  async function mailedResetCode(email: string) {
    const seen = rx.mailsTo(email).length;
    await AccountDevice.sendResetCode(herald.url, email);
    return codeIn(await rx.nextMail(email, seen));
  }

  it('a reset with the recovery key keeps the keys: an old message is still read, and Send Tab keeps working', async () => {
    const email = `sec-${randomBytes(5).toString('hex')}@example.com`;
    const laptop = await started(await AccountDevice.signUp({ ...common(), email, password: 'first passphrase', name: 'Laptop' }));
    const phone = await started(await AccountDevice.signIn({ ...common(), email, password: 'first passphrase', name: 'Phone' }));
    const recoveryKey = await laptop.d.createRecoveryKey();
    assert.match(recoveryKey, /^[0-9a-f]{64}$/);

    const phoneState = phone.d.state;
    await stop(phone.d);
    await laptop.d.sendTab(phone.id, { title: 'Before the reset', url: 'https://example.com/old' });

    const code = await mailedResetCode(email);
    const fresh = await started(await AccountDevice.resetPassword({ ...common(), email, password: 'second passphrase', code, recoveryKey, name: 'Tablet' }));
    assert.equal(fresh.d.state.kSync, laptop.d.state.kSync, 'the recovered root key gives the same kSync');
    await waitFor('password_reset at the laptop', () => laptop.events.includes('fxaccounts:password_reset'));

    const back = await started(new AccountDevice({ ...common(), state: phoneState }));
    await waitFor('the old tab', () => back.tabs.length >= 1);
    assert.deepEqual(back.tabs.map((e) => e.tab.url), ['https://example.com/old'], 'the message from before the reset decrypts');
    await fresh.d.sendTab(back.id, { title: 'After', url: 'https://example.com/new' });
    await waitFor('the new tab', () => back.tabs.length >= 2);
    assert.equal(back.tabs[1]!.tab.url, 'https://example.com/new', 'the published Send Tab keys are still valid');
    assert.deepEqual([...laptop.failures, ...back.failures, ...fresh.failures], []);
    await assert.rejects(AccountDevice.signIn({ ...common(), email, password: 'first passphrase' }), (err: AccountApiError) => err.errno === 103);
  });

  it('a reset without the recovery key makes new keys: devices are signed out, sign in again and re-create their Send Tab keys', async () => {
    const email = `sec-${randomBytes(5).toString('hex')}@example.com`;
    const laptop = await started(await AccountDevice.signUp({ ...common(), email, password: 'first passphrase', name: 'Laptop' }));
    const phone = await started(await AccountDevice.signIn({ ...common(), email, password: 'first passphrase', name: 'Phone' }));
    const oldKid = phone.d.state.kXCS;
    const code = await mailedResetCode(email);
    const fresh = await started(await AccountDevice.resetPassword({ ...common(), email, password: 'second passphrase', code, name: 'Tablet' }));
    assert.notEqual(fresh.d.state.kSync, laptop.d.state.kSync, 'a new root key');
    await waitFor('password_reset at the phone', () => phone.events.includes('fxaccounts:password_reset'));
    await assert.rejects(phone.d.devices(), (err: AccountApiError) => err.status === 401, 'the old session is gone');

    const phone2 = await started(await AccountDevice.signIn({ ...common(), email, password: 'second passphrase', name: 'Phone' }));
    assert.notEqual(phone2.d.state.kXCS, oldKid);
    assert.notDeepEqual(phone2.d.state.sendTabKeys, phone.d.state.sendTabKeys, 'new Send Tab keys');
    await fresh.d.sendTab(phone2.id, { title: 'Hello', url: 'https://example.com/after-reset' });
    await waitFor('the tab', () => phone2.tabs.length >= 1);
    assert.equal(phone2.tabs[0]!.tab.url, 'https://example.com/after-reset');
  });

  it('a password change keeps the keys and signs out the other devices', async () => {
    const email = `sec-${randomBytes(5).toString('hex')}@example.com`;
    const laptop = await started(await AccountDevice.signUp({ ...common(), email, password: 'first passphrase', name: 'Laptop' }));
    const phone = await started(await AccountDevice.signIn({ ...common(), email, password: 'first passphrase', name: 'Phone' }));
    const seen = rx.mailsTo(email).length;
    await laptop.d.changePassword('first passphrase', 'second passphrase');
    await waitFor('password_changed at the phone', () => phone.events.includes('fxaccounts:password_changed'));
    await assert.rejects(phone.d.devices(), (err: AccountApiError) => err.status === 401);
    assert.match((await rx.nextMail(email, seen)).text, /password was changed/);
    const phone2 = await started(await AccountDevice.signIn({ ...common(), email, password: 'second passphrase', name: 'Phone' }));
    assert.equal(phone2.d.state.kSync, laptop.d.state.kSync, 'kSync survives a change');
    await laptop.d.sendTab(phone2.id, { title: 'Still', url: 'https://example.com/still' });
    await waitFor('the tab', () => phone2.tabs.length >= 1);
  });
});
