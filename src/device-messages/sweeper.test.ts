import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { openSqliteMailboxStore } from '../storage/accounts/sqlite/sqlite-mailbox-store.js';
import { startSweeper } from './sweeper.js';

async function waitUntil(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('mailbox sweeper', () => {
  it('deletes expired entries on its schedule, and stops', async () => {
    let now = Date.now();
    const clock = { now: () => now };
    const store = await openSqliteMailboxStore(':memory:', { now: clock.now });
    const key = { uid: 'u'.repeat(32), deviceId: 'd'.repeat(32), box: 'commands' as const };
    await store.append(key, 'short', 1);
    await store.append(key, 'long', 3600);
    now += 1000;
    const swept: number[] = [];
    const purge = store.purgeExpired.bind(store);
    store.purgeExpired = async (ms: number) => {
      const n = await purge(ms);
      swept.push(n);
      return n;
    };
    const sweeper = startSweeper(store, { intervalMs: 20, clock, log: pino({ level: 'silent' }) });
    await waitUntil(() => swept.length >= 2);
    await sweeper.stop();
    const sweepsAtStop = swept.length;
    assert.deepEqual(swept.slice(0, 2), [1, 0], 'the first sweep deleted the expired entry');
    now -= 1000;
    assert.deepEqual((await store.read(key, 0, 10)).messages.map((m) => m.data), ['long'], 'deleted, not just hidden');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(swept.length, sweepsAtStop, 'no sweep after stop');
    await store.close();
  });

  it('counts what a manual sweep deleted, and logs a failing store instead of throwing', async () => {
    const clock = { now: () => Date.now() + 10_000 };
    const store = await openSqliteMailboxStore(':memory:');
    await store.append({ uid: 'u', deviceId: 'd', box: 'messages' }, 'x', 1);
    const warnings: unknown[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const sweeper = startSweeper(store, { intervalMs: 60_000, clock, log });
    assert.equal(await sweeper.sweepNow(), 1);
    await store.close();
    assert.equal(await sweeper.sweepNow(), 0);
    assert.equal(warnings.length, 1);
    await sweeper.stop();
  });
});
