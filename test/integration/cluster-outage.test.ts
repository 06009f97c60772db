/**
 * Storage outages under traffic (issue 3, "Faults"): a `herald endpoint` and a `herald connect`
 * node, separate processes, on a real PostgreSQL (then Redis) server that the test stops for a
 * few seconds while a sender keeps posting and a user agent keeps reading.
 *
 * What must hold:
 * - while the store is down, the endpoint answers 503 with `Retry-After` (never 201, since it
 *   could not store the message), and `/__heartbeat__` says so;
 * - a `hello` while the store is down ends the socket with 1011 "Database", and the same uaid
 *   gets its earlier messages once it is back; a `register` on an open socket is answered with
 *   status 500 and the socket stays usable;
 * - after the restart the endpoint answers 201 again and delivery resumes;
 * - afterwards the user agent has received every message answered 201 (duplicates allowed) and
 *   nothing else.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { startPostgres, startRedis, type TestServer } from '../support/servers.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { RawClient } from './helpers/raw-client.js';
import { pushEmpty } from './helpers/send.js';
import { sleep, waitFor } from './helpers/wait.js';

/** How long the store stays down. */
const OUTAGE_MS = 3000;

type Frame = { messageType: string; channelID?: string; version?: string };
type DbState = 'up' | 'stopping' | 'down' | 'starting' | 'back';

interface Outcome {
  status: number;
  retryAfter: string | null;
  /** The message id (`Location`) of a 201. */
  version: string | null;
  /** The store's state when the request was sent and when its answer came. */
  sent: DbState;
  answered: DbState;
}

/**
 * A user agent that stays connected to `wsUrl` as `uaid`: acks every notification, and on any
 * close says hello again (every 200 ms) until it is told to stop.
 */
