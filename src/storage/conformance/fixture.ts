/**
 * What every conformance case gets: a fresh store per test, the clock the suite controls, and
 * builders for users and messages. See `../conformance.ts` for the rules a backend follows.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Notification } from '../../protocol/notification.js';
import type { NewUser, Store } from '../store.js';

export const ROUTER_TTL_DAYS = 60;
export const DAY_MS = 86_400_000;

/** A clock that stands still unless a test moves it: "the same millisecond" on demand. */
export class TestClock {
  #ms = Date.now();
  now = (): number => this.#ms;
  seconds(): number {
    return Math.floor(this.#ms / 1000);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

export interface Fixture {
  /** The store of the running test, opened before it and closed after it. */
  readonly store: Store;
  readonly clock: TestClock;
  /** Why the backend cannot share a database between two `open` calls, if it cannot. */
  readonly notShared: string | undefined;
  /** Another store on the same database, closed after the test. */
  open(): Promise<Store>;
  newUaid(): string;
  /** A live, non-topic message received now with a one-hour TTL. */
  message(over?: Partial<Notification>): Notification;
  /** Add a router record (asserting it is new); returns its uaid. */
  user(over?: Partial<NewUser>): Promise<string>;
}

let versions = 0;

export function makeFixture(
  openStore: (opts: { now: () => number; routerTtlDays: number }) => Promise<Store>,
  notShared: string | undefined,
): Fixture & { begin(): Promise<void>; end(): Promise<void> } {
  let clock = new TestClock();
  let store: Store | undefined;
  let opened: Store[] = [];
  const open = async (): Promise<Store> => {
    const s = await openStore({ now: clock.now, routerTtlDays: ROUTER_TTL_DAYS });
    opened.push(s);
    return s;
  };
  const fixture = {
    get store(): Store {
      assert.ok(store, 'the store is opened before each test');
      return store;
    },
    get clock(): TestClock {
      return clock;
    },
    notShared,
    open,
    newUaid: () => randomUUID().replaceAll('-', ''),
    message: (over: Partial<Notification> = {}): Notification => ({
      channelID: randomUUID(),
      version: `v${++versions}-${randomUUID()}`,
      ttl: 3600,
      topic: null,
      timestamp: clock.seconds(),
      ...over,
    }),
    async user(over: Partial<NewUser> = {}): Promise<string> {
      const uaid = over.uaid ?? fixture.newUaid();
      assert.equal(await fixture.store.addUser({ uaid, connectedAt: clock.now(), nodeId: 'http://node-a:8081', ...over }), true);
      return uaid;
    },
    async begin(): Promise<void> {
      clock = new TestClock();
      store = await open();
    },
    async end(): Promise<void> {
      for (const s of opened) await s.close();
      opened = [];
      store = undefined;
    },
  };
  return fixture;
}

export const versionsOf = (ms: readonly Pick<Notification, 'version'>[]): string[] => ms.map((m) => m.version);

export function assertIncreasing(keys: readonly number[]): void {
  for (let i = 1; i < keys.length; i++) {
    assert.ok((keys[i] as number) > (keys[i - 1] as number), `sort key #${i} (${keys[i]}) > #${i - 1} (${keys[i - 1]})`);
  }
}
