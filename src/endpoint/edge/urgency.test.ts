import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseUrgency } from './urgency.js';

describe('parseUrgency', () => {
  it('reads the four RFC 8030 urgencies', () => {
    for (const u of ['very-low', 'low', 'normal', 'high'] as const) assert.equal(parseUrgency(u), u);
  });
  it('is case-insensitive', () => assert.equal(parseUrgency('High'), 'high'));
  it('returns undefined when there is no Urgency header', () => assert.equal(parseUrgency(undefined), undefined));
  it('ignores an invalid urgency instead of refusing the push, as autopush ignores the header', () => {
    for (const raw of ['urgent', '', 'very low', '1']) assert.equal(parseUrgency(raw), undefined);
  });
});
