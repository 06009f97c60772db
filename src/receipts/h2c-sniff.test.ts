import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import { serveH2cBeside } from './h2c-sniff.js';

describe('HTTP/2 cleartext beside HTTP/1.1 on one port', () => {
  const http1 = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(`h1 ${req.method} ${req.url} ${body}`));
  });
  let counted = 0;
  http1.on('connection', () => counted++);
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 });
    stream.end(`h2 ${headers[':method']} ${headers[':path']}`);
  });
  serveH2cBeside(http1, h2, { sniffTimeoutMs: 300 });
  const ready = new Promise<number>((resolve) => http1.listen(0, '127.0.0.1', () => resolve((http1.address() as AddressInfo).port)));
  after(() => {
    http1.closeAllConnections();
    http1.close();
  });

  it('serves HTTP/1.1 requests, bodies and keep-alive as before', async () => {
    const port = await ready;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/x?${i}`, { method: 'POST', body: 'hello'.repeat(1000) });
      assert.equal(await res.text(), `h1 POST /x?${i} ${'hello'.repeat(1000)}`);
    }
    assert.ok(counted >= 1, 'the other connection listeners still see every socket');
  });

  it('hands a connection that opens with the HTTP/2 preface to the HTTP/2 server', async () => {
    const port = await ready;
    const client = http2.connect(`http://127.0.0.1:${port}`);
    try {
      for (const path of ['/a', '/b']) {
        const req = client.request({ ':path': path });
        let text = '';
        req.on('data', (c: Buffer) => (text += c.toString()));
        await new Promise((resolve) => req.on('end', resolve));
        assert.equal(text, `h2 GET ${path}`);
      }
    } finally {
      client.close();
    }
  });

  it('closes a socket whose peer ends it before sending anything', async () => {
    const port = await ready;
    const before = http1.listenerCount('connection');
    const socket: Socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.on('connect', resolve));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.end();
    await closed;
    assert.equal(http1.listenerCount('connection'), before);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the server kept the socket')), 5000);
      const check = () => http1.getConnections((err, n) => (err ? reject(err) : n === 0 ? (clearTimeout(t), resolve()) : setTimeout(check, 20)));
      check();
    });
  });

  it('closes a socket that sends nothing', async () => {
    const port = await ready;
    const socket: Socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.on('close', resolve));
  });
});
