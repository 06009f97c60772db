/**
 * docs/security.md names a test for every control and every attack: each named file exists and
 * each quoted test name is in it, so the table cannot point at tests that were renamed or removed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/security.md'), 'utf8');

describe('docs/security.md', () => {
  const rows = doc.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---') && !/^\| (#|control|surface) \|/.test(line));
  const tableRows = rows.filter((line) => line.split('|').length > 5);

  it('names at least one test in every row of the controls and attacks tables', () => {
    const testedTables = tableRows.filter((line) => !line.includes('default bind') && !/\| (public port|router port|admin port|storage|key file)/.test(line));
    assert.ok(testedTables.length >= 25, `found ${testedTables.length} rows`);
    for (const row of testedTables) assert.match(row, /`[\w./-]+\.test\.ts`/, row);
  });

  it('every named test file exists and every quoted test name is in its file', () => {
    let checked = 0;
    for (const row of tableRows) {
      for (const m of row.matchAll(/`([\w./-]+\.test\.ts)`((?:\s*›\s*"[^"]+"(?:,\s*"[^"]+")*)?)/g)) {
        const file = join(root, m[1]!);
        assert.ok(existsSync(file), `${m[1]} (named in docs/security.md) exists`);
        const text = readFileSync(file, 'utf8');
        for (const name of m[2]!.matchAll(/"([^"]+)"/g)) {
          assert.ok(text.includes(name[1]!), `${m[1]} has a test "${name[1]}"`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 15, `checked ${checked} test names`);
  });
});
