/**
 * The baseline for the throughput scenario: HTTP in, WebSocket out, and nothing else. It speaks
 * just enough of the push protocol for the bench's user agents (hello and register replies, a
 * notification frame shaped like Herald's) but validates nothing, stores nothing and ignores
 * acks. Herald's ratio to it is the price of VAPID, tokens, storage look-ups and the protocol.
 *
 * Endpoints are `http://127.0.0.1:PORT/push/<socket index>`. Run as a bench child (IPC).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveChild } from './servers/child-ipc.js';

const sockets: Array<WebSocket | undefined> = [];
const channels: string[] = [];
let version = 0;
let base = '';

function relay(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const index = Number((req.url ?? '').slice('/push/'.length));
    const ws = sockets[index];
    if (req.method !== 'POST' || ws === undefined || ws.readyState !== 1) {
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    ws.send(
      JSON.stringify({
        messageType: 'notification',
        channelID: channels[index],
        version: String(++version),
        data: body.toString('base64url'),
        headers: { encoding: 'aes128gcm' },
      }),
    );
    res.writeHead(201, { 'content-length': '0' }).end();
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, relay);
const wss = new WebSocketServer({
  server,
  perMessageDeflate: false,
  clientTracking: false,
  handleProtocols: (protocols) => (protocols.has('push-notification') ? 'push-notification' : false),
});
wss.on('connection', (ws) => {
  const index = sockets.length;
  sockets.push(ws);
  ws.on('close', () => (sockets[index] = undefined));
  ws.on('error', () => ws.terminate());
  ws.on('message', (data) => {
    const text = String(data);
    // Acks are the common case and are dropped unread.
    if (text.includes('"hello"')) {
      ws.send(JSON.stringify({ messageType: 'hello', uaid: index.toString(16).padStart(32, '0'), status: 200, use_webpush: true }));
    } else if (text.includes('"register"')) {
      const { channelID } = JSON.parse(text) as { channelID: string };
      channels[index] = channelID;
      ws.send(JSON.stringify({ messageType: 'register', channelID, status: 200, pushEndpoint: `${base}/push/${index}` }));
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;
  serveChild({
    ready: { port },
    close: () => {
      for (const ws of sockets) ws?.terminate();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
    stopGraceMs: 3000,
  });
});
