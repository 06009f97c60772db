/**
 * Accounts, devices and durable device messages end to end (issue 5): devices are client-SDK
 * `AccountDevice`s, each with its own push connection to a live Herald on real sockets; Herald
 * pushes to them through its own push service. See helpers/herald-with-accounts.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AccountApi, AccountApiError, AccountDevice, type AccountDeviceState, type RecoveryMode, type TabEvent } from '../../src/sdk/index.js';
import { deriveAccountSecrets } from '../../src/sdk/account-secrets.js';
import { startHeraldWithAccounts, type HeraldWithAccounts } from './helpers/herald-with-accounts.js';
import { startPostgres, startRedis, type TestServer } from '../support/servers.js';
import { sleep, waitFor } from './helpers/wait.js';

const PASSWORD = 'a long and secret passphrase';
const tab = (n: number) => ({ title: `Tab ${n}`, url: `https://example.com/secret-page-${n}?q=${randomBytes(4).toString('hex')}` });

/** Every backend of the account stores, each with a throw-away server where it needs one. */
const backends: { name: string; start(): Promise<{ db?: string; server?: TestServer }> }[] = [
  { name: 'SQLite', start: async () => ({}) },
  {
    name: 'PostgreSQL',
    start: async () => {
      const server = await startPostgres();
      return { db: server.dsn, server };
    },
  },
  {
    name: 'Redis',
    start: async () => {
      const server = await startRedis();
      return { db: server.dsn, server };
    },
  },
];

for (const backend of backends) deviceMessageCases(backend);

