import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dashedUuid, uuidBytes, uuidHex } from './uuid.js';

describe('UUID spellings', () => {
  it('accepts simple and dashed forms in any case', () => {
    assert.equal(uuidHex('DECAFBAD-0000-4000-A000-000000000123'), 'decafbad00004000a000000000000123');
    assert.equal(uuidHex('decafbad00004000a000000000000123'), 'decafbad00004000a000000000000123');
    assert.equal(uuidBytes('decafbad-0000-4000-a000-000000000123').length, 16);
  });

  it('rejects misplaced dashes, wrong lengths and non-hex', () => {
    for (const bad of ['decafbad0-000-4000-a000-000000000123', 'decafbad', 'zecafbad00004000a000000000000123', '']) {
      assert.throws(() => uuidHex(bad, 'channelID'), /channelID is not a UUID/, bad);
    }
  });

  it('formats 32 hex characters as a dashed lowercase UUID', () => {
    assert.equal(dashedUuid('DECAFBAD00004000A000000000000123'), 'decafbad-0000-4000-a000-000000000123');
  });
});
