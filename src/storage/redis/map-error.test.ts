import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StoreBusyError } from '../store.js';
import { mapError } from './connection.js';

describe('Redis mapError', () => {
  it('makes the transient errors of a failover retryable (503), wherever the server put the code', () => {
    for (const message of [
      'READONLY You can\'t write against a read only replica.',
      'ERR Error running script (call to f_1): @user_script:3: -READONLY You can\'t write against a read only replica.',
      'CLUSTERDOWN The cluster is down',
      'MOVED 3999 127.0.0.1:6381',
      'ASK 3999 127.0.0.1:6381',
      'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)',
      'Connection is closed.',
      'Failed to refresh slots cache.',
      'only 0 of 1 replicas acknowledged the write',
    ]) {
      assert.ok(mapError(new Error(message)) instanceof StoreBusyError, message);
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    assert.ok(mapError(refused) instanceof StoreBusyError);
  });

  it('leaves real errors alone (500): a bug must not look like a busy server', () => {
    for (const message of ['ERR syntax error', 'WRONGTYPE Operation against a key holding the wrong kind of value', 'ERR Error running script: attempt to compare nil with number', 'TASKS are fine']) {
      const err = new Error(message);
      assert.equal(mapError(err), err, message);
    }
  });
});