function deviceMessageCases(backend: (typeof backends)[number]): void {
  describe(`device messages between the devices of one account, on ${backend.name}`, () => {
    let herald: HeraldWithAccounts;
    let server: TestServer | undefined;
    const running: AccountDevice[] = [];
    before(async () => {
      const started = await backend.start();
      server = started.server;
      herald = await startHeraldWithAccounts({}, { db: started.db });
    });
    after(async () => {
      for (const d of running) await d.stop();
      await herald?.close();
      await server?.stop();
    });

    const email = () => `it-${randomBytes(6).toString('hex')}@example.com`;

    /** A started device that records what it receives. */
    async function device(opts: { email: string; signUp?: boolean; name: string; recovery?: RecoveryMode; state?: AccountDeviceState }) {
      const common = { serverUrl: herald.url, name: opts.name, recovery: opts.recovery, reconnect: false as const };
      const d = opts.state
        ? new AccountDevice({ ...common, state: opts.state })
        : opts.signUp
          ? await AccountDevice.signUp({ ...common, email: opts.email, password: PASSWORD })
          : await AccountDevice.signIn({ ...common, email: opts.email, password: PASSWORD });
      const tabs: TabEvent[] = [];
      const events: { command: string; data?: Record<string, unknown> }[] = [];
      const failures: Error[] = [];
      d.on('tab', (e) => tabs.push(e));
      d.on('account-event', (e) => events.push(e));
      d.on('failure', (e) => failures.push(e));
      await d.start();
      running.push(d);
      return { d, tabs, events, failures, id: d.deviceId! };
    }

    async function stop(d: AccountDevice) {
      await d.stop();
      running.splice(running.indexOf(d), 1);
    }

    it('sends a tab from A that arrives at B decrypted, and Herald never holds the URL in clear', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const b = await device({ email: account, name: 'Phone' });
      const sent = tab(1);
      assert.deepEqual(await a.d.sendTab(b.id, sent), { enqueued: true, notified: true });
      const [got] = await waitFor('the tab at B', () => b.tabs.length > 0 && b.tabs);
      assert.deepEqual(got!.tab, sent);
      assert.deepEqual([got!.sender, got!.via, got!.reason], [a.id, 'command', 'push']);
      assert.deepEqual(b.failures, []);

      const stored = await herald.stores.mailbox.read({ uid: a.d.state.uid, deviceId: b.id, box: 'commands' }, 0, 10);
      assert.equal(stored.messages.length, 1);
      assert.ok(!stored.messages[0]!.data.includes(sent.url) && !stored.messages[0]!.data.includes('secret-page'), 'the mailbox holds ciphertext only');
      const bundle = (await a.d.devices()).find((x) => x.id === b.id)!.availableCommands['https://identity.mozilla.com/cmd/open-uri']!;
      assert.ok(!bundle.includes(b.d.state.sendTabKeys.publicKey), 'the Send Tab public key is published sealed under kSync');
      const account2 = await herald.stores.accounts.findAccountByEmail(account);
      assert.ok(!account2!.passwordHash.includes(PASSWORD));
    });

    it('delivers everything sent while B was offline, in index order, each once, when B comes back', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const b = await device({ email: account, name: 'Phone' });
      const state = b.d.state;
      await stop(b.d);
      const sent = [tab(1), tab(2), tab(3), tab(4)];
      for (const t of sent) assert.equal((await a.d.sendTab(b.id, t)).enqueued, true);
      await sleep(300);

      const back = await device({ email: account, name: 'Phone', state });
      assert.equal(back.id, b.id, 'the same device came back');
      await waitFor('4 tabs after reconnect', () => back.tabs.length >= 4);
      await sleep(300);
      assert.deepEqual(back.tabs.map((e) => e.tab), sent, 'all of them, in order, once');
      const indexes = back.tabs.map((e) => e.index);
      assert.deepEqual([...indexes].sort((x, y) => x - y), indexes);
      assert.deepEqual(back.failures, []);
    });

    it('recovers a dropped push with the periodic poll (one push, one payload), handling each tab once', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const c = await device({ email: account, name: 'iPhone', recovery: 'one-push' });
      herald.dropPushes(1);
      await a.d.sendTab(c.id, tab(1));
      await a.d.sendTab(c.id, tab(2));
      await waitFor('the second tab', () => c.tabs.length >= 1);
      assert.deepEqual(c.tabs.map((e) => [e.tab.title, e.reason]), [['Tab 2', 'push']], 'the first push was dropped');
      await c.d.poll();
      assert.deepEqual(c.tabs.map((e) => [e.tab.title, e.reason]), [['Tab 2', 'push'], ['Tab 1', 'poll']]);
      await a.d.sendTab(c.id, tab(3));
      await waitFor('the third tab', () => c.tabs.length >= 3);
      await c.d.poll();
      await c.d.poll();
      assert.deepEqual(c.tabs.map((e) => e.tab.title), ['Tab 2', 'Tab 1', 'Tab 3'], 'polls hand nothing over twice');
      assert.equal(c.d.state.commands.lastGoodIndex, c.tabs[2]!.index);
    });

    it('recovers a dropped push at the next push when tickled (fetch-all), labelled push-missed', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const b = await device({ email: account, name: 'Desktop' });
      herald.dropPushes(1);
      await a.d.sendTab(b.id, tab(1));
      await sleep(200);
      assert.equal(b.tabs.length, 0);
      await a.d.sendTab(b.id, tab(2));
      await waitFor('both tabs', () => b.tabs.length >= 2);
      assert.deepEqual(b.tabs.map((e) => [e.tab.title, e.reason]), [['Tab 1', 'push-missed'], ['Tab 2', 'push']]);
    });

    for (const recovery of ['fetch-all', 'one-push'] as const) {
      it(`handles a push that arrives twice once (${recovery})`, async () => {
        const account = email();
        const a = await device({ email: account, signUp: true, name: 'Laptop' });
        const b = await device({ email: account, name: 'Phone', recovery });
        const callback = (await a.d.devices()).find((x) => x.id === b.id)!.pushCallback;
        const toB = () => herald.pushes.filter((p) => p.url === callback).length;
        const before = toB();
        herald.duplicatePushes(1);
        await a.d.sendTab(b.id, tab(1));
        await waitFor('the tab', () => b.tabs.length >= 1);
        assert.equal(toB(), before + 2, 'the push went out twice');
        await sleep(300);
        await b.d.poll();
        assert.equal(b.tabs.length, 1);
      });
    }

    it('sends a tab through the messages API, encrypted to the target\'s push keys', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const b = await device({ email: account, name: 'Phone' });
      const sent = tab(9);
      assert.equal((await a.d.sendTabMessage(b.id, sent)).notified, true);
      await waitFor('the message', () => b.tabs.length > 0);
      assert.deepEqual([b.tabs[0]!.tab, b.tabs[0]!.via], [sent, 'message']);
    });

    it('a recipe client (handled_indexes, last_good_index, the returned index persisted) gets every message exactly once across empty polls, and a topic=sendtab reader only tabs', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const b = await device({ email: account, name: 'iPhone', recovery: 'one-push' });
      // Written from the recipe's words, on B's session: one push = one payload by its url; a
      // periodic poll from last_good_index handles what handled_indexes lacks, then clears it and
      // persists the index the server answered.
      const token = b.d.state.sessionToken;
      const get = async (path: string) => {
        const res = await fetch(new URL(path, herald.url), { headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.status, 200);
        return (await res.json()) as { index: number; last?: boolean; messages?: { index: number; data: { topic: string } }[] };
      };
      const recipe = { handled_indexes: new Set<number>(), last_good_index: 0, got: [] as number[] };
      const pushFetches: Promise<void>[] = [];
      b.d.on('message-push', (push) => {
        const url = new URL(push.url);
        pushFetches.push(
          get(`${url.pathname}${url.search}`).then((page) => {
            for (const m of page.messages ?? []) {
              recipe.got.push(m.index);
              recipe.handled_indexes.add(m.index);
            }
          }),
        );
      });
      const recipePoll = async () => {
        for (;;) {
          const page = await get(`/v1/account/device/messages?index=${recipe.last_good_index}`);
          for (const m of page.messages ?? []) if (!recipe.handled_indexes.has(m.index)) recipe.got.push(m.index);
          recipe.handled_indexes.clear();
          recipe.last_good_index = page.index;
          if (page.last !== false) return;
        }
      };
      // The desktop style of the recipe: a push is a tickle, fetch everything after the stored index.
      const desktop = { index: 0, got: [] as number[] };
      const desktopPoll = async () => {
        for (;;) {
          const page = await get(`/v1/account/device/messages?index=${desktop.index}`);
          desktop.got.push(...(page.messages ?? []).map((m) => m.index));
          desktop.index = page.index;
          if (page.last !== false) return;
        }
      };

      await a.d.sendTabMessage(b.id, tab(1));
      await a.d.api.sendMessage(b.id, 'cGluZw', undefined, 'ping');
      await waitFor('both pushes fetched', () => pushFetches.length >= 2);
      await Promise.all(pushFetches);
      herald.dropPushes(2);
      await a.d.api.sendMessage(b.id, 'cGluZw', undefined, 'ping');
      await a.d.sendTabMessage(b.id, tab(2));
      for (let i = 0; i < 3; i++) {
        await recipePoll();
        await desktopPoll();
      }
      await a.d.sendTabMessage(b.id, tab(3));
      await waitFor('the third push fetched', () => pushFetches.length >= 3);
      await Promise.all(pushFetches);
      for (let i = 0; i < 3; i++) {
        await recipePoll();
        await desktopPoll();
      }
      const all = (await get('/v1/account/device/messages?index=0')).messages!.map((m) => m.index);
      assert.equal(all.length, 5);
      assert.deepEqual([...recipe.got].sort((x, y) => x - y), all, 'the recipe client: each message once');
      assert.deepEqual(desktop.got, all, 'the desktop style: each message once, in order');

      const tabsOnly = await get('/v1/account/device/messages?index=0&topic=sendtab');
      assert.deepEqual(tabsOnly.messages!.map((m) => m.data.topic), ['sendtab', 'sendtab', 'sendtab']);
      await b.d.poll();
      await b.d.poll();
      assert.deepEqual(b.tabs.map((e) => e.tab.title).sort(), ['Tab 1', 'Tab 2', 'Tab 3'], 'the SDK\'s iOS-style reader: every tab once, no other topic');
      assert.deepEqual(b.failures, []);
    });

    it('tells the other devices about a new device and a disconnected one, and deletes the removed device\'s messages', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const b = await device({ email: account, name: 'Tablet' });
      await waitFor('device_connected at A', () => a.events.find((e) => e.command === 'fxaccounts:device_connected'));
      assert.deepEqual(a.events.find((e) => e.command === 'fxaccounts:device_connected')?.data, { deviceName: 'Tablet' });
      await a.d.sendTab(b.id, tab(3));
      await waitFor('the tab at B', () => b.tabs.length > 0);
      assert.ok((await herald.storedEntries(b.id)) > 0, 'the tab is kept in storage until its TTL');
      await a.d.api.destroyDevice(b.id);
      assert.equal(await herald.storedEntries(b.id), 0, "a destroyed device's messages are deleted with it");
      const expected = { command: 'fxaccounts:device_disconnected', data: { id: b.id } };
      await waitFor('device_disconnected at both', () => [a, b].every((x) => x.events.some((e) => e.command === expected.command)));
      assert.deepEqual(b.events.at(-1), expected, 'the removed device hears it too');
      await assert.rejects(b.d.devices(), (err: AccountApiError) => err.status === 401 && err.errno === 110);
    });

    it('keeps accounts apart and refuses wrong or revoked tokens with 401', async () => {
      const x = await device({ email: email(), signUp: true, name: 'X' });
      const y = await device({ email: email(), signUp: true, name: 'Y' });
      await assert.rejects(x.d.api.invokeCommand(y.id, 'https://identity.mozilla.com/cmd/open-uri', { encrypted: 'AA' }), (e: AccountApiError) => e.status === 400 && e.errno === 123);
      await assert.rejects(x.d.api.sendMessage(y.id, 'AA'), (e: AccountApiError) => e.errno === 123);
      assert.equal((await x.d.devices()).some((d) => d.id === y.id), false);
      await y.d.sendTab(y.id, tab(5));
      assert.deepEqual((await x.d.api.commands(0)).messages, [], 'X reads only its own mailbox');
      for (const token of ['0'.repeat(64), 'nonsense']) {
        await assert.rejects(new AccountApi(herald.url, token).devices(), (e: AccountApiError) => e.status === 401 && e.errno === 110);
      }
      const revoked = new AccountApi(herald.url, x.d.state.sessionToken);
      await x.d.signOut();
      running.splice(running.indexOf(x.d), 1);
      await assert.rejects(revoked.commands(0), (e: AccountApiError) => e.status === 401);
    });

    it('refuses unknown targets, targets without the capability and oversize payloads, and stores nothing', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const b = await device({ email: account, name: 'Phone' });
      await assert.rejects(a.d.api.invokeCommand('0'.repeat(32), 'https://identity.mozilla.com/cmd/open-uri', {}), (e: AccountApiError) => e.errno === 123);
      // An old client: a device without the messages capability or any command.
      const secrets = await deriveAccountSecrets(account, PASSWORD);
      const old = new AccountApi(herald.url);
      await old.signIn(secrets.email, secrets.authPassword);
      const oldDevice = await old.registerDevice({ name: 'Old', capabilities: [] });
      await assert.rejects(a.d.api.sendMessage(oldDevice.id, 'AA'), (e: AccountApiError) => e.status === 400 && e.errno === 157);
      await assert.rejects(a.d.sendTab(oldDevice.id, tab(1)), /does not take Send Tab/);
      await assert.rejects(a.d.api.invokeCommand(oldDevice.id, 'https://identity.mozilla.com/cmd/open-uri', {}), (e: AccountApiError) => e.errno === 157);
      const huge = { title: 'big', url: `https://example.com/${'x'.repeat(60_000)}` };
      await assert.rejects(a.d.sendTab(b.id, huge), (e: AccountApiError) => e.status === 413 && e.errno === 113);
      assert.deepEqual((await b.d.api.commands(0)).messages, []);
    });

    it('expires messages by their TTL and the sweeper deletes the rows', async () => {
      const account = email();
      const a = await device({ email: account, signUp: true, name: 'Laptop' });
      const b = await device({ email: account, name: 'Phone' });
      await stop(b.d);
      await a.d.sendTab(b.id, tab(1), { ttl: 1 });
      await a.d.sendTab(b.id, tab(2), { ttl: 600 });
      assert.equal(await herald.storedEntries(b.id), 2);
      await sleep(1100);
      assert.equal((await b.d.api.commands(0)).messages!.length, 1, 'the expired one is hidden at once');
      await waitFor('the sweeper to delete the expired entry', async () => (await herald.storedEntries(b.id)) === 1, 5000);
    });
  });
}
