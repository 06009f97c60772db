import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactDsn } from './redact-dsn.js';

describe('redactDsn', () => {
  it('hides passwords in the authority and the query, keeps the rest', () => {
    const cases: Array<[string, string]> = [
      ['redis://:SuperSecretPW@127.0.0.1:6379/0', 'redis://:***@127.0.0.1:6379/0'],
      ['rediss://default:p%40ss@cache.example:6380', 'rediss://default:***@cache.example:6380'],
      ['postgres://herald:hunter2@db:5432/herald?sslmode=require', 'postgres://herald:***@db:5432/herald?sslmode=require'],
      ['postgres://db/herald?user=h&password=hunter2&sslmode=require', 'postgres://db/herald?user=h&password=***&sslmode=require'],
      ['postgres://herald@db/herald', 'postgres://herald@db/herald'],
      ['sqlite:./data/herald.db', 'sqlite:./data/herald.db'],
      ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
      ['nonsense://u:pw:with:colons@h', 'nonsense://u:***@h'],
    ];
    for (const [dsn, shown] of cases) assert.equal(redactDsn(dsn), shown, dsn);
  });
});
