import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, apiErrorTable } from '../../errors/api-error.js';
import { parseUrgency } from './urgency.js';

function refused(raw: string): void {
  assert.throws(
    () => parseUrgency(raw),
    (err: unknown) => err instanceof ApiError && err.kind === 'invalid-urgency',
    JSON.stringify(raw),
  );
}

describe('parseUrgency', () => {
  it('reads the four RFC 8030 urgencies', () => {
    for (const u of ['very-low', 'low', 'normal', 'high'] as const) assert.equal(parseUrgency(u), u);
  });
  it('ignores case and surrounding whitespace', () => {
    assert.equal(parseUrgency('High'), 'high');
    assert.equal(parseUrgency('VERY-LOW'), 'very-low');
    assert.equal(parseUrgency(' low\t'), 'low');
  });
  it('returns undefined when there is no Urgency header', () => assert.equal(parseUrgency(undefined), undefined));
  it('refuses an invalid urgency with 400 and errno 117', () => {
    for (const raw of ['urgent', '', ' ', 'very low', 'verylow', '1', 'high, low', 'normal;q=1', '__proto__']) refused(raw);
    assert.deepEqual({ status: apiErrorTable['invalid-urgency'].status, errno: apiErrorTable['invalid-urgency'].errno }, { status: 400, errno: 117 });
  });
});
