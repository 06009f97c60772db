import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apiErrorTable, type ApiErrorKind } from '../errors/api-error.js';
import { explainAnswer, kindsOf, senderAdvice } from './send-explain.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('herald send explanations', () => {
  it("gives each endpoint error the advice of its row in docs/errors.md", () => {
    for (const [kind, advice] of Object.entries(senderAdvice) as [ApiErrorKind, string][]) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${kind}\` |`));
      assert.ok(row, `a row for ${kind}`);
      assert.equal(row.split(' | ').at(-1)?.replace(/ \|$/, ''), advice, kind);
    }
  });

  it('picks the kind whose message the body carries when two share a status and errno', () => {
    assert.deepEqual(kindsOf(404, 102, 'Invalid subscription token'), ['invalid-token', 'invalid-api-version']);
    assert.deepEqual(kindsOf(404, 102, 'Invalid API version'), ['invalid-api-version', 'invalid-token']);
    assert.deepEqual(kindsOf(418, 1, undefined), []);
  });

  it('prints Location and TTL for 201', () => {
    const { ok, lines } = explainAnswer({ status: 201, location: 'http://h/m/abc', ttl: 60, retryAfter: null, body: '' });
    assert.equal(ok, true);
    assert.deepEqual(lines, ['201 Created', 'Location: http://h/m/abc', 'TTL: 60']);
  });

  it('prints errno, meaning, advice and Retry-After for 429', () => {
    const body = JSON.stringify({ code: 429, errno: 115, error: 'Too Many Requests', message: apiErrorTable['rate-limited'].message });
    const { ok, lines } = explainAnswer({ status: 429, location: null, ttl: null, retryAfter: '3', body });
    assert.equal(ok, false);
    assert.deepEqual(lines.slice(0, 2), ['429 Too Many Requests', `errno 115 (rate-limited): ${apiErrorTable['rate-limited'].message}`]);
    assert.ok(lines.includes('Retry-After: 3'));
    assert.match(lines.find((l) => l.startsWith('what to do:')) ?? '', /wait Retry-After seconds/);
  });

  it('shows the body of an answer that is not Herald JSON', () => {
    const { lines } = explainAnswer({ status: 502, location: null, ttl: null, retryAfter: null, body: '<html>bad gateway</html>' });
    assert.deepEqual(lines.slice(0, 2), ['502 Bad Gateway', 'body: <html>bad gateway</html>']);
  });
});
