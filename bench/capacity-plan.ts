/**
 * `node --import tsx bench/capacity-plan.ts [--uas N] [--pushes N] [...]`: the capacity plan of
 * docs/scaling.md, computed. Every input is a figure from docs/benchmarks.md or an assumption
 * stated in its help line; change any of them with its flag and the plan follows. Prints the
 * inputs, the derivation and the node counts as Markdown tables.
 */

interface Input {
  flag: string;
  value: number;
  /** Where the default comes from: "benchmarks.md …" or "assumption: …". */
  source: string;
}

const inputs = {
  // The load.
  uas: { flag: 'uas', value: 10_000_000, source: 'the target: connected user agents' },
  pushes: { flag: 'pushes', value: 100_000, source: 'the target: pushes per second, all accepted (TTL > 0)' },
  liveShare: { flag: 'live-share', value: 0.7, source: 'assumption: share of pushes whose user agent is connected and acks within the ack window (never stored)' },
  storedWaitMin: { flag: 'stored-wait-min', value: 30, source: 'assumption: minutes a stored message waits on average until its user agent drains it' },
  payloadBytes: { flag: 'payload-bytes', value: 2048, source: 'assumption: average encrypted payload (Web Push allows 4096)' },
  reconnectsPerHour: { flag: 'reconnects-per-hour', value: 1, source: 'assumption: hellos per user agent per hour (network changes, sleep and wake)' },
  registersPerDay: { flag: 'registers-per-day', value: 1, source: 'assumption: new subscriptions per user agent per day' },
  // One machine.
  cores: { flag: 'cores', value: 16, source: 'assumption: cores per Herald node (one worker process per core)' },
  memoryGiB: { flag: 'memory-gib', value: 64, source: 'assumption: memory per Herald node' },
  cpuTarget: { flag: 'cpu-target', value: 0.6, source: 'assumption: planned CPU use at peak (headroom for bursts and GC)' },
  memoryTarget: { flag: 'memory-target', value: 0.75, source: 'assumption: planned memory use' },
  // Herald, measured (docs/benchmarks.md).
  rssPerUaKb: { flag: 'rss-per-ua-kb', value: 9.64, source: 'benchmarks.md "Idle": RSS kB per held user agent at 50,000 (4 workers)' },
  kernelPerUaKb: { flag: 'kernel-per-ua-kb', value: 9.87, source: 'benchmarks.md "Idle": kernel kB per connection at 50,000 (both loopback ends: an upper bound)' },
  helloCpuUs: { flag: 'hello-cpu-us', value: 1333, source: 'benchmarks.md "Idle": ~1,500 hellos/s on 2 cores at first (2 s of CPU / 1,500; load generator included: an upper bound)' },
  endpointCpuUs: { flag: 'endpoint-cpu-us', value: 227, source: 'benchmarks.md "Endpoint only": CPU µs per stored VAPID POST' },
  deliveryCpuUs: { flag: 'delivery-cpu-us', value: 246, source: 'benchmarks.md "Throughput": CPU µs per delivered and acked message, both roles in one process (charged again to the connection nodes: an upper bound)' },
  drainCpuUs: { flag: 'drain-cpu-us', value: 169, source: 'benchmarks.md "Storage": 11,839 stored msg/s drained on Redis with Herald on 2 cores (2 s / 11,839)' },
  // Redis, measured (docs/benchmarks.md "Redis footprint") or assumed.
  redisUaBytes: { flag: 'redis-ua-bytes', value: 641, source: 'benchmarks.md "Redis footprint": router record + 1 channel' },
  redisMsgOverheadBytes: { flag: 'redis-msg-overhead-bytes', value: 962, source: 'benchmarks.md "Redis footprint": 3,692 bytes per 2,048-byte message, less its base64url (2,731)' },
  redisLookupUs: { flag: 'redis-lookup-us', value: 16.1, source: 'benchmarks.md "Redis footprint": Redis CPU per lookupChannel' },
  redisSaveUs: { flag: 'redis-save-us', value: 74.0, source: 'benchmarks.md "Redis footprint": Redis CPU per saveMessage (WAIT adds a reply, not a script run)' },
  redisScriptUs: { flag: 'redis-script-us', value: 18.7, source: 'benchmarks.md "Redis footprint": Redis CPU per small script (connectUser, a hello); used for getUser, removeNodeId, addChannel, incrementStorage' },
  redisFetchUs: { flag: 'redis-fetch-us', value: 25.6, source: 'benchmarks.md "Redis footprint": Redis CPU per fetch of a batch of 10' },
  redisCpuTarget: { flag: 'redis-cpu-target', value: 0.5, source: 'assumption: planned use of a shard\'s one command thread (replication, AOF rewrite and failover take the rest)' },
  redisMemoryGiB: { flag: 'redis-memory-gib', value: 24, source: 'assumption: maxmemory per shard (room for a fork\'s copy-on-write on a 64 GiB host)' },
} satisfies Record<string, Input>;

