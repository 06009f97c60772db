/**
 * The device management page (`GET /devices`) in a real headless Chromium (Debian's `chromium`,
 * driven by playwright-core): sign in with an account made by the client SDK, see the devices,
 * rename one, disconnect another, sign out. A screenshot is kept in .test-artifacts/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { AccountApiError, AccountDevice } from '../../src/sdk/index.js';
import { openChromium, type ChromiumPage } from './helpers/chromium.js';
import { startHeraldWithAccounts, type HeraldWithAccounts } from './helpers/herald-with-accounts.js';
import { waitFor } from './helpers/wait.js';

const PASSWORD = 'page test passphrase';
const XSS_NAME = '<img src=x onerror="window.__xss=1">';

describe('device management page in Chromium', () => {
  let herald: HeraldWithAccounts;
  let chromium: ChromiumPage;
  let page: Page;
  const devices: AccountDevice[] = [];
  let pageErrors: string[];

  before(async () => {
    herald = await startHeraldWithAccounts();
    chromium = await openChromium({ actionTimeoutMs: 10_000, record404: true });
    ({ page, errors: pageErrors } = chromium);
  });

  after(async () => {
    for (const d of devices) await d.stop();
    await chromium?.close();
    await herald?.close();
  });

  it('signs in, shows the devices, renames one and disconnects another', { timeout: 90_000 }, async () => {
    const email = `page-${randomBytes(5).toString('hex')}@example.com`;
    const laptop = await AccountDevice.signUp({ serverUrl: herald.url, email, password: PASSWORD, name: 'Laptop', reconnect: false });
    const phone = await AccountDevice.signIn({ serverUrl: herald.url, email, password: PASSWORD, name: 'Phone', type: 'mobile', reconnect: false });
    const odd = await AccountDevice.signIn({ serverUrl: herald.url, email, password: PASSWORD, name: XSS_NAME, reconnect: false });
    const phoneEvents: string[] = [];
    phone.on('account-event', (e) => phoneEvents.push(`${e.command} ${JSON.stringify(e.data)}`));
    for (const d of [laptop, phone, odd]) {
      await d.start();
      devices.push(d);
    }

    await page.goto(`${herald.url}/devices`);
    await page.fill('#email', email.toUpperCase());
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#devices:not([hidden]) li.device >> nth=2');
    assert.equal(await page.textContent('#who'), `Signed in as ${email}`);
    assert.deepEqual(await page.$$eval('li.device .device-name', (els) => els.map((e) => e.textContent)), ['Laptop', 'Phone', XSS_NAME]);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined, 'a device name is text, never markup');

    const phoneRow = `li.device[data-device-id="${phone.deviceId}"]`;
    await page.click(`${phoneRow} button.rename`);
    await page.fill(`${phoneRow} .rename-form input`, 'Work phone');
    await page.click(`${phoneRow} .rename-form button[type=submit]`);
    await page.waitForSelector(`${phoneRow} .device-name:text-is("Work phone")`);
    assert.equal((await laptop.devices()).find((d) => d.id === phone.deviceId)?.name, 'Work phone');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click(`li.device[data-device-id="${odd.deviceId}"] button.disconnect`);
    await page.waitForSelector(`li.device[data-device-id="${odd.deviceId}"]`, { state: 'detached' });
    assert.match((await page.textContent('#status')) ?? '', /^Disconnected /);
    assert.deepEqual((await laptop.devices()).map((d) => d.name), ['Laptop', 'Work phone']);
    await assert.rejects(odd.devices(), (e: AccountApiError) => e.status === 401, 'the disconnected device must sign in again');
    await waitFor('device_disconnected at the phone', () => phoneEvents.some((e) => e.includes('device_disconnected') && e.includes(odd.deviceId!)));

    assert.ok(existsSync(await chromium.screenshot('devices-page')));

    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    assert.equal(await page.textContent('#status'), 'You are signed out.');
    assert.deepEqual(pageErrors, [], 'no script errors or CSP violations');
  });

  it('refuses a wrong password with the server\'s message', { timeout: 30_000 }, async () => {
    await page.goto(`${herald.url}/devices`);
    await page.fill('#email', 'nobody@example.com');
    await page.fill('#password', 'not the password');
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#status.error');
    assert.equal(await page.textContent('#status'), 'Incorrect email or password');
    assert.equal(await page.isVisible('#devices'), false);
  });
});
