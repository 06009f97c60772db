/**
 * HTTP/2 cleartext (h2c with prior knowledge, RFC 9113 §3.3) beside HTTP/1.1 on one port: a
 * connection that opens with the HTTP/2 preface goes to an `http2` server, any other to the
 * HTTP/1 server as before. Used for receipt subscriptions (RFC 8030 §6.3, receipt-streams.ts),
 * which need HTTP/2 server push, without a second public port.
 *
 * The first bytes are read, put back (`unshift`) and the socket handed on; both Node servers take
 * bytes already buffered on a socket. A socket that sends nothing within `sniffTimeoutMs`, or
 * closes before it sends anything, is closed, so an idle socket cannot dodge the HTTP server's
 * own timeouts.
 */
import type { Server } from 'node:http';
import type { Http2Server } from 'node:http2';
import type { Socket } from 'node:net';

const PREFACE_START = Buffer.from('PRI * HTTP/2.0');

type ConnectionListener = (socket: Socket) => void;

export interface H2cOptions {
  sniffTimeoutMs: number;
  /** A socket the HTTP/1 server's caps refused; it is not handed to the HTTP/2 server. */
  isRefused?: (socket: Socket) => boolean;
}

/** Route each new connection of `http1` by its first bytes. Call before `listen`, after other 'connection' listeners. */
export function serveH2cBeside(http1: Server, http2: Http2Server, opts: H2cOptions): void {
  const listeners = http1.listeners('connection') as ConnectionListener[];
  // Node's own HTTP/1 listener is the first (added by the constructor); later ones count sockets.
  const [httpListener, ...watchers] = listeners;
  if (httpListener === undefined) throw new Error('serveH2cBeside: the HTTP/1 server has no connection listener');
  http1.removeAllListeners('connection');
  http1.on('connection', (socket: Socket) => {
    for (const watch of watchers) watch.call(http1, socket);
    let seen = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), opts.sniffTimeoutMs);
    // The HTTP server allows half-open sockets and ends them itself; until it has this one, a
    // peer that closes (or fails) before sending anything is closed here.
    const onGone = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    socket.once('error', onGone);
    socket.once('end', onGone);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, PREFACE_START.length);
      const h2 = seen.subarray(0, n).equals(PREFACE_START.subarray(0, n));
      if (h2 && n < PREFACE_START.length) return; // not sure yet: wait for more
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onGone);
      socket.off('end', onGone);
      socket.pause();
      socket.unshift(seen);
      if (h2 && opts.isRefused?.(socket) !== true) http2.emit('connection', socket);
      else if (h2) socket.destroy();
      else httpListener.call(http1, socket);
      process.nextTick(() => socket.resume());
    };
    socket.on('data', onData);
  });
}
