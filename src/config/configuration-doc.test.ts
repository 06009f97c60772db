import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { autopushNames } from './autopush-env.js';
import { settingsCatalog } from './catalog.js';
import { settingKeys } from './config-file.js';
import { TABLE_END, TABLE_START, renderConfigurationTable } from './configuration-table.js';
import { envName, kebab } from './load-settings.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  for (const { key } of settingsCatalog) {
    it(`has a row for ${key} with its flag and variable`, () => {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${key}\``));
      assert.ok(row, `a row for ${key}`);
      assert.ok(row.includes(`\`--${kebab(key)} `) && row.includes(`\`${envName(key)}\``), row);
    });
  }

  it('names every autopush variable Herald reads', () => {
    for (const n of autopushNames) assert.ok(doc.includes(`\`${n.family}__${n.name}\``), `${n.family}__${n.name}`);
  });

  it('holds the table as the catalog renders it (regenerate: node --import tsx src/config/configuration-table.ts)', () => {
    const start = doc.indexOf(TABLE_START);
    const end = doc.indexOf(TABLE_END);
    assert.ok(start !== -1 && end > start, 'the table markers');
    assert.equal(doc.slice(start, end + TABLE_END.length), renderConfigurationTable());
  });
});

describe('the settings catalog', () => {
  it('covers every setting exactly once, so --help and the doc list them all', () => {
    assert.deepEqual([...settingsCatalog.map((d) => d.key)].sort(), [...settingKeys].sort());
  });
});
