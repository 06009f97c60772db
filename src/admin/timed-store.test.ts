import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import { timedStore, type StoreMetrics } from './timed-store.js';

function recorder(): StoreMetrics & { calls: string[] } {
  const calls: string[] = [];
  return { calls, storageCall: (op, ok) => void calls.push(`${op}:${ok}`), messagesStored: () => undefined, rowsPurged: () => undefined };
}

describe('timedStore', () => {
  it('times storage calls and closes the store it wraps (private state reached through the proxy)', async () => {
    const metrics = recorder();
    const store = timedStore(await openSqliteStore(':memory:'), metrics);
    await store.addUser({ uaid: 'a'.repeat(32), connectedAt: 1, nodeId: null });
    assert.deepEqual(metrics.calls, ['addUser:true']);
    const { close } = store; // as a shutdown path may take it
    await close();
    await store.close(); // idempotent
    assert.deepEqual(metrics.calls, ['addUser:true'], 'close is not timed');
    await assert.rejects(store.addUser({ uaid: 'b'.repeat(32), connectedAt: 1, nodeId: null }));
    assert.deepEqual(metrics.calls, ['addUser:true', 'addUser:false']);
  });
});
