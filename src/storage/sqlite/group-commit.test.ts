import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit.js';

function table(path = ':memory:') {
  const db = new Database(path);
  db.pragma('busy_timeout = 0');
  db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)');
  const insert = db.prepare('INSERT INTO t (k) VALUES (?)');
  const count = () => db.prepare('SELECT count(*) FROM t').pluck().get() as number;
  return { db, insert: (k: string) => insert.run(k).changes, count };
}

describe('GroupCommit', () => {
  it('runs the writes of one turn in one transaction and resolves each with its own result', async () => {
    const t = table();
    const group = new GroupCommit(t.db, (e) => e);
    const results = await Promise.all(['a', 'b', 'c'].map((k) => group.run(() => ({ k, inTx: t.db.inTransaction, n: t.insert(k) }))));
    assert.deepEqual(results, [
      { k: 'a', inTx: true, n: 1 },
      { k: 'b', inTx: true, n: 1 },
      { k: 'c', inTx: true, n: 1 },
    ]);
    assert.equal(t.count(), 3);
    assert.equal(t.db.inTransaction, false, 'committed');
  });

  it('rolls back only the write that threw, and rejects only its promise', async () => {
    const t = table();
    const group = new GroupCommit(t.db, (e) => e);
    const outcomes = await Promise.allSettled([
      group.run(() => t.insert('x')),
      group.run(() => {
        t.insert('half-done');
        throw new Error('this write fails');
      }),
      group.run(() => t.insert('x')), // a duplicate key: fails on its own
      group.run(() => t.insert('y')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(t.db.prepare('SELECT k FROM t ORDER BY k').pluck().all(), ['x', 'y'], 'nothing of the failed writes is kept');
  });

  it('rejects the whole batch, mapped, when the transaction cannot begin (another writer holds the lock)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'herald-group-')), 'g.db');
    const [a, b] = [table(path), table(path)];
    a.db.pragma('journal_mode = WAL');
    b.db.exec('BEGIN IMMEDIATE');
    const group = new GroupCommit(a.db, (e) => new Error(`mapped: ${(e as Error).message}`));
    const outcomes = await Promise.allSettled([group.run(() => a.insert('p')), group.run(() => a.insert('q'))]);
    assert.deepEqual(outcomes.map((o) => (o.status === 'rejected' ? String((o.reason as Error).message).startsWith('mapped:') : o.status)), [true, true]);
    b.db.exec('ROLLBACK');
    assert.equal(await group.run(() => a.insert('p')), 1, 'works again once the lock is free');
    a.db.close();
    b.db.close();
  });

  it('waits for a write lock held by another connection without blocking the event loop, then commits what joined meanwhile', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'herald-group-')), 'w.db');
    const [a, b] = [table(path), table(path)];
    a.db.pragma('journal_mode = WAL');
    a.db.pragma('busy_timeout = 5000');
    b.db.exec('BEGIN IMMEDIATE');
    const group = new GroupCommit(a.db, (e) => e);
    const first = group.run(() => a.insert('first'));
    let settled = false;
    first.then(() => (settled = true), () => (settled = true));
    // Blocking inside SQLite's busy handler, the first timer would only run once BEGIN gave up
    // (busy_timeout, 5 s) and `first` had been rejected.
    for (let turn = 0; turn < 3; turn++) await new Promise((r) => setTimeout(r, 1));
    assert.equal(settled, false, 'still waiting for the lock, with the event loop running');
    const joined = group.run(() => a.insert('joined'));
    for (let turn = 0; turn < 3; turn++) await new Promise((r) => setTimeout(r, 1));
    assert.equal(a.count(), 0, 'nothing written while the lock is taken');
    b.db.exec('COMMIT');
    assert.deepEqual(await Promise.all([first, joined]), [1, 1]);
    assert.equal(a.count(), 2);
    assert.equal(a.db.inTransaction, false, 'committed');
    a.db.close();
    b.db.close();
  });

  it('rejects the batch, mapped, once the lock stays taken past busy_timeout', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'herald-group-')), 't.db');
    const [a, b] = [table(path), table(path)];
    a.db.pragma('journal_mode = WAL');
    a.db.pragma('busy_timeout = 30');
    b.db.exec('BEGIN IMMEDIATE');
    const group = new GroupCommit(a.db, (e) => new Error(`mapped: ${(e as Error).message}`));
    await assert.rejects(group.run(() => a.insert('late')), /^Error: mapped: /);
    b.db.exec('ROLLBACK');
    assert.equal(await group.run(() => a.insert('late')), 1, 'works again once the lock is free');
    a.db.close();
    b.db.close();
  });

  it('flush() commits what is queued at once, and a closed database rejects the queue', async () => {
    const t = table();
    const group = new GroupCommit(t.db, (e) => e);
    const queued = group.run(() => t.insert('now'));
    group.flush();
    assert.equal(t.count(), 1);
    assert.equal(await queued, 1);
    const late = group.run(() => t.insert('late'));
    t.db.close();
    await assert.rejects(late, /closed/);
  });
});
