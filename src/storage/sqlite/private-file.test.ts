import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAccountStores } from '../accounts/open-account-stores.js';
import { openSqliteBlocklist } from './sqlite-blocklist.js';
import { openSqliteStore } from './sqlite-store.js';

const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('SQLite files are private (docs/security.md)', () => {
  it('creates the data directory 0700 and the database, -wal and -shm files 0600', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'herald-perm-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const path = join(root, 'data', 'herald.db');
    const store = await openSqliteStore(path);
    const blocklist = await openSqliteBlocklist(path);
    const accounts = await openAccountStores(`sqlite:${path}`);
    await store.addUser({ uaid: 'a'.repeat(32), connectedAt: 1, nodeId: null });
    assert.equal(modeOf(join(root, 'data')), 0o700);
    for (const f of [path, `${path}-wal`, `${path}-shm`]) {
      assert.ok(existsSync(f), `${f} exists`);
      assert.equal(modeOf(f).toString(8), '600', f);
    }
    await accounts.close();
    await blocklist.close();
    await store.close();
  });

  it('narrows a database an older version left world-readable', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'herald-perm-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const path = join(root, 'herald.db');
    await (await openSqliteStore(path)).close();
    for (const f of [path, `${path}-wal`]) {
      if (!existsSync(f)) writeFileSync(f, '');
      chmodSync(f, 0o644);
    }
    const store = await openSqliteStore(path);
    assert.equal(modeOf(path).toString(8), '600');
    assert.equal(modeOf(`${path}-wal`).toString(8), '600');
    await store.close();
  });
});
