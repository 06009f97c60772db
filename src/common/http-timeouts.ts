/**
 * Request and idle timeouts for Herald's HTTP servers (the public port and the router port), as
 * Fastify server options (docs/configuration.md `httpRequestTimeout`, `httpIdleTimeout`).
 *
 * - `requestTimeout` and `headersTimeout`: the whole request, headers and body, must arrive in
 *   time, else Node answers 408 and closes the socket. Node also starts this clock when a socket
 *   connects, so one that never sends a byte is closed too. Node checks every
 *   `connectionsCheckingInterval` (30 s by default, which would double a short timeout).
 * - `keepAliveTimeout`: an idle kept-alive socket is closed after it (see the default's comment in
 *   config/settings.ts on why it must outlast the clients' own).
 * - No `connectionTimeout`: a slow handler (a push waiting on another node) is not the client's fault.
 *
 * None of them reaches a WebSocket: Node drops its timers and its request tracking for a socket
 * once it is upgraded, and ws turns the socket's idle timeout off.
 */
import type { ServerOptions } from 'node:http';
import type { Settings } from '../config/settings.js';

export interface HttpTimeoutOptions {
  requestTimeout: number;
  keepAliveTimeout: number;
  http: Pick<ServerOptions, 'headersTimeout' | 'connectionsCheckingInterval'>;
}

export function httpTimeoutOptions(settings: Pick<Readonly<Settings>, 'httpRequestTimeout' | 'httpIdleTimeout'>): HttpTimeoutOptions {
  const requestMs = Math.round(settings.httpRequestTimeout * 1000);
  return {
    requestTimeout: requestMs,
    keepAliveTimeout: Math.round(settings.httpIdleTimeout * 1000),
    http: {
      // Node requires headersTimeout <= requestTimeout; headers get no longer than the whole.
      headersTimeout: requestMs,
      // Every second, or a quarter of the timeout when that is shorter: late by at most that much.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(requestMs / 4))),
    },
  };
}
