import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apiErrorTable, type ApiErrorKind } from './api-error.js';
import { sessionCloseCodes, type SessionErrorKind } from './session-error.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  for (const [kind, row] of Object.entries(apiErrorTable) as [ApiErrorKind, (typeof apiErrorTable)[ApiErrorKind]][]) {
    it(`documents endpoint error ${kind} with its status and errno`, () => {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${kind}\` |`));
      assert.ok(line, `a row for ${kind}`);
      assert.match(line, new RegExp(`\\| ${row.status} \\| ${row.errno ?? 'null'} \\|`));
    });
  }
  for (const [kind, code] of Object.entries(sessionCloseCodes) as [SessionErrorKind, number][]) {
    it(`documents session close ${kind} with code ${code}`, () => {
      assert.ok(doc.includes(`| \`${kind}\` | ${code} |`), `a row for ${kind}`);
    });
  }
});
