import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStoreDsn } from '../open-store.js';
import { parseRedisDsn } from './redis-dsn.js';

describe('parseRedisDsn', () => {
  it('passes a one-server DSN through, without WAIT by default', () => {
    assert.deepEqual(parseRedisDsn('redis://127.0.0.1:6379/0'), {
      cluster: false, url: 'redis://127.0.0.1:6379/0', nodes: [], username: undefined, password: undefined, tls: false, waitReplicas: 0, waitTimeoutMs: 1000,
    });
    assert.equal(parseRedisDsn('rediss://:p%40ss@cache.example:6380').tls, true);
    assert.equal(parseRedisDsn('rediss://:p%40ss@cache.example:6380').password, 'p@ss');
  });

  it('takes Herald\'s own parameters out and keeps the rest for ioredis', () => {
    const t = parseRedisDsn('redis://h:1/2?wait=2&waitTimeoutMs=250&family=6');
    assert.equal(t.url, 'redis://h:1/2?family=6');
    assert.equal(t.waitReplicas, 2);
    assert.equal(t.waitTimeoutMs, 250);
  });

  it('reads a cluster\'s seed nodes and credentials, with WAIT 1 by default', () => {
    const t = parseRedisDsn('redis+cluster://user:secret@10.0.0.1:7000,[::1]:7001,redis-3:7002');
    assert.deepEqual(t.nodes, [{ host: '10.0.0.1', port: 7000 }, { host: '::1', port: 7001 }, { host: 'redis-3', port: 7002 }]);
    assert.equal(t.cluster, true);
    assert.equal(t.username, 'user');
    assert.equal(t.password, 'secret');
    assert.equal(t.waitReplicas, 1);
    assert.equal(parseRedisDsn('redis+cluster://h:1?wait=0').waitReplicas, 0);
    assert.equal(parseRedisDsn('rediss+cluster://h:1').tls, true);
  });

  it('refuses malformed cluster DSNs and parameters with the form to use', () => {
    assert.throws(() => parseRedisDsn('redis+cluster://h1,h2:7000'), /"h1" is not HOST:PORT; use redis\+cluster:\/\//);
    assert.throws(() => parseRedisDsn('redis+cluster://h1:7000/3'), /only database 0/);
    assert.throws(() => parseRedisDsn('redis://h:1?wait=-1'), /wait=-1 must be a whole number/);
    assert.throws(() => parseRedisDsn('redis://h:1?waitTimeoutMs=0'), /waitTimeoutMs=0/);
  });

  it('is what parseStoreDsn accepts for the Redis backend', () => {
    assert.deepEqual(parseStoreDsn('redis+cluster://a:1,b:2'), { backend: 'redis', url: 'redis+cluster://a:1,b:2' });
    assert.throws(() => parseStoreDsn('redis+cluster://a'), /not HOST:PORT/);
  });
});
