/**
 * One HTTP/2 connection to APNs (`node:http2`, docs/bridges.md "APNs"), as Apple asks providers
 * to keep them: opened on first use, kept open with PING frames while idle, and opened again
 * when APNs or the network closes it (GOAWAY, error, a PING that is not answered). Requests are
 * bounded by a timeout that covers connecting too.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import { BridgeFailure } from '../upstream-failure.js';

export interface ApnsAnswer {
  status: number;
  /** `{"reason": …}` for errors; empty on success. */
  body: string;
}

export interface ApnsSessionOptions {
  /** `https://api.push.apple.com` or another origin. */
  origin: string;
  /** Client certificate and key for certificate auth. */
  tls?: { cert: string; key: string };
  /** Milliseconds between PINGs on the connection; Apple closes silent ones. */
  pingIntervalMs?: number;
  /** CA certificates to trust instead of the system's (a test server's); absent: the system's. */
  ca?: string;
}

/** The connection went away before APNs answered the stream; worth one more try. */
class LostConnection extends BridgeFailure {
  constructor(cause?: unknown) {
    super('unavailable', 'the APNs connection closed before an answer', cause === undefined ? {} : { cause });
  }
}

/** An answer is a small JSON object; a larger one is not read past this. */
const MAX_ANSWER = 16 * 1024;

export class ApnsSession {
  readonly #opts: ApnsSessionOptions;
  #session: ClientHttp2Session | undefined;
  #ping: NodeJS.Timeout | undefined;
  #closed = false;
  /** How many connections were opened (for tests and logs). */
  connects = 0;

  constructor(opts: ApnsSessionOptions) {
    this.#opts = opts;
  }

  /** The open connection, or a new one. */
  #connection(): ClientHttp2Session {
    const live = this.#session;
    if (live !== undefined && !live.closed && !live.destroyed) return live;
    const { tls, ca } = this.#opts;
    const session = connect(this.#opts.origin, { ...(tls ? { cert: tls.cert, key: tls.key } : {}), ...(ca !== undefined ? { ca } : {}) });
    this.connects++;
    this.#session = session;
    const forget = () => {
      if (this.#session === session) {
        this.#session = undefined;
        clearInterval(this.#ping);
      }
    };
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    // Keep-alive: a PING on the idle connection; no answer in time means it is dead.
    clearInterval(this.#ping);
    this.#ping = setInterval(() => {
      if (session.closed || session.destroyed) return;
      const sent = session.ping((err) => {
        if (err) session.destroy();
      });
      if (!sent) session.destroy();
    }, this.#opts.pingIntervalMs ?? 60_000);
    this.#ping.unref();
    session.unref();
    return session;
  }

  /**
   * One request; resolves with APNs's status and body.
   * @throws BridgeFailure `timeout` (no answer in `timeoutMs`, connecting included), `unavailable`
   *   (no connection, reset stream).
   */
  async request(headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<ApnsAnswer> {
    const deadline = Date.now() + timeoutMs;
    try {
      return await this.#once(headers, body, timeoutMs);
    } catch (err) {
      // A stream refused by a connection that was closing (GOAWAY racing our request) never
      // reached APNs: send it once more on a fresh connection, within the same timeout.
      if (err instanceof LostConnection && Date.now() < deadline) return this.#once(headers, body, deadline - Date.now());
      throw err;
    }
  }

  #once(headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<ApnsAnswer> {
    if (this.#closed) return Promise.reject(new BridgeFailure('unavailable', 'the APNs bridge is closed'));
    return new Promise<ApnsAnswer>((resolve, reject) => {
      let session: ClientHttp2Session;
      try {
        session = this.#connection();
      } catch (err) {
        reject(new BridgeFailure('unavailable', `cannot connect to APNs: ${(err as Error).message}`, { cause: err }));
        return;
      }
      let req: ClientHttp2Stream;
      try {
        req = session.request(headers);
      } catch (err) {
        // The session closed between our check and the request (ERR_HTTP2_GOAWAY_SESSION…).
        reject(new LostConnection(err));
        return;
      }
      session.ref();
      let status = 0;
      let text = '';
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        session.unref();
        fn();
      };
      const timer = setTimeout(() => {
        finish(() => reject(new BridgeFailure('timeout', `APNs did not answer within ${timeoutMs} ms`)));
        req.close(constants.NGHTTP2_CANCEL);
      }, timeoutMs);
      req.setEncoding('utf8');
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (chunk: string) => {
        if (text.length < MAX_ANSWER) text += chunk;
      });
      req.on('end', () => finish(() => resolve({ status, body: text })));
      const lost = () => status === 0 && (session.closed || session.destroyed || req.rstCode === constants.NGHTTP2_REFUSED_STREAM);
      req.on('error', (err) => finish(() => reject(lost() ? new LostConnection(err) : new BridgeFailure('unavailable', `APNs request failed: ${err.message}`, { cause: err }))));
      req.on('close', () => finish(() => reject(lost() ? new LostConnection() : new BridgeFailure('unavailable', 'APNs closed the stream without an answer'))));
      req.end(body);
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#ping);
    const s = this.#session;
    this.#session = undefined;
    if (s === undefined || s.closed) return Promise.resolve();
    return new Promise((resolve) => s.close(() => resolve()));
  }
}
