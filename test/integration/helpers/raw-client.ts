/**
 * A bare WebSocket user agent that speaks frames by hand: for tests that must see exactly what
 * the server sends, or misbehave on purpose.
 */
import WebSocket from 'ws';

export class RawClient {
  readonly ws: WebSocket;
  private readonly frames: unknown[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      this.frames.push(isBinary ? data : JSON.parse(String(data)));
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static async connect(url: string, protocols: string[] = ['push-notification']): Promise<RawClient> {
    const ws = new WebSocket(url, protocols);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawClient(ws);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame, or an error after `timeoutMs`. */
  async next<T = Record<string, unknown>>(timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift() as T;
  }

  /** Resolves true if no frame arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.length === 0;
  }

  async hello(uaid?: string): Promise<string> {
    this.send({ messageType: 'hello', use_webpush: true, broadcasts: {}, ...(uaid ? { uaid } : {}) });
    const reply = await this.next<{ messageType: string; uaid: string; status: number }>();
    if (reply.messageType !== 'hello' || reply.status !== 200) throw new Error(`bad hello reply ${JSON.stringify(reply)}`);
    return reply.uaid;
  }

  async register(channelID: string, key?: string): Promise<{ status: number; pushEndpoint: string }> {
    this.send({ messageType: 'register', channelID, ...(key ? { key } : {}) });
    return this.next();
  }

  /** Wait for the server to close the socket; returns code and reason. */
  async waitClose(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`socket still open after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  close(): void {
    this.ws.terminate();
  }
}
