import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors/api-error.js';
import { parseChannelInput, parseRegistrationInput } from './registration-input.js';

const body = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const kind = (k: string) => (e: unknown) => e instanceof ApiError && e.kind === k;

describe('registration input', () => {
  it('takes a token and normalises a channelID to a dashed lowercase UUID', () => {
    const input = parseRegistrationInput(body({ token: 'abcdefgh', channelID: 'A1B2C3D4E5F60718293A4B5C6D7E8F90', extra: true }));
    assert.equal(input.token, 'abcdefgh');
    assert.equal(input.channelID, 'a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90');
  });

  it("refuses a token of fewer than 8 characters or with a space (autopush's rule)", () => {
    assert.throws(() => parseRegistrationInput(body({ token: 'abcdefg' })), kind('invalid-router-token'));
    assert.throws(() => parseRegistrationInput(body({ token: 'abcd efgh' })), kind('invalid-router-token'));
  });

  it('bounds the token at 4096 characters', () => {
    assert.equal(parseRegistrationInput(body({ token: 'a'.repeat(4096) })).token.length, 4096);
    assert.throws(() => parseRegistrationInput(body({ token: 'a'.repeat(4097) })), kind('bad-request'));
  });

  it('reads aps as a JSON string or an object, at most 2048 bytes', () => {
    assert.deepEqual(parseRegistrationInput(body({ token: 'abcdefgh', aps: '{"title":"t"}' })).aps, { title: 't' });
    assert.deepEqual(parseRegistrationInput(body({ token: 'abcdefgh', aps: { body: 'b' } })).aps, { body: 'b' });
    assert.throws(() => parseRegistrationInput(body({ token: 'abcdefgh', aps: '[1]' })), kind('invalid-aps'));
    assert.throws(() => parseRegistrationInput(body({ token: 'abcdefgh', aps: 'not json' })), kind('invalid-aps'));
    assert.throws(() => parseRegistrationInput(body({ token: 'abcdefgh', aps: { title: 'x'.repeat(2048) } })), kind('invalid-aps'));
  });

  it('refuses malformed JSON, a missing token and a key that is not a P-256 point', () => {
    assert.throws(() => parseRegistrationInput(body('{')), kind('bad-request'));
    assert.throws(() => parseRegistrationInput(body({})), kind('bad-request'));
    assert.throws(() => parseRegistrationInput(body({ token: 'abcdefgh', key: Buffer.alloc(65, 4).toString('base64url').slice(1) })), kind('bad-request'));
  });

  it('takes an empty subscription body as no channelID and no key', () => {
    assert.deepEqual(parseChannelInput(Buffer.alloc(0)), {});
    assert.throws(() => parseChannelInput(body({ channelID: 'nope' })), kind('bad-request'));
  });
});
