import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runBlocklistConformance } from '../blocklist-conformance.js';
import { openSqliteBlocklist } from './sqlite-blocklist.js';

// A file, not :memory:, so the suite's second connection is another node on the same database.
const dir = mkdtempSync(join(tmpdir(), 'herald-blocklist-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runBlocklistConformance({ name: 'SQLite', open: () => openSqliteBlocklist(join(dir, 'herald.db')) });
