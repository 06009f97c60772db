/**
 * A Redis connection as every Herald store opens it: bounded connect and command times, a dead
 * server failing a call after one reconnect attempt (the client keeps reconnecting in the
 * background), Lua scripts defined up front, and retryable failures mapped to `StoreBusyError`.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { StoreBusyError, UnknownUserError } from '../store.js';

export interface RedisConnectionOptions {
  /** Bound on connecting, and on each command, before `StoreBusyError`. Default 5000 each. */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

/**
 * Connect to `dsn` (redis://… or rediss://…) with `scripts` defined, each taking `numberOfKeys`
 * keys; rejects with `StoreBusyError` if it cannot.
 */
export async function connectRedis(dsn: string, opts: RedisConnectionOptions, scripts: Record<string, string> = {}, numberOfKeys = 0): Promise<Redis> {
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 5000,
    commandTimeout: opts.commandTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
  const redis = new Redis(dsn, options);
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

/** True when the server answers a PING. */
export async function redisAnswers(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}

/** Quit politely when connected, then drop the connection. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => undefined);
  redis.disconnect();
}

/**
 * Retryable: the server unreachable or restarting (connection refused, closed, timed out, retries
 * used up), loading its data set, busy with a script, or a replica during fail-over. Script
 * errors and the rest are bugs and are rethrown as they are.
 */
const BUSY_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTCONN']);
const BUSY_MESSAGES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b|Connection is closed|Command timed out|Stream isn't writeable|connect ETIMEDOUT|Reached the max retries/;

export function mapError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof UnknownUserError || err instanceof StoreBusyError) return err;
  const code = (err as { code?: unknown }).code;
  const busy = err.name === 'MaxRetriesPerRequestError' || (typeof code === 'string' && BUSY_ERRNOS.has(code)) || BUSY_MESSAGES.test(err.message);
  return busy ? new StoreBusyError(`Redis is unavailable (${typeof code === 'string' ? code : err.message}); retry`, { cause: err }) : err;
}
