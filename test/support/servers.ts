/**
 * Real PostgreSQL and Redis servers for tests (DESIGN.md: "the test setup starts real PostgreSQL
 * and Redis servers"). Each runs on 127.0.0.1, on a free port, in a fresh temporary directory,
 * as a child process of the test that started it; `stop()` ends it by its pid and removes the
 * directory. Every wait is bounded, and a missing binary says which package to install
 * (scripts/system-packages.mjs installs them for the suite).
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
 * `postgres` OS user (Node's `spawn` with uid/gid, which also drops root's supplementary groups),
 * in a directory chowned to it. The distro's own services are never used.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import pg from 'pg';

export interface TestServer {
  port: number;
  /**
   * Stop the process, as an outage would; resolves once it has exited. PostgreSQL keeps its data;
   * Redis only when started with `{ persist: true }`.
   */
  halt(): Promise<void>;
  /** Start it again after `halt()`, on the same port with the same data; resolves when ready. */
  resume(): Promise<void>;
  /** End the server by its pid and remove its directory; idempotent. */
  stop(): Promise<void>;
}

export interface PostgresServer extends TestServer {
  /** `postgres://postgres@127.0.0.1:PORT/herald`: the database created at start. */
  dsn: string;
  /** Create another empty database; returns its DSN. */
  createDatabase(name: string): Promise<string>;
}