type Key = keyof typeof inputs;

/** Every input at its default. */
export function defaults(): Record<Key, number> {
  return Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value])) as Record<Key, number>;
}

function parse(argv: string[]): Record<Key, number> | null {
  const values = defaults();
  for (let a = 0; a < argv.length; a++) {
    const arg = argv[a]!;
    if (arg === '--help' || arg === '-h') return null;
    const key = (Object.keys(inputs) as Key[]).find((k) => `--${inputs[k].flag}` === arg);
    if (!key) throw new Error(`unknown option ${arg}; see --help`);
    const v = Number(argv[++a]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${arg} takes a non-negative number (got ${argv[a]})`);
    values[key] = v;
  }
  return values;
}

function help(): string {
  const lines = (Object.keys(inputs) as Key[]).map((k) => `  --${inputs[k].flag.padEnd(26)} ${String(inputs[k].value).padEnd(10)} ${inputs[k].source}`);
  return `Usage: node --import tsx bench/capacity-plan.ts [options]

Computes the capacity plan of docs/scaling.md: connection nodes, endpoint nodes, storage calls per
push, hello and ack, and Redis Cluster shards. Every option is an input; its default and where the
default comes from:

${lines.join('\n')}
  --help                     this text`;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export interface Plan {
  connectionNodes: number;
  endpointNodes: number;
  shards: number;
  text: string;
}

export function plan(v: Record<Key, number>): Plan {
  const out: string[] = [];
  const table = (head: string[], rows: (string | number)[][]) => {
    out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`), '');
  };

  // Rates.
  const hellos = (v.uas * v.reconnectsPerHour) / 3600;
  const registers = (v.uas * v.registersPerDay) / 86_400;
  const live = v.pushes * v.liveShare;
  const stored = v.pushes - live;
  const cores = v.cores * v.cpuTarget;

  // Connection nodes: memory and CPU, then one spare so a lost node's user agents fit elsewhere.
  const kbPerUa = v.rssPerUaKb + v.kernelPerUaKb;
  const uasPerNodeByMemory = (v.memoryGiB * 1024 ** 3 * v.memoryTarget) / (kbPerUa * 1000);
  const connByMemory = v.uas / uasPerNodeByMemory;
  const connCpuCores = (hellos * v.helloCpuUs + live * v.deliveryCpuUs + stored * v.drainCpuUs) / 1e6;
  const connByCpu = connCpuCores / cores;
  const connectionNodes = Math.ceil(Math.max(connByMemory, connByCpu)) + 1;
  const perNodeAfterLoss = v.uas / (connectionNodes - 1);
  // A lost node's user agents reconnect to the others: how long the survivors take to say hello to all of them.
  const stormSeconds = ((v.uas / connectionNodes) * v.helloCpuUs) / 1e6 / ((connectionNodes - 1) * v.cores);

  // Endpoint nodes: every push is a VAPID POST.
  const endpointCores = (v.pushes * v.endpointCpuUs) / 1e6;
  const endpointNodes = Math.ceil(endpointCores / cores) + 1;

  // Storage calls (src/endpoint/deliver.ts, src/connection/): per event, on every backend.
  const perLive = 1; // lookupChannel
  const perStored = 3 + 0.2; // lookupChannel, saveMessage, getUser re-read; drained: fetch + pointer move per batch of 10
  const perHello = 2; // connectUser, removeNodeId at the end; a user agent with stored messages reads them as drained ones
  const perRegister = 1; // addChannel
  const callsPerSec = live * perLive + stored * perStored + hellos * perHello + registers * perRegister;

  // Redis CPU, from the measured cost of each call.
  const redisUs =
    live * v.redisLookupUs +
    stored * (v.redisLookupUs + v.redisSaveUs + v.redisScriptUs + (v.redisFetchUs + v.redisScriptUs) / 10) +
    hellos * 2 * v.redisScriptUs +
    registers * v.redisScriptUs;
  const shardsByCpu = redisUs / 1e6 / v.redisCpuTarget;
  // Redis memory: router records, plus the stored backlog (base64url bodies and their overhead).
  const backlog = stored * v.storedWaitMin * 60;
  const msgBytes = Math.ceil(v.payloadBytes / 3) * 4 + v.redisMsgOverheadBytes;
  const redisBytes = v.uas * v.redisUaBytes + backlog * msgBytes;
  const shardsByMemory = redisBytes / (v.redisMemoryGiB * 1024 ** 3);
  const shards = Math.max(3, Math.ceil(Math.max(shardsByCpu, shardsByMemory)));

  out.push(`## Load\n`);
  table(['rate', 'per second', 'from'], [
    ['pushes', fmt(v.pushes), '--pushes'],
    ['live (acked within the window, never stored)', fmt(live), '--pushes × --live-share'],
    ['stored, drained later', fmt(stored), '--pushes × (1 − --live-share)'],
    ['hellos', fmt(hellos), '--uas × --reconnects-per-hour / 3600'],
    ['registers', fmt(registers), '--uas × --registers-per-day / 86400'],
  ]);

  out.push(`## Connection nodes (${v.cores} cores, ${v.memoryGiB} GiB each)\n`);
  table(['item', 'value', 'derivation'], [
    ['memory per user agent', `${fmt(kbPerUa, 2)} kB`, 'RSS + kernel per connection'],
    ['user agents per node by memory', fmt(uasPerNodeByMemory), `${v.memoryGiB} GiB × ${v.memoryTarget} / memory per user agent`],
    ['nodes by memory', fmt(connByMemory, 2), '--uas / user agents per node'],
    ['CPU cores for hellos, live deliveries and drains', fmt(connCpuCores, 1), 'hellos × hello µs + live × delivery µs + stored × drain µs'],
    ['nodes by CPU', fmt(connByCpu, 2), `cores / (${v.cores} × ${v.cpuTarget})`],
    ['**connection nodes**', `**${connectionNodes}**`, 'the larger, rounded up, + 1 spare'],
    ['user agents per node after losing one', fmt(perNodeAfterLoss), '--uas / (nodes − 1)'],
    ['reconnect storm after losing one node', `${fmt(stormSeconds, 1)} s`, 'its user agents × hello µs over the survivors\' cores'],
  ]);

  out.push(`## Endpoint nodes (${v.cores} cores each)\n`);
  table(['item', 'value', 'derivation'], [
    ['CPU cores for the POSTs', fmt(endpointCores, 1), '--pushes × endpoint µs'],
    ['**endpoint nodes**', `**${endpointNodes}**`, `cores / (${v.cores} × ${v.cpuTarget}), rounded up, + 1 spare`],
  ]);

  out.push('## Storage calls (every backend)\n');
  table(['event', 'calls', 'which', 'per second'], [
    ['push, acked live', perLive, 'lookupChannel (Redis: HGETALL + SISMEMBER in one pipeline)', fmt(live * perLive)],
    ['push, stored', perStored, 'lookupChannel, saveMessage (+ WAIT on a cluster), getUser; on drain fetch + pointer per 10', fmt(stored * perStored)],
    ['hello and its disconnect', perHello, 'connectUser (no reads when nothing is stored), removeNodeId', fmt(hellos * perHello)],
    ['ack of a live push', 0, 'nothing (a stored one: removeMessage, or the pointer per batch)', '0'],
    ['register', perRegister, 'addChannel (+ WAIT on a cluster)', fmt(registers * perRegister)],
    ['**total**', '', '', `**${fmt(callsPerSec)}**`],
  ]);

  out.push('## Redis Cluster\n');
  table(['item', 'value', 'derivation'], [
    ['Redis CPU per second of load', `${fmt(redisUs / 1e6, 2)} s`, 'each call × its measured Redis µs'],
    ['shards by CPU', fmt(shardsByCpu, 2), `/ ${v.redisCpuTarget} of one command thread`],
    ['stored backlog', `${fmt(backlog)} messages`, 'stored per second × --stored-wait-min × 60'],
    ['Redis memory', `${fmt(redisBytes / 1024 ** 3, 1)} GiB`, 'user agents × record bytes + backlog × (base64url payload + overhead)'],
    ['shards by memory', fmt(shardsByMemory, 2), `/ ${v.redisMemoryGiB} GiB per shard`],
    ['**shards (masters)**', `**${shards}**`, 'the larger, rounded up, at least 3; each with 1 replica'],
    ['Redis processes', fmt(shards * 2), 'masters + replicas'],
  ]);

  return { connectionNodes, endpointNodes, shards, text: out.join('\n') };
}

function main(): void {
  let values: Record<Key, number> | null;
  try {
    values = parse(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  if (values === null) return console.log(help());
  const p = plan(values);
  console.log(`# Capacity plan: ${fmt(values.uas)} user agents, ${fmt(values.pushes)} pushes/s\n`);
  console.log(p.text);
  console.log(`Connection nodes ${p.connectionNodes}, endpoint nodes ${p.endpointNodes}, Redis Cluster ${p.shards} masters + ${p.shards} replicas.`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
