import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { b64uEncode } from '../crypto/base64url.js';
import { generateSubscriptionKeys } from '../crypto/ece.js';
import { loadState, saveState } from './file-state.js';
import type { UserAgentState } from './types.js';

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-sdk-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const k = generateSubscriptionKeys();
const state: UserAgentState = {
  uaid: 'fedcba9876543210fedcba9876543210',
  subscriptions: {
    '0f6c8b1e-2a3d-4c5e-9f70-8192a3b4c5d6': {
      endpoint: 'http://h/wpush/v1/t',
      privateKey: b64uEncode(k.privateKey),
      publicKey: b64uEncode(k.publicKey),
      auth: b64uEncode(k.auth),
    },
  },
};

describe('state files', () => {
  it('loads what it saved', withDir(async (dir) => {
    const path = join(dir, 'nested', 'ua.json');
    await saveState(path, state);
    assert.deepEqual(await loadState(path), state);
  }));

  it('returns null for a missing file', withDir(async (dir) => {
    assert.equal(await loadState(join(dir, 'none.json')), null);
  }));

  it('writes a file only its owner can read, and leaves no temporary file behind', withDir(async (dir) => {
    const path = join(dir, 'ua.json');
    await saveState(path, state);
    await saveState(path, { ...state, uaid: null });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['ua.json']);
    assert.equal((await loadState(path))?.uaid, null);
  }));

  it('names the file when its content is not a state', withDir(async (dir) => {
    const path = join(dir, 'ua.json');
    writeFileSync(path, '{"uaid": 5, "subscriptions": {}}');
    await assert.rejects(loadState(path), new RegExp(`${path}: state.uaid`));
    writeFileSync(path, 'not json');
    await assert.rejects(loadState(path), /ua\.json/);
  }));
});
