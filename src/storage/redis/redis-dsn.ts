/**
 * The Redis DSNs Herald accepts (docs/storage.md): one server, `redis://[user:pass@]host:port/db`
 * (`rediss://` for TLS), or a Redis Cluster, `redis+cluster://[user:pass@]host:port,host:port,…`
 * (`rediss+cluster://` for TLS), naming any of its nodes (the client learns the rest).
 *
 * Two query parameters of Herald's own, on either form, make a stored message survive the loss
 * of its master (docs/deployment.md): `wait=N` runs `WAIT N` after each write that a 201 or a
 * subscription rests on, and fails the write as retryable unless N replicas acknowledged it
 * within `waitTimeoutMs` (default 1000). Default: `wait=1` on a cluster (one replica per
 * master is the cluster's redundancy), `wait=0` on one server (as before). The parameters are
 * taken out before the rest of the DSN reaches ioredis.
 */
export interface RedisTarget {
  cluster: boolean;
  /** One server: the DSN for ioredis, without Herald's parameters. */
  url: string;
  /** A cluster: its seed nodes. */
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
  /** Replicas that must acknowledge a durable write; 0 = no WAIT. */
  waitReplicas: number;
  waitTimeoutMs: number;
}

const CLUSTER_FORM = 'redis+cluster://[USER:PASSWORD@]HOST:PORT,HOST:PORT,… (rediss+cluster://… for TLS)';

/** Whether a DSN names a Redis server or cluster (any of the schemes above). */
export function isRedisDsn(scheme: string): boolean {
  return scheme === 'redis' || scheme === 'rediss' || scheme === 'redis+cluster' || scheme === 'rediss+cluster';
}

/** Parse a Redis DSN; throws an Error naming the accepted form when it is malformed. */
export function parseRedisDsn(dsn: string): RedisTarget {
  // By hand: the WHATWG URL parser refuses a comma-separated host list.
  const m = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?]*)@)?([^/?]*)([^?]*)(?:\?(.*))?$/i.exec(dsn.trim());
  if (!m) throw new Error(`Not a Redis DSN; use redis://HOST:PORT/DB or ${CLUSTER_FORM}`);
  const [, rawScheme, userinfo, hosts, path, rawQuery] = m as unknown as [string, string, string | undefined, string, string, string | undefined];
  const scheme = rawScheme.toLowerCase();
  const cluster = scheme.endsWith('+cluster');
  const query = new URLSearchParams(rawQuery ?? '');
  const waitParam = query.get('wait');
  const timeoutParam = query.get('waitTimeoutMs');
  const waitReplicas = waitParam === null ? (cluster ? 1 : 0) : Number(waitParam);
  const waitTimeoutMs = timeoutParam === null ? 1000 : Number(timeoutParam);
  if (!Number.isInteger(waitReplicas) || waitReplicas < 0 || waitReplicas > 16) {
    throw new Error(`Redis DSN parameter wait=${waitParam} must be a whole number of replicas from 0 to 16`);
  }
  if (!Number.isInteger(waitTimeoutMs) || waitTimeoutMs < 1 || waitTimeoutMs > 60_000) {
    throw new Error(`Redis DSN parameter waitTimeoutMs=${timeoutParam} must be a whole number of milliseconds from 1 to 60000`);
  }
  query.delete('wait');
  query.delete('waitTimeoutMs');
  const colon = userinfo?.indexOf(':') ?? -1;
  const username = userinfo === undefined || colon === 0 || userinfo === '' ? undefined : decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = userinfo === undefined || colon < 0 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
  const tls = scheme.startsWith('rediss');
  const rest = query.toString();
  if (!cluster) {
    const url = `${scheme}://${userinfo === undefined ? '' : `${userinfo}@`}${hosts}${path}${rest === '' ? '' : `?${rest}`}`;
    return { cluster, url, nodes: [], username, password, tls, waitReplicas, waitTimeoutMs };
  }
  const nodes = hosts.split(',').map((hostPort) => {
    const hp = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(hostPort);
    if (!hp) throw new Error(`Redis Cluster DSN node "${hostPort}" is not HOST:PORT; use ${CLUSTER_FORM}`);
    return { host: hp[1]!.replace(/^\[|\]$/g, ''), port: Number(hp[2]) };
  });
  if (path !== '' && path !== '/' && path !== '/0') {
    throw new Error(`Redis Cluster has only database 0; drop "${path}" from the DSN (${CLUSTER_FORM})`);
  }
  return { cluster, url: '', nodes, username, password, tls, waitReplicas, waitTimeoutMs };
}
