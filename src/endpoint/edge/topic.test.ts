import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../errors/api-error.js';
import { parseTopic } from './topic.js';

const rejects = (raw: string) =>
  assert.throws(() => parseTopic(raw), (e: unknown) => e instanceof ApiError && e.kind === 'invalid-topic' && e.status === 400 && e.errno === 113);

describe('parseTopic', () => {
  it('returns null when there is no Topic header', () => assert.equal(parseTopic(undefined), null));
  it('accepts up to 32 characters of the URL-safe base64 alphabet', () => {
    assert.equal(parseTopic('news-2024_01'), 'news-2024_01');
    assert.equal(parseTopic('a'.repeat(32)), 'a'.repeat(32));
  });
  it('accepts trailing = padding', () => assert.equal(parseTopic('YWJj=='), 'YWJj=='));
  it('rejects a topic longer than 32 characters with 400 and errno 113', () => rejects('a'.repeat(33)));
  it('rejects characters outside the alphabet with errno 113', () => {
    for (const raw of ['no spaces', 'a/b', 'a+b', 'ü', '=abc', 'ab=c']) rejects(raw);
  });
  it('rejects an empty Topic header with errno 113', () => rejects(''));
});