export interface RedisServer extends TestServer {
  /** `redis://127.0.0.1:PORT/0` */
  dsn: string;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const INSTALL_POSTGRES = 'postgresql is not installed: run `apt-get install -y --no-install-recommends postgresql` (Debian/Ubuntu), or put initdb and postgres on PATH';
const INSTALL_REDIS = 'redis-server is not installed: run `apt-get install -y --no-install-recommends redis-server` (Debian/Ubuntu), or put redis-server on PATH';

/** Start a throw-away PostgreSQL server with a database `herald`; trust auth, loopback only. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const owner = serverUser();
  const dir = mkdtempSync(join(tempBase(), 'herald-pg-'));
  const data = join(dir, 'data');
  try {
    chownSync(dir, owner.uid, owner.gid);
    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { cwd: dir, uid: owner.uid, gid: owner.gid, encoding: 'utf8', timeout: 120_000 },
    );
    if (init.status !== 0) throw new Error(`initdb failed (${init.error?.message ?? `exit ${init.status}`}):\n${init.stdout}${init.stderr}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const server = await startWithFreePort(dir, (port) => ({
    command: join(bin, 'postgres'),
    args: [
      '-D', data,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `port=${port}`,
      '-c', `unix_socket_directories=${dir}`,
      // A test database: durability is not the point, speed is.
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=200',
    ],
    user: owner,
    // SIGINT is PostgreSQL's "fast" shutdown (pg_ctl stop -m fast): roll back, disconnect, exit.
    stopSignal: 'SIGINT',
    ready: () => pgQuery(port, 'postgres', 'SELECT 1'),
  }));
  try {
    await pgQuery(server.port, 'postgres', 'CREATE DATABASE herald');
  } catch (err) {
    await server.stop();
    throw err;
  }
  const dsnFor = (db: string) => `postgres://postgres@127.0.0.1:${server.port}/${db}`;
  return {
    ...server,
    dsn: dsnFor('herald'),
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await pgQuery(server.port, 'postgres', `CREATE DATABASE ${name}`);
      return dsnFor(name);
    },
  };
}

/**
 * Start a throw-away Redis server, loopback only. No persistence by default, so `halt()` loses
 * the data as a cache restart would; `{ persist: true }` keeps it across `halt()`/`resume()`
 * (an append-only file, flushed on shutdown), as a production Redis with AOF would.
 */
export async function startRedis(opts: { persist?: boolean; password?: string } = {}): Promise<RedisServer> {
  const binary = findOnPath('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
  if (!binary) throw new Error(INSTALL_REDIS);
  const dir = mkdtempSync(join(tempBase(), 'herald-redis-'));
  const server = await startWithFreePort(dir, (port) => ({
    command: binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', opts.persist ? 'yes' : 'no', '--appendfsync', 'no', '--dir', dir, ...(opts.password ? ['--requirepass', opts.password] : [])],
    stopSignal: 'SIGTERM',
    ready: () => redisPing(port),
  }));
  return { ...server, dsn: `redis://${opts.password ? `:${opts.password}@` : ''}127.0.0.1:${server.port}/0` };
}

interface ProcessSpec {
  command: string;
  args: string[];
  user?: { uid: number; gid: number };
  stopSignal: NodeJS.Signals;
  /** Resolves when the server answers; rejects while it does not yet. */
  ready: () => Promise<unknown>;
}

/** Children still running when the test process exits are ended there (SIGQUIT: immediate). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGQUIT');
});

/** Pick a free port and start; a port taken between the pick and the bind gets another try. */
async function startWithFreePort(dir: string, specFor: (port: number) => ProcessSpec): Promise<TestServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const spec = specFor(port);
    try {
      let child = await launch(spec, dir);
      const halt = async (): Promise<void> => {
        if (child.exitCode === null && child.signalCode === null) await endProcess(child, spec.stopSignal);
      };
      return {
        port,
        halt,
        async resume(): Promise<void> {
          await halt();
          child = await launch(spec, dir);
        },
        async stop(): Promise<void> {
          await halt();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      if (!/address already in use|could not bind|could not create listen socket/i.test(String(err))) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

/** Spawn the server with its output in `dir/server.log`, and wait (bounded) until it answers. */
async function launch(spec: ProcessSpec, dir: string): Promise<ChildProcess> {
  const logFile = join(dir, 'server.log');
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: dir,
      stdio: ['ignore', log, log],
      ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
    });
  } finally {
    closeSync(log);
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${spec.command} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(logFile)}`);
    }
    try {
      await Promise.race([spec.ready(), spawnError]);
      return child;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).syscall?.startsWith('spawn')) throw err;
      if (Date.now() > deadline) {
        await endProcess(child, 'SIGKILL');
        throw new Error(`${spec.command} was not ready within ${READY_TIMEOUT_MS} ms (${String(err)}):\n${tail(logFile)}`);
      }
      await sleep(100);
    }
  }
}

/** Signal the child by its pid and wait for it to exit; SIGKILL if it outlives the bound. */
async function endProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function pgQuery(port: number, database: string, sql: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redisPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(new Error('no answer to PING within 2 s')), 2000);
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (!reply.includes('\r\n')) return;
      socket.end();
      // NOAUTH: up, and asking for the password (startRedis's `password`).
      if (reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')) resolve();
      else reject(new Error(`redis answered PING with ${reply.trim()}`));
    });
    socket.on('error', reject);
    socket.on('close', () => clearTimeout(timer));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The newest /usr/lib/postgresql/N/bin (Debian), else the directory of initdb on PATH. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const initdb = findOnPath('initdb', []);
  if (initdb && existsSync(join(dirname(initdb), 'postgres'))) return dirname(initdb);
  throw new Error(INSTALL_POSTGRES);
}

/** Who runs the PostgreSQL server: ourselves, or the `postgres` OS user when we are root. */
function serverUser(): { uid: number; gid: number } {
  const me = userInfo();
  if (me.uid !== 0) return { uid: me.uid, gid: me.gid };
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`PostgreSQL cannot run as root and there is no "postgres" OS user; ${INSTALL_POSTGRES}`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** The temp base, unless the `postgres` user could not enter it (e.g. TMPDIR under /root). */
function tempBase(): string {
  const base = tmpdir();
  if (userInfo().uid !== 0) return base;
  for (let p = base; ; p = dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) {
      mkdirSync('/tmp', { recursive: true });
      return '/tmp';
    }
    if (dirname(p) === p) return base;
  }
}

function findOnPath(name: string, candidates: string[]): string | undefined {
  for (const c of candidates) if (existsSync(c)) return c;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:P1,…` naming every node. */
  dsn: string;
  /** Every node's client port, masters and replicas as created. */
  ports: number[];
  /** Ports of the nodes that are masters now (CLUSTER NODES, as the first live node sees it). */
  masters(): Promise<number[]>;
  /** Port of the master serving `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** `kill -9` the node on `port` by its pid, as a crash; resolves once it has exited. */
  crash(port: number): Promise<void>;
  /** Start a crashed node again on its ports with its data and cluster config; resolves when it answers. */
  restart(port: number): Promise<void>;
  /**
   * Resolves when every running node says cluster_state:ok, all 16384 slots are served, and (by
   * default) every master has a connected replica; bounded by `timeoutMs` (default 60 s).
   */
  waitHealthy(opts?: { replicas?: boolean; timeoutMs?: number }): Promise<void>;
  /** End every node by its pid and remove the directory; idempotent. */
  stop(): Promise<void>;
}

/**
 * Start a throw-away Redis Cluster on loopback: 3 masters and 3 replicas (`redis-server
 * --cluster-enabled yes`, joined by `redis-cli --cluster create --cluster-replicas 1`), each with
 * an append-only file, a short node timeout (failover within seconds) and replicas that may always
 * take over. Resolves once the cluster is healthy.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const binary = findOnPath('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
  const cli = findOnPath('redis-cli', ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli']);
  if (!binary || !cli) throw new Error(INSTALL_REDIS);
  const dir = mkdtempSync(join(tempBase(), 'herald-redis-cluster-'));
  const nodes = new Map<number, { spec: ProcessSpec; dir: string; child: ChildProcess | null }>();
  const stopAll = async (): Promise<void> => {
    await Promise.all([...nodes.values()].map(async (n) => {
      if (n.child && n.child.exitCode === null && n.child.signalCode === null) await endProcess(n.child, 'SIGTERM');
      n.child = null;
    }));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = new Set<number>();
    while (ports.size < 12) ports.add(await freePort());
    const [clientPorts, busPorts] = [[...ports].slice(0, 6), [...ports].slice(6)];
    await Promise.all(clientPorts.map(async (port, i) => {
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const spec: ProcessSpec = {
        command: binary,
        args: [
          '--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir,
          '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPorts[i]),
          '--cluster-node-timeout', '2000', '--cluster-replica-validity-factor', '0',
          '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
        ],
        stopSignal: 'SIGTERM',
        ready: () => redisPing(port),
      };
      nodes.set(port, { spec, dir: nodeDir, child: await launch(spec, nodeDir) });
    }));
    const created = spawnSync(cli, ['--cluster', 'create', ...clientPorts.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed (${created.error?.message ?? `exit ${created.status}`}):\n${created.stdout}${created.stderr}`);
    const { Redis } = await import('ioredis');
    const ask = async <T>(port: number, work: (r: InstanceType<typeof Redis>) => Promise<T>): Promise<T> => {
      const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 2000 });
      r.on('error', () => undefined);
      try {
        await r.connect();
        return await work(r);
      } finally {
        r.disconnect();
      }
    };
    const running = () => [...nodes.entries()].filter(([, n]) => n.child !== null).map(([p]) => p);
    const cluster: RedisCluster = {
      dsn: `redis+cluster://${clientPorts.map((p) => `127.0.0.1:${p}`).join(',')}`,
      ports: clientPorts,
      async masters() {
        for (const port of running()) {
          try {
            const text = await ask(port, (r) => r.call('CLUSTER', 'NODES') as Promise<string>);
            // Fields: id, host:port@bus, flags, master id, ping, pong, epoch, link, slots…
            return text.trim().split('\n').map((l) => l.split(' '))
              .filter((f) => f[2]!.split(',').includes('master') && !f[2]!.includes('fail') && f.length > 8)
              .map((f) => Number(/:(\d+)@/.exec(f[1]!)?.[1]));
          } catch {
            // try the next node
          }
        }
        throw new Error('no Redis Cluster node answers');
      },
      async masterOf(key) {
        for (const port of running()) {
          try {
            return await ask(port, async (r) => {
              const slot = (await r.call('CLUSTER', 'KEYSLOT', key)) as number;
              const ranges = (await r.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
              const range = ranges.find(([from, to]) => slot >= from && slot <= to);
              if (!range) throw new Error(`slot ${slot} is not served`);
              return range[2][1];
            });
          } catch {
            // try the next node
          }
        }
        throw new Error(`no Redis Cluster node says which master serves ${key}`);
      },
      async crash(port) {
        const node = nodes.get(port);
        if (!node?.child) throw new Error(`no running cluster node on port ${port}`);
        await endProcess(node.child, 'SIGKILL');
        node.child = null;
      },
      async restart(port) {
        const node = nodes.get(port);
        if (!node || node.child) throw new Error(`cluster node ${port} is not crashed`);
        node.child = await launch(node.spec, node.dir);
      },
      async waitHealthy({ replicas = true, timeoutMs = 60_000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        let last = '';
        for (;;) {
          try {
            const infos = await Promise.all(running().map((p) => ask(p, (r) => r.call('CLUSTER', 'INFO') as Promise<string>)));
            const bad = infos.find((i) => !/cluster_state:ok/.test(i) || !/cluster_slots_ok:16384/.test(i));
            if (bad === undefined) {
              if (!replicas) return;
              const text = await ask(running()[0]!, (r) => r.call('CLUSTER', 'NODES') as Promise<string>);
              const lines = text.trim().split('\n').map((l) => l.split(' '));
              const masterIds = lines.filter((f) => f[2]!.includes('master') && !f[2]!.includes('fail') && f.length > 8).map((f) => f[0]);
              const served = masterIds.every((id) => lines.some((f) => f[3] === id && f[2]!.includes('slave') && !f[2]!.includes('fail') && f[7] === 'connected'));
              // A replica counts once its initial sync is done: only then does it acknowledge WAIT.
              const synced = served && (await Promise.all(lines.filter((f) => f[2]!.includes('slave') && !f[2]!.includes('fail'))
                .map((f) => ask(Number(/:(\d+)@/.exec(f[1]!)?.[1]), (r) => r.info('replication'))))).every((i) => /master_link_status:up/.test(i) && !/master_sync_in_progress:1/.test(i));
              if (synced && masterIds.length === 3) return;
              last = text;
            } else {
              last = bad;
            }
          } catch (err) {
            last = String(err);
          }
          if (Date.now() > deadline) throw new Error(`Redis Cluster not healthy within ${timeoutMs} ms:\n${last}`);
          await sleep(200);
        }
      },
      stop: stopAll,
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
