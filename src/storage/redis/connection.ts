/**
 * A Redis connection as every Herald store opens it: bounded connect and command times, a dead
 * server failing a call after one reconnect attempt (the client keeps reconnecting in the
 * background), Lua scripts defined up front, and retryable failures mapped to `StoreBusyError`.
 * A `redis+cluster://` DSN (redis-dsn.ts) opens an ioredis Cluster instead: the same commands,
 * each sent to the master of its key's slot, so every store keeps the keys one command or script
 * touches in one slot (hash tags, docs/storage.md).
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { StoreBusyError, UnknownUserError } from '../store.js';
import { parseRedisDsn } from './redis-dsn.js';

/** One server or a cluster: the stores use only what both offer (plus `scanKeys` below). */
export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  /** Bound on connecting, and on each command, before `StoreBusyError`. Default 5000 each. */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

/**
 * Connect to `dsn` (redis://…, rediss://…, redis+cluster://…) with `scripts` defined, each taking
 * `numberOfKeys` keys; rejects with `StoreBusyError` if it cannot.
 */
export async function connectRedis(dsn: string, opts: RedisConnectionOptions, scripts: Record<string, string> = {}, numberOfKeys = 0): Promise<RedisClient> {
  const target = parseRedisDsn(dsn);
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 5000,
    commandTimeout: opts.commandTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
  let redis: RedisClient;
  if (target.cluster) {
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      redisOptions: { ...options, username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) },
      // Reads and writes go to masters: a replica may lag behind a write just answered.
      scaleReads: 'master',
      // While a master fails over, a command is retried for a bounded time (maxRedirections ×
      // the delay), then fails as retryable: the sender gets 503 with Retry-After.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      maxRedirections: 16,
      slotsRefreshTimeout: options.connectTimeout,
      clusterRetryStrategy: (times) => Math.min(times * 100, 1000),
    };
    redis = new Cluster(target.nodes, clusterOptions);
  } else {
    redis = new Redis(target.url, options);
  }
  // Connection errors surface as rejected calls; without a listener ioredis would log each one.
  redis.on('error', () => undefined);
  for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { numberOfKeys, lua });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw mapError(err);
  }
  return redis;
}

/**
 * Every key matching `pattern`, in batches to `onKeys`: SCAN on the server, or on every master of
 * a cluster (each holds its own slots' keys).
 */
export async function scanKeys(redis: RedisClient, pattern: string, count: number, onKeys: (keys: string[]) => Promise<void>): Promise<void> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) await onKeys(keys);
    } while (cursor !== '0');
  }
}

/** True when the server answers a PING. */
export async function redisAnswers(redis: RedisClient): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}

/** Quit politely when connected, then drop the connection. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => undefined);
  redis.disconnect();
}

/**
 * Retryable: the server unreachable or restarting (connection refused, closed, timed out, retries
 * used up), loading its data set, busy with a script, or a replica during fail-over. Script
 * errors and the rest are bugs and are rethrown as they are.
 */
const BUSY_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTCONN']);
// Anywhere in the message: inside a script or a pipeline the server's error code comes after a
// prefix ("ERR Error running script ...: -READONLY ..."), and during a failover any of them, a
// redirect (MOVED, ASK) that outlived the client's retries or a WAIT cut short (UNBLOCKED) is
// transient: the sender should retry, not see a 500.
const BUSY_MESSAGES =
  /\b(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|MOVED|ASK|UNBLOCKED)\b|Connection is closed|Command timed out|Stream isn't writeable|connect ETIMEDOUT|Reached the max retries|None of startup nodes is available|Failed to refresh slots cache|Cluster isn't ready|Too many Cluster redirections|replicas acknowledged/;

export function mapError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof UnknownUserError || err instanceof StoreBusyError) return err;
  const code = (err as { code?: unknown }).code;
  const busy = err.name === 'MaxRetriesPerRequestError' || (typeof code === 'string' && BUSY_ERRNOS.has(code)) || BUSY_MESSAGES.test(err.message);
  return busy ? new StoreBusyError(`Redis is unavailable (${typeof code === 'string' ? code : err.message}); retry`, { cause: err }) : err;
}
