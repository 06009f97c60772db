/**
 * A master of the Redis Cluster crashes (`kill -9` by its pid) while pushes flow (issue 16,
 * docs/deployment.md "Redis Cluster"): every push answered 201 reaches its user agent (exactly
 * once, or again as a counted duplicate), none is lost; a push during the failover is answered
 * 201 or 503 with `Retry-After`, nothing else; the user agents stay connected throughout.
 *
 * Every push is stored before it goes live (`--ack-window-ms 0`), so each 201 rests on a write
 * that `WAIT 1` saw reach the replica (the cluster default, redis-dsn.ts). The crashed node is
 * then started again and rejoins as the replica of its promoted one: until then that shard has
 * no replica, and its durable writes answer 503.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startRedisCluster, type RedisCluster } from '../support/servers.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { RawClient } from './helpers/raw-client.js';
import { pushEmpty } from './helpers/send.js';
import { waitFor } from './helpers/wait.js';
import { generateFernetKey } from '../../src/crypto/fernet.js';

const USER_AGENTS = 24;
const SENDERS = 6;

interface Agent {
  client: RawClient;
  uaid: string;
  endpoint: string;
  /** Versions received, in order (duplicates included). */
  received: string[];
}

describe('Redis Cluster failover while pushes flow', { timeout: 300_000 }, () => {
  let cluster: RedisCluster;
  let endpoint: HeraldProcess;
  let node: HeraldProcess;
  const agents: Agent[] = [];
  let reading = true;

  before(async () => {
    cluster = await startRedisCluster();
    const shared = { db: cluster.dsn, args: ['--crypto-keys', generateFernetKey()] };
    const endpointArgs = ['--ack-window-ms', '0', '--limit-push-per-subscription', '0', '--limit-push-per-ip', '0', '--penalty-threshold', '0'];
    endpoint = await startHerald({ ...shared, role: 'endpoint', args: [...shared.args, ...endpointArgs] });
    node = await startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl });
    for (let i = 0; i < USER_AGENTS; i++) {
      const client = await RawClient.connect(node.wsUrl);
      const uaid = await client.hello();
      const reply = await client.register(randomUUID());
      assert.equal(reply.status, 200);
      const agent: Agent = { client, uaid, endpoint: reply.pushEndpoint, received: [] };
      agents.push(agent);
      void read(agent);
    }
  });

  after(async () => {
    reading = false;
    for (const a of agents) a.client.close();
    await Promise.all([endpoint?.dispose(), node?.dispose()]);
    await cluster?.stop();
  });

  /** Receive and ack every notification until the test ends. */
  async function read(agent: Agent): Promise<void> {
    while (reading && !agent.client.closed) {
      let frame: { messageType: string; channelID?: string; version?: string };
      try {
        frame = await agent.client.next(1000);
      } catch {
        continue;
      }
      if (frame.messageType !== 'notification') continue;
      agent.received.push(frame.version!);
      agent.client.send({ messageType: 'ack', updates: [{ channelID: frame.channelID, version: frame.version }] });
    }
  }

  it('delivers every push answered 201, answers the rest 503 with Retry-After, and keeps the user agents connected', async () => {
    const victim = await cluster.masterOf(`herald:{${agents[0]!.uaid}}:user`);
    const onVictim = new Set<Agent>();
    for (const a of agents) if ((await cluster.masterOf(`herald:{${a.uaid}}:user`)) === victim) onVictim.add(a);

    const accepted = new Map<string, Agent>();
    const refused: { status: number; retryAfter: string | null; body: string }[] = [];
    let phase: 'before' | 'failover' | 'after' = 'before';
    const acceptedOnVictimAfter = new Set<string>();
    let flowing = true;
    let next = 0;
    const sender = async () => {
      while (flowing) {
        const agent = agents[next++ % agents.length]!;
        const res = await pushEmpty(agent.endpoint, 600);
        if (res.status === 201) {
          const version = res.headers.get('location')!.split('/m/')[1]!;
          accepted.set(version, agent);
          if (phase === 'after' && onVictim.has(agent)) acceptedOnVictimAfter.add(version);
        } else {
          refused.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body });
          // As a well-behaved sender would, though shorter than Retry-After: the test wants pushes flowing.
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const senders = Array.from({ length: SENDERS }, sender);

    await waitFor('pushes to flow', () => accepted.size >= 60, 60_000);
    phase = 'failover';
    await cluster.crash(victim);
    // The replica takes over after the node timeout (2 s in the test cluster).
    await cluster.waitHealthy({ replicas: false, timeoutMs: 60_000 });
    const acceptedDuring = accepted.size;
    await waitFor('pushes to the other shards to go on', () => accepted.size >= acceptedDuring + 30, 60_000);
    // The crashed node comes back as the replica of the promoted one: the shard is redundant again.
    await cluster.restart(victim);
    await cluster.waitHealthy({ timeoutMs: 60_000 });
    phase = 'after';
    await waitFor('pushes to the failed-over shard to be accepted again', () => acceptedOnVictimAfter.size >= 10, 60_000);
    flowing = false;
    await Promise.all(senders);

    // Nothing answered 201 is lost: each reaches its user agent, once or again as a duplicate.
    const lost = () => [...accepted].filter(([version, agent]) => !agent.received.includes(version));
    await waitFor(`every accepted push to arrive (${lost().length} missing)`, () => lost().length === 0, 60_000).catch(() => undefined);
    if (lost().length > 0) {
      const { openStore } = await import('../../src/storage/open-store.js');
      const store = await openStore(cluster.dsn);
      for (const [v, a] of lost()) {
        const storedNow = await store.fetchTimestampMessages(a.uaid, 0, 1000);
        console.log('# LOST', v.slice(-12), 'onVictim', onVictim.has(a), 'stored', storedNow.some((m) => m.version === v), 'nodeId', (await store.getUser(a.uaid))?.nodeId);
      }
      await store.close();
      console.log('# ENDPOINT', endpoint.output().slice(-4000));
      console.log('# NODE', node.output().slice(-4000));
    }
    assert.deepEqual(lost().map(([v]) => v), [], 'pushes answered 201 but never delivered');
    const deliveries = agents.flatMap((a) => a.received);
    const duplicates = deliveries.length - new Set(deliveries).size;

    const notRetryable = refused.filter((r) => r.status !== 503 || r.retryAfter === null);
    if (notRetryable.length > 0) console.log('# ENDPOINT', endpoint.output().slice(-6000));
    assert.deepEqual(notRetryable, [], 'every refused push is a 503 with Retry-After');
    assert.ok(refused.length > 0, 'the failover was seen by some pushes (503)');
    assert.ok(onVictim.size > 0 && onVictim.size < agents.length, `some user agents live on the crashed master (${onVictim.size})`);
    assert.deepEqual(agents.filter((a) => a.client.closed).map((a) => a.client.closed), [], 'user agents stay connected');
    console.log(`# failover: ${accepted.size} pushes accepted, ${refused.length} refused with 503, ${duplicates} duplicate deliveries, ${onVictim.size} of ${agents.length} user agents on the crashed master`);
  });
});
