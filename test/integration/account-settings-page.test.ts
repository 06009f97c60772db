/**
 * Email addresses and the account recovery key on the account page, in a real headless Chromium
 * (playwright-core, as devices-page.test.ts): add a secondary address, verify it with the code
 * read from the mail a real SMTP receiver got, make it primary, sign in with it; make a recovery
 * key on the page and reset the password with it through the SDK, keeping the end-to-end keys.
 * Screenshots in .test-artifacts/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { smtpMailer, type Mailer } from '../../src/mail/mailer.js';
import { codeIn, startSmtpReceiver, type SmtpReceiver } from '../../src/mail/test-smtp-receiver.js';
import { AccountDevice } from '../../src/sdk/index.js';
import { openChromium, type ChromiumPage } from './helpers/chromium.js';
import { startHeraldWithAccounts, type HeraldWithAccounts } from './helpers/herald-with-accounts.js';

const PASSWORD = 'settings page passphrase';

describe('email addresses and the recovery key on the account page in Chromium', () => {
  let rx: SmtpReceiver;
  let mailer: Mailer;
  let herald: HeraldWithAccounts;
  let chromium: ChromiumPage;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    rx = await startSmtpReceiver();
    mailer = smtpMailer(rx.smtp);
    herald = await startHeraldWithAccounts({}, { mailer });
    chromium = await openChromium({ acceptDialogs: true });
    ({ page, errors: pageErrors } = chromium);
  });

  after(async () => {
    await chromium?.close();
    await herald?.close();
    mailer?.close();
    await rx?.close();
  });

  /** Sign in on a fresh page (no session left in this tab). */
  async function signIn(email: string, password = PASSWORD) {
    await page.goto(`${herald.url}/devices`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#devices:not([hidden])');
    await page.waitForSelector('#emails-box:not([hidden])');
  }
  const item = (email: string) => `li.email[data-email="${email}"]`;

  it('adds and verifies a secondary address from the mail, makes it primary, and signs in with it', { timeout: 180_000 }, async () => {
    const tag = randomBytes(5).toString('hex');
    const first = `first-${tag}@example.com`;
    const second = `second-${tag}@example.org`;
    const laptop = await AccountDevice.signUp({ serverUrl: herald.url, email: first, password: PASSWORD, name: 'Laptop', reconnect: false });

    await signIn(first);
    await page.waitForSelector(`${item(first)} .badge:text-is("primary")`);
    await page.fill('#new-email', second);
    await page.click('#add-email button[type=submit]');
    const code = codeIn(await rx.nextMail(second, 0));
    await page.waitForSelector(`${item(second)} .badge:text-is("not verified")`);
    await page.waitForSelector('#verify-email:not([hidden])');
    assert.equal(await page.textContent('#verify-email-address'), second);
    await chromium.screenshot('emails-added');
    await page.fill('#verify-email-code', code);
    await page.click('#verify-email button[type=submit]');
    await page.waitForSelector(`${item(second)} .badge:text-is("verified")`);

    await page.click(`${item(second)} button.make-primary`);
    await page.waitForSelector('#make-primary:not([hidden])');
    await page.fill('#make-primary-password', PASSWORD);
    await page.click('#make-primary button[type=submit]');
    await page.waitForSelector(`#status:text-is("${second} is your primary address: sign in with it from now on.")`);
    await page.waitForSelector(`${item(second)} .badge:text-is("primary")`);
    await page.waitForSelector(`#who:text-is("Signed in as ${second}")`);
    assert.equal(await page.isVisible(`${item(first)} button.remove-email`), true, 'the old primary is a secondary now');
    await chromium.screenshot('emails-primary-changed');

    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    await signIn(second);
    await page.waitForSelector(`#who:text-is("Signed in as ${second}")`);
    const events = await page.$$eval('li.security-event', (lis) => lis.map((li) => li.textContent ?? ''));
    assert.ok(events.some((e) => e.startsWith('primary email changed')), events.join('\n'));
    await chromium.screenshot('emails-signed-in-with-new-primary');

    // The SDK signs in with the new primary too, with the same end-to-end keys.
    const phone = await AccountDevice.signIn({ serverUrl: herald.url, email: second, password: PASSWORD, name: 'Phone', reconnect: false });
    assert.equal(phone.state.kSync, laptop.state.kSync, 'the change of primary keeps kB');

    await page.click(`${item(first)} button.remove-email`);
    await page.waitForSelector(item(first), { state: 'detached' });
    assert.deepEqual(pageErrors, []);

    // A device signed in before the change stretches the password with the new primary too.
    await laptop.changePassword(PASSWORD, 'changed after the switch');
    const tablet = await AccountDevice.signIn({ serverUrl: herald.url, email: second, password: 'changed after the switch', name: 'Tablet', reconnect: false });
    assert.equal(tablet.state.kSync, laptop.state.kSync);
  });

  it('creates a recovery key that a password reset then uses, and removes it', { timeout: 180_000 }, async () => {
    const email = `key-${randomBytes(5).toString('hex')}@example.com`;
    const laptop = await AccountDevice.signUp({ serverUrl: herald.url, email, password: PASSWORD, name: 'Laptop', reconnect: false });
    await signIn(email);
    await page.waitForSelector('#recovery-key-box:not([hidden]) #recovery-key-state:has-text("You have no recovery key")');
    await page.fill('#recovery-key-password', 'not the passphrase');
    await page.click('#create-recovery-key button[type=submit]');
    await page.waitForSelector('#status.error:text-is("Incorrect email or password")');
    assert.equal(await page.isHidden('#recovery-key-shown'), true, 'nothing made with a wrong password');
    pageErrors.splice(0); // the refused sign-in's 400 in the console

    await page.fill('#recovery-key-password', PASSWORD);
    await page.click('#create-recovery-key button[type=submit]');
    await page.waitForSelector('#recovery-key-shown:not([hidden])');
    const recoveryKey = (await page.textContent('#recovery-key-value'))!;
    assert.match(recoveryKey, /^[0-9a-f]{64}$/);
    await page.waitForSelector('#recovery-key-state:has-text("You have a recovery key")');
    await chromium.screenshot('recovery-key-created');

    const seen = rx.mailsTo(email).length;
    await AccountDevice.sendResetCode(herald.url, email);
    const code = codeIn(await rx.nextMail(email, seen));
    const reset = await AccountDevice.resetPassword({ serverUrl: herald.url, email, password: 'a new passphrase', code, recoveryKey, name: 'Tablet', reconnect: false });
    assert.equal(reset.state.kSync, laptop.state.kSync, 'the key made on the page keeps kB across the reset');

    await signIn(email, 'a new passphrase');
    // The reset signed out the page's session: loading the page with it first answered 401.
    assert.ok(pageErrors.splice(0).every((e) => /status of 401/.test(e)), pageErrors.join('\n'));
    await page.waitForSelector('#recovery-key-box:not([hidden]) #recovery-key-state:has-text("You have no recovery key")');
    // A reset spends the key: make another one and remove it from the page.
    await page.fill('#recovery-key-password', 'a new passphrase');
    await page.click('#create-recovery-key button[type=submit]');
    await page.waitForSelector('#remove-recovery-key:not([hidden])');
    await page.click('#remove-recovery-key');
    await page.waitForSelector('#status:text-is("Recovery key removed.")');
    await page.waitForSelector('#recovery-key-state:has-text("You have no recovery key")');
    assert.deepEqual(pageErrors, []);
  });
});
