/**
 * Two-step authentication on the account page in a real headless Chromium (playwright-core, as
 * devices-page.test.ts): turn it on by reading the secret the page shows next to its QR code,
 * sign out, sign in with a TOTP code, then with a recovery code; see the security events; change
 * the password. Screenshots in .test-artifacts/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { AccountDevice } from '../../src/sdk/index.js';
import { openChromium, type ChromiumPage } from './helpers/chromium.js';
import { startHeraldWithAccounts, type HeraldWithAccounts } from './helpers/herald-with-accounts.js';

const PASSWORD = 'page test passphrase';

describe('two-step authentication on the account page in Chromium', () => {
  let herald: HeraldWithAccounts;
  let chromium: ChromiumPage;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    herald = await startHeraldWithAccounts();
    chromium = await openChromium();
    ({ page, errors: pageErrors } = chromium);
  });

  after(async () => {
    await chromium?.close();
    await herald?.close();
  });

  async function signIn(email: string) {
    await page.goto(`${herald.url}/devices`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in button[type=submit]');
  }

  it('enrols from the page, then signs in with a TOTP code and with a recovery code', { timeout: 120_000 }, async () => {
    const email = `totp-page-${randomBytes(5).toString('hex')}@example.com`;
    const laptop = await AccountDevice.signUp({ serverUrl: herald.url, email, password: PASSWORD, name: 'Laptop', reconnect: false });

    await signIn(email);
    await page.waitForSelector('#two-step:not([hidden]) #two-step-state:text-is("Off.")');
    await page.click('#two-step-on');
    await page.waitForSelector('#two-step-enrol:not([hidden])');
    const secret = (await page.textContent('#two-step-secret'))!.trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.match((await page.getAttribute('#two-step-qr', 'src'))!, /^data:image\/png;base64,/);
    assert.ok(await page.evaluate(() => (document.getElementById('two-step-qr') as HTMLImageElement).naturalWidth > 0), 'the QR code renders under the CSP');
    await chromium.screenshot('two-step-enrol');
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    await page.fill('#two-step-code', totp.generate());
    await page.click('#two-step-confirm button[type=submit]');
    await page.waitForSelector('#recovery-codes-box:not([hidden]) li.recovery-code >> nth=9');
    const codes = await page.$$eval('li.recovery-code', (lis) => lis.map((li) => li.textContent ?? ''));
    assert.equal(codes.length, 10);
    await page.waitForSelector('#two-step-state:text-is("On: 10 recovery codes left.")');
    await chromium.screenshot('two-step-recovery-codes');

    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    await signIn(email);
    await page.waitForSelector('#second-step:not([hidden])');
    assert.equal(await page.isHidden('#devices'), true, 'nothing shows before the second step');
    await page.reload();
    await page.waitForSelector('#second-step:not([hidden])');
    // The reloaded page asked for the profile first and was told (400, errno 138) to do the second step.
    assert.ok(pageErrors.splice(0).every((e) => /status of 400/.test(e)));
    // The next step's code: the enrolment code's step is spent (no replay), and one step ahead is accepted.
    await page.fill('#second-code', totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.click('#second-step button[type=submit]');
    await page.waitForSelector('#devices:not([hidden])');
    await chromium.screenshot('two-step-signed-in');

    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    await signIn(email);
    await page.waitForSelector('#second-step:not([hidden])');
    await page.fill('#second-code', codes[0]!);
    await page.click('#second-step button[type=submit]');
    await page.waitForSelector('#two-step-state:text-is("On: 9 recovery codes left.")');
    await page.waitForSelector('#security-events:not([hidden]) li.security-event:has-text("recovery code used")');
    const events = await page.$$eval('li.security-event', (lis) => lis.map((li) => li.textContent ?? ''));
    assert.ok(events.some((e) => e.startsWith('two step enabled')), events.join('\n'));
    await chromium.screenshot('security-events');

    // The password, changed on the page: the SDK signs in with the new one and gets the same kSync.
    await page.fill('#old-password', PASSWORD);
    await page.fill('#new-password', 'a changed passphrase');
    await page.click('#change-password button[type=submit]');
    await page.waitForSelector('#status:text-is("Password changed. Your other devices were signed out.")');
    await chromium.screenshot('password-changed');
    const again = await AccountDevice.signIn({ serverUrl: herald.url, email, password: 'a changed passphrase', recoveryCode: codes[1]!, reconnect: false });
    assert.equal(again.state.kSync, laptop.state.kSync, 'the end-to-end keys survive a change made in the browser');
    assert.deepEqual(pageErrors, []);
  });
});
