import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, get } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import pino from 'pino';
import { AcceptSwitch } from './accept-switch.js';

/** Connect and resolve with the socket, or reject with the error (ECONNREFUSED while stopped). */
function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** One keep-alive HTTP request over `agent`-less socket reuse: the answer's body. */
function request(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ createConnection: () => socket, path: '/', headers: { connection: 'keep-alive' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('AcceptSwitch', () => {
  const server = createHttpServer({ keepAliveTimeout: 60_000 }, (_req, res) => res.end('ok'));
  const held: Socket[] = [];
  after(() => {
    for (const s of held) s.destroy();
    server.close();
  });

  it('stops and resumes accepting while the sockets it holds keep being served', async () => {
    await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
    const { port } = server.address() as AddressInfo;
    const sw = new AcceptSwitch(server, { host: '127.0.0.1', port }, pino({ level: 'silent' }));

    const idle = await dial(port);
    held.push(idle);
    assert.equal(await request(idle), 'ok');

    sw.set(false);
    await new Promise((r) => setImmediate(r));
    assert.equal(sw.accepting, false);
    await assert.rejects(dial(port), { code: 'ECONNREFUSED' });
    // http.Server#close would have ended this idle keep-alive connection; it is still served.
    assert.equal(await request(idle), 'ok');

    sw.set(true);
    await new Promise<void>((r) => server.once('listening', () => r()));
    assert.equal(sw.accepting, true);
    const later = await dial(port);
    held.push(later);
    assert.equal(await request(later), 'ok');
  });

  it('follows a resume that comes right after a stop', async () => {
    const { port } = server.address() as AddressInfo;
    const sw = new AcceptSwitch(server, { host: '127.0.0.1', port }, pino({ level: 'silent' }));
    void sw.set(false);
    await sw.set(true);
    assert.equal(sw.accepting, true);
    assert.equal(server.listening, true);
    held.push(await dial(port));
  });

  it('takes no more orders once stopped', async () => {
    const { port } = server.address() as AddressInfo;
    const sw = new AcceptSwitch(server, { host: '127.0.0.1', port }, pino({ level: 'silent' }));
    await sw.stop();
    sw.set(false);
    assert.equal(sw.accepting, true);
    held.push(await dial(port));
  });
});
