/**
 * The one behaviour suite for `Store` (store.ts; docs/protocol.md#storage-check,
 * docs/protocol.md#ordering-and-the-read-pointer, docs/protocol.md#storage-semantics). Every
 * backend's
 * test file calls `runStoreConformance` in a few lines; a backend that cannot run it here (no
 * server reachable) passes `skip` with the reason, which the test runner prints.
 *
 * Tests isolate themselves with fresh random uaids, so `open` may hand every test the same
 * database, and for the sharing tests it must: two `open` calls reach the same data, as a second
 * process or cluster node would. Time comes from a clock the suite controls: a backend takes every
 * time decision (read-time expiry, `lastUpdate`, router TTL) from `opts.now`.
 *
 * The cases live in `conformance/`, one file per concern.
 */
import { afterEach, beforeEach, describe } from 'node:test';
import type { Store } from './store.js';
import { bridgeRecordCases } from './conformance/bridge-records.js';
import { channelCases } from './conformance/channels.js';
import { expiryCases } from './conformance/expiry.js';
import { helloRecordCases } from './conformance/hello-records.js';
import { makeFixture } from './conformance/fixture.js';
import { messageCases } from './conformance/messages.js';
import { routerRecordCases } from './conformance/router-records.js';
import { sharingCases } from './conformance/sharing.js';

export interface ConformanceOpenOptions {
  /** Epoch milliseconds; the suite freezes and advances it. */
  now: () => number;
  /** Router records unseen for longer than this count as absent. */
  routerTtlDays: number;
}

export interface StoreConformanceOptions {
  name: string;
  /** Open a store; see the module header for what two calls must share. */
  open: (opts: ConformanceOpenOptions) => Promise<Store>;
  /** Why two `open` calls cannot reach the same data (e.g. `:memory:`); skips the sharing tests. */
  notShared?: string;
  /** Why the whole suite cannot run here; printed by the test runner. */
  skip?: string;
}

export function runStoreConformance(opts: StoreConformanceOptions): void {
  describe(`Store conformance: ${opts.name}`, { skip: opts.skip }, () => {
    const fixture = makeFixture(opts.open, opts.notShared);
    beforeEach(() => fixture.begin());
    afterEach(() => fixture.end());

    routerRecordCases(fixture);
    helloRecordCases(fixture);
    bridgeRecordCases(fixture);
    channelCases(fixture);
    messageCases(fixture);
    expiryCases(fixture);
    sharingCases(fixture);
  });
}
