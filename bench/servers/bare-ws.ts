/**
 * The floor for the idle scenario: a `ws` server configured like Herald's (no compression,
 * `push-notification` echoed) that holds sockets and does nothing else. What it costs per
 * connection is what Node, `ws` and the kernel cost; Herald cannot do better in this runtime.
 */
import { WebSocketServer } from 'ws';
import { serveChild } from './child-ipc.js';

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  clientTracking: false,
  maxPayload: 64 * 1024,
  handleProtocols: (protocols) => (protocols.has('push-notification') ? 'push-notification' : false),
});
// Frames arrive and are dropped; no message listener, no replies.
wss.on('connection', (ws) => ws.on('error', () => ws.terminate()));
wss.on('listening', () => {
  const addr = wss.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  serveChild({
    ready: { port },
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
    stopGraceMs: 2000,
  });
});
