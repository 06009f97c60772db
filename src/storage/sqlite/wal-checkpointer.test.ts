import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from './sqlite-store.js';
import { BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpointer.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-wal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `wal-${++files}.db`);

/**
 * Pages reach the database file only when a checkpoint copies them out of the WAL, so its size
 * shows whether one ran. Polls for up to `ms` (bounded; the worker checkpoints every 100 ms).
 */
async function dbFileGrowsBeyond(file: string, bytes: number, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (statSync(file).size > bytes) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const KB = 1024;

describe('WalCheckpointer', () => {
  it('checkpoints on its own thread a WAL the writer no longer checkpoints below the backstop', async () => {
    const file = freshFile();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (b BLOB)');
    const checkpointer = WalCheckpointer.start(db);
    try {
      assert.ok(checkpointer);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES);
      const before = statSync(file).size;
      const insert = db.prepare('INSERT INTO t VALUES (?)');
      for (let i = 0; i < 100; i++) insert.run(Buffer.alloc(4 * KB, i)); // ~100 pages, far below the backstop
      assert.ok(await dbFileGrowsBeyond(file, before + 300 * KB), 'the worker copied the WAL into the database');
    } finally {
      await checkpointer?.close();
      db.close();
    }
    assert.equal(existsSync(`${file}-wal`), false, 'the writer closed last and removed its WAL');
  });

  it('does nothing for an in-memory database', () => {
    const db = new Database(':memory:');
    assert.equal(WalCheckpointer.start(db), null);
    db.close();
  });

  it('close() ends the worker even when it could not open the database', async () => {
    const db = new Database(freshFile());
    db.pragma('journal_mode = WAL');
    const checkpointer = WalCheckpointer.start(db);
    db.close();
    rmSync(db.name);
    await checkpointer?.close(); // resolves: the worker either closed or already failed and exited
  });
});

describe('SQLite store checkpoints', () => {
  it('stored messages reach the database file without the event loop running a checkpoint', async () => {
    const file = freshFile();
    const store = await openSqliteStore(file);
    try {
      const uaid = 'a'.repeat(32);
      const channelID = '0c8e1b9e-6b0e-4b55-9d4b-4d1b3e1c0a01';
      await store.addUser({ uaid, connectedAt: Date.now(), nodeId: null });
      await store.addChannel(uaid, channelID);
      const before = statSync(file).size;
      const data = Buffer.alloc(4 * KB, 1).toString('base64url');
      // ~300 WAL pages: below SQLite's default automatic checkpoint (1000), which used to be the
      // only one, run inside a commit on the event loop.
      for (let i = 0; i < 50; i++) {
        await store.saveMessage(uaid, { channelID, version: `v${i}`, ttl: 60, topic: null, timestamp: Math.floor(Date.now() / 1000), data });
      }
      assert.ok(await dbFileGrowsBeyond(file, before + 150 * KB), 'a checkpoint off the event loop copied the WAL');
    } finally {
      await store.close();
    }
    assert.equal(existsSync(`${file}-wal`), false);
  });
});
