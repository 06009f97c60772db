/**
 * A minimal HTTP/1.1 client for load: a fixed set of keep-alive sockets, one request in flight on
 * each (no pipelining, like an http.Agent with keepAlive), a FIFO queue when all are busy. It
 * writes the request head and body with one writev and parses only the status line and
 * Content-Length of the answer, so the generator spends its CPU on sending, not on parsing;
 * `http.request` costs several times more per request, and the generator shares two cores with
 * the server. Responses with chunked bodies are not supported (push services never send them).
 */
import { connect, type Socket } from 'node:net';

/** Status 0 means the connection failed before a response arrived. */
export type Done = (status: number, stamp: number) => void;

interface Job {
  head: Buffer;
  stamp: number;
  done: Done;
}

const HEADER_END = Buffer.from('\r\n\r\n');

class Conn {
  socket: Socket | null = null;
  job: Job | null = null;
  buf: Buffer | null = null;
  /** Body bytes still expected of the current response; -1 while reading its head. */
  need = -1;
  status = 0;
  closeAfter = false;
  /** This connection's copy of the request body; its first 8 bytes carry the stamp. */
  constructor(
    readonly body: Buffer,
    readonly localAddress: string | undefined,
  ) {}
}

export interface HttpPoolOptions {
  host: string;
  port: number;
  /** Source addresses, used round-robin by the sockets. */
  sources: readonly string[];
  size: number;
  /** Request body template (copied per socket). */
  body: Buffer;
}

export class HttpPool {
  readonly #opts: HttpPoolOptions;
  readonly #conns: Conn[] = [];
  readonly #idle: Conn[] = [];
  #queue: Job[] = [];
  #queueHead = 0;
  #open = false;

  constructor(opts: HttpPoolOptions) {
    this.#opts = opts;
    for (let i = 0; i < opts.size; i++) {
      const src = opts.sources.length > 0 ? opts.sources[i % opts.sources.length] : undefined;
      this.#conns.push(new Conn(Buffer.from(opts.body), src));
    }
  }

  /** Connect every socket. */
  async open(timeoutMs = 10_000): Promise<void> {
    this.#open = true;
    await Promise.all(this.#conns.map((c) => this.#connect(c, timeoutMs)));
  }

  /** Requests waiting for a free socket. */
  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  get inflight(): number {
    let n = 0;
    for (const c of this.#conns) if (c.job !== null) n++;
    return n;
  }

  /** Send `head` + the body stamped with `stamp` on the next free socket. */
  post(head: Buffer, stamp: number, done: Done): void {
    const job = { head, stamp, done };
    const conn = this.#idle.pop();
    if (conn !== undefined) this.#dispatch(conn, job);
    else this.#queue.push(job);
  }

  close(): void {
    this.#open = false;
    for (const c of this.#conns) c.socket?.destroy();
    this.#idle.length = 0;
  }

  #connect(conn: Conn, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.#opts.host, port: this.#opts.port, localAddress: conn.localAddress });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`HTTP connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.setNoDelay(true);
      socket.once('connect', () => {
        clearTimeout(timer);
        conn.socket = socket;
        conn.buf = null;
        conn.need = -1;
        conn.closeAfter = false;
        this.#release(conn);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => this.#onData(conn, chunk));
      socket.on('error', () => {});
      socket.once('close', () => {
        clearTimeout(timer);
        if (conn.socket !== socket) return reject(new Error('HTTP connect failed'));
        conn.socket = null;
        const idle = this.#idle.indexOf(conn);
        if (idle >= 0) this.#idle.splice(idle, 1);
        const job = conn.job;
        conn.job = null;
        if (job) job.done(0, job.stamp);
        if (this.#open) setTimeout(() => this.#open && this.#connect(conn, timeoutMs).catch(() => {}), 20);
      });
    });
  }

  #dispatch(conn: Conn, job: Job): void {
    const socket = conn.socket!;
    conn.job = job;
    conn.body.writeDoubleLE(job.stamp, 0);
    socket.cork();
    socket.write(job.head);
    socket.write(conn.body);
    socket.uncork();
  }

  /** A socket is free: give it the oldest queued request, or park it. */
  #release(conn: Conn): void {
    if (this.#queueHead < this.#queue.length) {
      const job = this.#queue[this.#queueHead]!;
      this.#queue[this.#queueHead++] = undefined as unknown as Job;
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#queueHead);
        this.#queueHead = 0;
      }
      this.#dispatch(conn, job);
    } else this.#idle.push(conn);
  }

  #onData(conn: Conn, chunk: Buffer): void {
    let buf = conn.buf === null ? chunk : Buffer.concat([conn.buf, chunk]);
    for (;;) {
      if (conn.need < 0) {
        const end = buf.indexOf(HEADER_END);
        if (end < 0) break;
        const head = buf.toString('latin1', 0, end).toLowerCase();
        conn.status = Number(head.slice(9, 12));
        const len = /\r\ncontent-length:\s*(\d+)/.exec(head);
        if (head.includes('\r\ntransfer-encoding:')) {
          conn.socket?.destroy(); // not supported; the close handler fails the job
          return;
        }
        conn.need = len ? Number(len[1]) : 0;
        conn.closeAfter = head.includes('\r\nconnection: close');
        buf = buf.subarray(end + 4);
      }
      if (buf.length < conn.need) break;
      buf = buf.subarray(conn.need);
      conn.need = -1;
      const job = conn.job;
      conn.job = null;
      if (conn.closeAfter || conn.status >= 400) {
        // Error answers may come before the body was read: start the next request on a clean socket.
        conn.socket?.destroy();
        conn.buf = null;
        if (job) job.done(conn.status, job.stamp);
        return;
      }
      this.#release(conn);
      if (job) job.done(conn.status, job.stamp);
      if (buf.length === 0) break;
    }
    conn.buf = buf.length > 0 ? buf : null;
  }
}