class PersistentAgent {
  readonly received: string[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  /** Set if a hello ever answered with another uaid: the server lost the user. */
  lostUser: string | null = null;
  #stopped = false;
  #client: RawClient | null = null;
  readonly #done: Promise<void>;

  constructor(
    readonly wsUrl: string,
    readonly uaid: string,
  ) {
    this.#done = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let client: RawClient | null = null;
      try {
        client = await RawClient.connect(this.wsUrl);
        this.#client = client;
        const got = await client.hello(this.uaid);
        if (got !== this.uaid) {
          this.lostUser = got;
          return;
        }
        while (!this.#stopped) {
          let f: Frame;
          try {
            f = await client.next<Frame>(250);
          } catch (err) {
            if (client.closed) throw err;
            continue; // no frame yet
          }
          if (f.messageType !== 'notification') continue;
          this.received.push(f.version!);
          client.send({ messageType: 'ack', updates: [{ channelID: f.channelID, version: f.version }] });
        }
      } catch {
        if (client?.closed && !this.#stopped) this.closes.push(client.closed);
      }
      client?.close();
      if (!this.#stopped) await sleep(200);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#client?.close();
    await this.#done;
  }
}

interface OutageBackend {
  name: string;
  /** A server whose `halt()` keeps the data, and the DSN of a fresh store on it. */
  start(): Promise<{ server: TestServer; dsn: string }>;
}

function runOutage(backend: OutageBackend): void {
  describe(`a ${backend.name} outage during traffic`, { timeout: 60_000 }, () => {
    const cryptoKey = generateFernetKey();
    let server: TestServer | undefined;
    let endpoint: HeraldProcess | undefined;
    let node: HeraldProcess | undefined;
    const agents: PersistentAgent[] = [];
    const clients: RawClient[] = [];

    before(async () => {
      const started = await backend.start();
      server = started.server;
      const shared = { db: started.dsn, args: ['--crypto-keys', cryptoKey] };
      endpoint = await startHerald({ ...shared, role: 'endpoint' });
      node = await startHerald({ ...shared, role: 'connect', endpointUrl: endpoint.endpointUrl });
    });

    after(async () => {
      await Promise.all(agents.map((a) => a.stop()));
      for (const c of clients) c.close();
      await Promise.all([endpoint?.dispose(), node?.dispose()]);
      await server?.stop();
    });

    async function subscribe(): Promise<{ client: RawClient; uaid: string; endpoint: string }> {
      const client = await RawClient.connect(node!.wsUrl);
      clients.push(client);
      const uaid = await client.hello();
      const reply = await client.register(randomUUID());
      assert.equal(reply.status, 200);
      return { client, uaid, endpoint: reply.pushEndpoint };
    }

    const heartbeat = async (p: HeraldProcess) => ((await (await fetch(`${p.publicUrl}/__heartbeat__`)).json()) as { status: string }).status;

    it('answers 503 with Retry-After while the store is down, 201 again after, and delivers exactly what it accepted', async () => {
      const live = await subscribe();
      live.client.close();
      const agent = new PersistentAgent(node!.wsUrl, live.uaid);
      agents.push(agent);

      // A user agent that stays connected through the outage and registers during it.
      const registrar = await subscribe();

      // A second user agent, offline, with a message stored before the outage.
      const offline = await subscribe();
      offline.client.close();
      const storedBefore = await pushEmpty(offline.endpoint, 60);
      assert.equal(storedBefore.status, 201, storedBefore.body);
      const storedVersion = storedBefore.headers.get('location')!.split('/m/')[1]!;

      // The sender: one push at a time, recording every answer with the store's state.
      let state: DbState = 'up';
      let sending = true;
      const outcomes: Outcome[] = [];
      const unanswered: string[] = [];
      const sender = (async () => {
        while (sending) {
          const sent = state;
          let res;
          try {
            res = await pushEmpty(live.endpoint, 60);
          } catch (err) {
            // No answer at all (seen once in CI: a kept-alive socket closed under the request,
            // not reproduced in 14 runs since): the outcome is unknown, so it is counted apart.
            unanswered.push(`${String((err as Error & { cause?: Error }).cause ?? err)} (sent while the store was ${sent}, at ${new Date().toISOString()})`);
            await sleep(20);
            continue;
          }
          outcomes.push({
            status: res.status,
            retryAfter: res.headers.get('retry-after'),
            version: res.status === 201 ? res.headers.get('location')!.split('/m/')[1]! : null,
            sent,
            answered: state,
          });
          await sleep(20);
        }
      })();

      let downHello: { code: number; reason: string } | undefined;
      let downRegister: { status: number } | undefined;
      let heartbeatDown: string | undefined;
      try {
        await waitFor('some pushes accepted before the outage', () => outcomes.filter((o) => o.status === 201).length >= 5, 10_000);
        state = 'stopping';
        await server!.halt();
        state = 'down';
        const downAt = Date.now();

        // The offline UA says hello while the store is down: closed with 1011 "Database".
        const hello = await RawClient.connect(node!.wsUrl);
        clients.push(hello);
        hello.send({ messageType: 'hello', use_webpush: true, broadcasts: {}, uaid: offline.uaid });
        downHello = await hello.waitClose(8000);
        // A register on an open socket: a 500 in the reply, and the socket stays open.
        downRegister = await registrar.client.register(randomUUID());
        heartbeatDown = await heartbeat(endpoint!);

        await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
        state = 'starting';
        await server!.resume();
        state = 'back';
        await waitFor('a push accepted after the restart', () => outcomes.some((o) => o.sent === 'back' && o.status === 201), 20_000);
        await waitFor('a few more', () => outcomes.filter((o) => o.sent === 'back' && o.status === 201).length >= 5, 10_000);
      } finally {
        sending = false;
        await sender;
      }

      const accepted = outcomes.filter((o) => o.status === 201).map((o) => o.version!);
      const duringOutage = outcomes.filter((o) => o.sent === 'down' && o.answered === 'down');
      assert.ok(duringOutage.length > 0, 'some pushes were sent while the store was down');
      for (const o of duringOutage) {
        assert.equal(o.status, 503, `a push sent and answered while the store was down: ${JSON.stringify(o)}`);
        assert.ok(o.retryAfter !== null && Number(o.retryAfter) > 0, `503 with Retry-After: ${JSON.stringify(o)}`);
      }
      const unexpected = outcomes.filter((o) => o.status !== 201 && !(o.status === 503 && o.retryAfter !== null));
      assert.deepEqual(unexpected, [], 'every answer was 201, or 503 with Retry-After');
      assert.deepEqual(downHello, { code: 1011, reason: 'Database' }, 'a hello while the store is down');
      assert.equal(heartbeatDown, 'ERROR', '/__heartbeat__ while the store is down');
      assert.equal(downRegister?.status, 500, 'a register while the store is down');
      const reg = await registrar.client.register(randomUUID());
      assert.equal(reg.status, 200, 'the same socket registers again once the store is back');

      // Delivery: every accepted message arrives (duplicates allowed), and nothing else does.
      await waitFor(
        'the live UA to receive every accepted message',
        () => accepted.every((v) => agent.received.includes(v)),
        20_000,
      ).catch((err: Error) => {
        const missing = accepted.filter((v) => !agent.received.includes(v));
        throw new Error(`${err.message}: ${missing.length} of ${accepted.length} missing; closes ${JSON.stringify(agent.closes)}`);
      });
      assert.equal(agent.lostUser, null, 'the UA kept its uaid across the outage');
      const acceptedSet = new Set(accepted);
      // A push that got no answer may or may not have been stored: at most that many extras.
      const extras = new Set(agent.received.filter((v) => !acceptedSet.has(v)));
      assert.ok(extras.size <= unanswered.length, `received only messages answered 201 (${extras.size} others; ${unanswered.length} pushes unanswered: ${unanswered.join('; ')})`);
      // Not explained yet (docs/security.md, finding 14): when it happens, show what the endpoint logged.
      if (unanswered.length > 0) console.log(`# unanswered: ${unanswered.join('; ')}\n# endpoint output:\n${endpoint!.output().split('\n').slice(-40).join('\n')}`);
      assert.ok(unanswered.length <= 1, `at most one push without an answer: ${unanswered.join('; ')}`);
      await agent.stop();

      // The UA refused during the outage gets its message now.
      const again = await RawClient.connect(node!.wsUrl);
      clients.push(again);
      assert.equal(await again.hello(offline.uaid), offline.uaid);
      const f = await again.next<Frame>(5000);
      assert.equal(f.messageType, 'notification');
      assert.equal(f.version, storedVersion);
      assert.equal(await heartbeat(endpoint!), 'OK');

      const tally = (s: DbState) => {
        const o = outcomes.filter((x) => x.sent === s);
        return `${s}: ${o.filter((x) => x.status === 201).length}x201 ${o.filter((x) => x.status === 503).length}x503`;
      };
      console.log(
        `# ${backend.name} outage: ${outcomes.length} pushes answered, ${unanswered.length} not (${(['up', 'stopping', 'down', 'starting', 'back'] as const).map(tally).join(', ')}); ` +
          `UA received ${agent.received.length} (${agent.received.length - acceptedSet.size} duplicates), closed ${agent.closes.length}x ${JSON.stringify([...new Set(agent.closes.map((c) => `${c.code} ${c.reason}`))])}`,
      );
    });
  });
}

runOutage({
  name: 'PostgreSQL',
  start: async () => {
    const server = await startPostgres();
    return { server, dsn: await server.createDatabase('outage') };
  },
});

runOutage({
  name: 'Redis (append-only file, so the data survives the restart)',
  start: async () => {
    const server = await startRedis({ persist: true });
    return { server, dsn: server.dsn };
  },
});
