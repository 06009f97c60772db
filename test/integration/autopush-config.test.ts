/**
 * Drop-in configuration (issue 3, "autopush configuration"): a `herald connect` and a
 * `herald endpoint` process configured only through autopush's `AUTOCONNECT__*` and `AUTOEND__*`
 * variables, no Herald flags, on one PostgreSQL database, form a working pair: a user agent on
 * the connect node receives what is posted to the endpoint node.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/store.js';
import { startPostgres, type PostgresServer } from '../support/servers.js';
import { freePort, startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { RawClient } from './helpers/raw-client.js';
import { post, pushEmpty } from './helpers/send.js';
import { waitFor } from './helpers/wait.js';

type Frame = { messageType: string; channelID?: string; version?: string; data?: string };

/** The environment without any setting of Herald's own, so only the autopush names count. */
function withoutHeraldSettings(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HERALD_|AUTOCONNECT__|AUTOEND__)/i.test(k)));
}

describe('a connect/endpoint pair configured only by AUTOCONNECT__ and AUTOEND__ variables', { timeout: 60_000 }, () => {
  const cryptoKey = generateFernetKey();
  let pg: PostgresServer | undefined;
  let dsn: string;
  let store: Store | undefined;
  let connectNode: HeraldProcess | undefined;
  let endpointNode: HeraldProcess | undefined;
  let routerPort: number;
  const clients: RawClient[] = [];

  before(async () => {
    pg = await startPostgres();
    dsn = await pg.createDatabase('autopush_config');
    const [connectPort, endpointPort] = [await freePort(), await freePort()];
    routerPort = await freePort();
    const endpointUrl = `http://127.0.0.1:${endpointPort}`;
    // The process's own environment, without HERALD_* and with exactly these autopush names.
    const base = withoutHeraldSettings();
    endpointNode = await startHerald({
      role: 'endpoint',
      bare: true,
      port: endpointPort,
      endpointUrl,
      env: {
        ...base,
        AUTOEND__HOST: '127.0.0.1',
        AUTOEND__PORT: String(endpointPort),
        AUTOEND__ENDPOINT_URL: endpointUrl,
        AUTOEND__CRYPTO_KEYS: `[${cryptoKey}]`,
        AUTOEND__DB_DSN: dsn,
        // autopush names Herald does not use must not stop it.
        AUTOEND__HUMAN_LOGS: 'true',
        AUTOEND__STATSD_HOST: 'localhost',
      },
    });
    connectNode = await startHerald({
      role: 'connect',
      bare: true,
      port: connectPort,
      endpointUrl,
      env: {
        ...base,
        AUTOCONNECT__PORT: String(connectPort),
        AUTOCONNECT__ROUTER_PORT: String(routerPort),
        AUTOCONNECT__ROUTER_HOSTNAME: '127.0.0.1',
        AUTOCONNECT__ENDPOINT_SCHEME: 'http',
        AUTOCONNECT__ENDPOINT_HOSTNAME: '127.0.0.1',
        AUTOCONNECT__ENDPOINT_PORT: String(endpointPort),
        AUTOCONNECT__CRYPTO_KEY: `[${cryptoKey}]`,
        AUTOCONNECT__DB_DSN: dsn,
        // autopush names Herald does not use must not stop it.
        AUTOCONNECT__STATSD_HOST: 'localhost',
        AUTOCONNECT__MEGAPHONE_API_TOKEN: 'unused',
      },
    });
    store = await openStore(dsn);
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all([connectNode?.dispose(), endpointNode?.dispose()]);
    await store?.close();
    await pg?.stop();
  });

  it('binds the ports and names the node as the variables say', async () => {
    assert.equal(connectNode!.nodeId, `http://127.0.0.1:${routerPort}`, 'node id from ROUTER_HOSTNAME and ROUTER_PORT');
    assert.equal((await fetch(`${connectNode!.publicUrl}/__lbheartbeat__`)).status, 200, 'AUTOCONNECT__PORT');
    assert.equal((await fetch(`${endpointNode!.publicUrl}/__lbheartbeat__`)).status, 200, 'AUTOEND__PORT');
    assert.equal((await fetch(`http://127.0.0.1:${routerPort}/__lbheartbeat__`)).status, 200, 'AUTOCONNECT__ROUTER_PORT');
  });

  it('delivers a message posted to the endpoint node to a UA on the connect node, live and stored', async () => {
    const ua = await RawClient.connect(connectNode!.wsUrl);
    clients.push(ua);
    const uaid = await ua.hello();
    const chid = randomUUID();
    const reg = await ua.register(chid);
    assert.equal(reg.status, 200);
    assert.ok(reg.pushEndpoint.startsWith(`${endpointNode!.endpointUrl}/wpush/`), `endpoint URL from ENDPOINT_SCHEME/HOSTNAME/PORT: ${reg.pushEndpoint}`);
    assert.equal((await store!.getUser(uaid))?.nodeId, connectNode!.nodeId, 'hello wrote the node id into the shared database');

    // Live, with a payload: through the router port (TTL 0 is never stored).
    const body = randomBytes(64);
    const live = await post(reg.pushEndpoint, { headers: { TTL: '0', 'Content-Encoding': 'aes128gcm' }, body });
    assert.equal(live.status, 201, live.body);
    const f = await ua.next<Frame>(5000);
    assert.equal(f.messageType, 'notification');
    assert.equal(f.channelID, chid);
    assert.equal(f.data, body.toString('base64url'));
    ua.send({ messageType: 'ack', updates: [{ channelID: f.channelID, version: f.version }] });

    // Stored while the UA is away, handed over when it comes back.
    ua.close();
    await waitFor('the node id to be cleared', async () => (await store!.getUser(uaid))?.nodeId === null);
    const stored = await pushEmpty(reg.pushEndpoint, 60);
    assert.equal(stored.status, 201, stored.body);
    const back = await RawClient.connect(connectNode!.wsUrl);
    clients.push(back);
    assert.equal(await back.hello(uaid), uaid);
    const g = await back.next<Frame>(5000);
    assert.equal(g.messageType, 'notification');
    assert.equal(g.version, stored.headers.get('location')!.split('/m/')[1]);
  });
});
