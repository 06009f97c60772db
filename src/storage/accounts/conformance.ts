/**
 * The one behaviour suite for each account-side store: `AccountStore` (account-store.ts) and
 * `MailboxStore` (mailbox-store.ts). A backend's test file calls the runners in a few lines; a
 * backend that cannot run here (no server reachable) passes `skip` with the reason.
 *
 * Cases isolate themselves with fresh random ids, so `open` may hand every case the same
 * database, and for the sharing cases it must: two `open` calls reach the same data, as a second
 * process would. Time comes from a clock the suite controls (`opts.now`).
 */
import { afterEach, beforeEach, describe } from 'node:test';
import type { AccountStore } from './account-store.js';
import type { MailboxStore } from './mailbox-store.js';
import { accountCases } from './conformance/accounts.js';
import { deviceCases } from './conformance/devices.js';
import { emailCases } from './conformance/emails.js';
import { makeAccountFixture, TestClock } from './conformance/fixture.js';
import { mailboxCases, type MailboxFixture } from './conformance/mailbox.js';
import { mailboxUsageCases, sessionQuotaCases } from './conformance/quotas.js';
import { securityCases } from './conformance/security.js';
import { serviceKeyCases } from './conformance/service-keys.js';

export interface SuiteOptions<S> {
  name: string;
  open: (opts: { now: () => number }) => Promise<S>;
  /** Why two `open` calls cannot reach the same data (e.g. `:memory:`); skips the sharing cases. */
  notShared?: string;
  /** Why the whole suite cannot run here; printed by the test runner. */
  skip?: string;
}

export function runAccountStoreConformance(opts: SuiteOptions<AccountStore>): void {
  describe(`AccountStore conformance: ${opts.name}`, { skip: opts.skip }, () => {
    const fixture = makeAccountFixture(opts.open, opts.notShared);
    beforeEach(() => fixture.begin());
    afterEach(() => fixture.end());
    accountCases(fixture);
    deviceCases(fixture);
    serviceKeyCases(fixture);
    sessionQuotaCases(fixture);
    securityCases(fixture);
    emailCases(fixture);
  });
}

export function runMailboxStoreConformance(opts: SuiteOptions<MailboxStore>): void {
  describe(`MailboxStore conformance: ${opts.name}`, { skip: opts.skip }, () => {
    let clock = new TestClock();
    let store: MailboxStore | undefined;
    let opened: MailboxStore[] = [];
    const open = async () => {
      const s = await opts.open({ now: clock.now });
      opened.push(s);
      return s;
    };
    const fixture: MailboxFixture = {
      get store() {
        if (!store) throw new Error('the store is opened before each test');
        return store;
      },
      get clock() {
        return clock;
      },
      notShared: opts.notShared,
      open,
    };
    beforeEach(async () => {
      clock = new TestClock();
      store = await open();
    });
    afterEach(async () => {
      for (const s of opened) await s.close();
      opened = [];
      store = undefined;
    });
    mailboxCases(fixture);
    mailboxUsageCases(fixture);
  });
}
