import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectionCap, openFilesLimit, RESERVED_FILE_HANDLES } from './file-handle-cap.js';

const limits = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
`;

describe('openFilesLimit', () => {
  it('reads the soft open-files limit', () => {
    assert.equal(openFilesLimit(limits), 20000);
    assert.equal(openFilesLimit(limits.replace('20000                20000', 'unlimited            unlimited')), null);
    assert.equal(openFilesLimit('nothing here'), null);
  });
  it('reads this process limit on Linux', () => {
    assert.ok((openFilesLimit() ?? 1) > 0);
  });
});

describe('connectionCap', () => {
  it('prefers the configured cap, else leaves reserved handles under the file limit', () => {
    assert.equal(connectionCap(100, 20000), 100);
    assert.equal(connectionCap(0, 20000), 20000 - RESERVED_FILE_HANDLES);
    assert.equal(connectionCap(0, null), null);
    assert.equal(connectionCap(0, 10), 1);
  });
});
