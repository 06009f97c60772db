/**
 * Sign-in confirmation end to end (docs/accounts.md "Sign-in confirmation"): a Herald with
 * `signInConfirmation` on, a real SMTP receiver, and the client SDK signing in from a place the
 * account was not seen at (another User-Agent than the sign-up's): the SDK asks for the mailed
 * code, and from then on that place signs in without one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { smtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { codeIn, startSmtpReceiver, type SmtpReceiver } from '../../src/mail/test-smtp-receiver.js';
import { AccountDevice } from '../../src/sdk/index.js';
import { deriveAccountSecrets } from '../../src/sdk/account-secrets.js';
import { startHeraldWithAccounts, type HeraldWithAccounts } from './helpers/herald-with-accounts.js';

describe('sign-in confirmation with the SDK', () => {
  let rx: SmtpReceiver;
  let mailer: Mailer;
  let herald: HeraldWithAccounts;
  before(async () => {
    rx = await startSmtpReceiver();
    mailer = smtpMailer(rx.smtp);
    herald = await startHeraldWithAccounts({ signInConfirmation: 86_400 }, { mailer });
  });
  after(async () => {
    await herald?.close();
    mailer?.close();
    await rx?.close();
  });

  it('asks the SDK for the mailed code from a new place, and not again from that place', async () => {
    const email = `place-${randomBytes(5).toString('hex')}@example.com`;
    const password = 'confirm me please';
    const secrets = await deriveAccountSecrets(email, password);
    // Signed up from another browser: the SDK's place is new to the account.
    const created = await fetch(`${herald.url}/v1/account/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Another browser/1.0' },
      body: JSON.stringify({ email, password: secrets.authPassword }),
    });
    assert.equal(created.status, 200);
    const common = { serverUrl: herald.url, email, password, reconnect: false as const };

    await assert.rejects(AccountDevice.signIn(common), /pass signInCode/);
    let asked = 0;
    const seen = rx.mailsTo(email).length;
    const device = await AccountDevice.signIn({
      ...common,
      signInCode: async () => {
        asked++;
        return codeIn(await rx.nextMail(email, seen));
      },
    });
    assert.equal(asked, 1);
    assert.equal((await rx.nextMail(email, seen)).subject, 'Confirm a sign-in');
    assert.ok(device.state.kSync);
    await AccountDevice.signIn({ ...common, signInCode: async () => String(++asked).padStart(8, '0') });
    assert.equal(asked, 1, 'a confirmed place signs in without a code');
  });
});
