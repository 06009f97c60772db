import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runReceiptConformance } from '../receipt-conformance.js';
import { openSqliteReceipts } from './sqlite-receipts.js';

// A file, not :memory:, so the suite's second connection is another node on the same database.
const dir = mkdtempSync(join(tmpdir(), 'herald-receipts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runReceiptConformance({ name: 'SQLite', open: () => openSqliteReceipts(join(dir, 'herald.db')) });
