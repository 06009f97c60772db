/**
 * What the account-side conformance cases share: a clock the suite controls, fresh ids, and
 * builders that create an account, a session and a device in one call.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { AccountStore, DevicePush, NewDevice } from '../account-store.js';

/** A clock that stands still unless a test moves it. */
export class TestClock {
  #ms = Date.now();
  now = (): number => this.#ms;
  advance(ms: number): void {
    this.#ms += ms;
  }
}

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
export const newUid = (): string => hex(16);
export const newSessionId = (): string => createHash('sha256').update(randomBytes(32)).digest('hex');

export function samplePush(n = 1): DevicePush {
  return { callback: `https://push.example.com/wpush/v1/token-${n}-${hex(4)}`, publicKey: `BPub${n}${hex(8)}`, authKey: `auth${n}${hex(4)}` };
}

/** Lifecycle of the store under test: opened before each case and closed after. */
export interface AccountFixture {
  readonly store: AccountStore;
  readonly clock: TestClock;
  readonly notShared: string | undefined;
  /** Another store on the same database, closed after the case. */
  open(): Promise<AccountStore>;
  /** A new account (email derived from the uid); returns its uid. */
  account(): Promise<string>;
  /** A new session of `uid`; returns its id. */
  session(uid: string): Promise<string>;
  /** A new device on a new session of `uid`. */
  device(uid: string, over?: Partial<NewDevice>): Promise<NewDevice>;
}

export function makeAccountFixture(
  openStore: (opts: { now: () => number }) => Promise<AccountStore>,
  notShared: string | undefined,
): AccountFixture & { begin(): Promise<void>; end(): Promise<void> } {
  let clock = new TestClock();
  let store: AccountStore | undefined;
  let opened: AccountStore[] = [];
  const open = async () => {
    const s = await openStore({ now: clock.now });
    opened.push(s);
    return s;
  };
  const fixture = {
    get store(): AccountStore {
      assert.ok(store, 'the store is opened before each test');
      return store;
    },
    get clock(): TestClock {
      return clock;
    },
    notShared,
    open,
    async account(): Promise<string> {
      const uid = newUid();
      const ok = await fixture.store.createAccount({ uid, email: `${uid}@example.com`, passwordHash: `hash-${uid}`, displayName: null, createdAt: clock.now() });
      assert.equal(ok, true);
      return uid;
    },
    async session(uid: string): Promise<string> {
      const id = newSessionId();
      assert.equal(await fixture.store.createSession({ id, uid, createdAt: clock.now() }), true);
      return id;
    },
    async device(uid: string, over: Partial<NewDevice> = {}): Promise<NewDevice> {
      const sessionId = over.sessionId ?? (await fixture.session(uid));
      const device: NewDevice = {
        uid,
        id: hex(16),
        sessionId,
        name: 'Laptop',
        type: 'desktop',
        createdAt: clock.now(),
        push: samplePush(),
        capabilities: ['messages'],
        availableCommands: {},
        ...over,
      };
      assert.equal(await fixture.store.createDevice(device), true, 'device created');
      return device;
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
