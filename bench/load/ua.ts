/**
 * A lean user agent for load: one `ws` socket and a few fields, no SDK, no decryption. Three
 * modes, one per server under test:
 *   push   Herald or the bare relay: hello (with the uaid when reconnecting), register once,
 *          then ack every notification as Firefox does (one ack frame per notification).
 *   floor  the bare `ws` server: sends the same hello and register frames, expects no reply.
 *   mqtt   mosquitto: subprotocol `mqtt`, a hand-written MQTT 3.1.1 CONNECT, held after CONNACK.
 *
 * Bodies sent by the bench carry their send time (a float64: epoch milliseconds at sub-millisecond
 * resolution, on the sending process's clock) in their first 8 bytes, so a notification's latency is read from its `data` alone.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';

export type UaMode = 'push' | 'floor' | 'mqtt';

export interface UaEvents {
  /** A notification arrived (and was acked); `stamp` is the send time in its body, NaN if none. */
  notification(stamp: number): void;
  /** The socket closed without `close()` being called. */
  lost(): void;
}

const HELLO = '{"messageType":"hello","use_webpush":true}';
const NOTIFICATION_PREFIX = '{"messageType":"notification"';
/** MQTT keepalive (seconds): longer than any bench run, so mosquitto never expects a PINGREQ. */
const MQTT_KEEPALIVE_S = 3600;

/** MQTT 3.1.1 CONNECT (§3.1): protocol "MQTT", level 4, clean session, no will, no auth. */
export function mqttConnectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, MQTT_KEEPALIVE_S >> 8, MQTT_KEEPALIVE_S & 0xff]);
  const remaining = variable.length + 2 + id.length;
  if (remaining > 127) throw new Error('client id too long for a one-byte remaining length');
  return Buffer.concat([Buffer.from([0x10, remaining]), variable, Buffer.from([id.length >> 8, id.length & 0xff]), id]);
}

export class Ua {
  uaid: string | null = null;
  readonly channelID = randomUUID();
  endpoint: string | null = null;
  ws: WebSocket | null = null;
  #closing = false;

  constructor(
    private readonly events: UaEvents,
    private readonly clientId: string,
  ) {}

  /** Open the socket and finish the mode's handshake; rejects (and drops the socket) on failure. */
  connect(url: string, mode: UaMode, localAddress: string | undefined, timeoutMs: number): Promise<void> {
    this.#closing = false;
    const protocol = mode === 'mqtt' ? 'mqtt' : 'push-notification';
    const ws = new WebSocket(url, protocol, { localAddress, perMessageDeflate: false, handshakeTimeout: timeoutMs });
    this.ws = ws;
    let phase: 'hello' | 'register' | 'open' = 'hello';
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        phase = 'open';
        if (err) {
          this.#closing = true;
          ws.terminate();
          this.ws = null;
          reject(err);
        } else resolve();
      };
      const timer = setTimeout(() => settle(new Error(`no ${mode} handshake within ${timeoutMs} ms`)), timeoutMs);
      ws.on('open', () => {
        if (mode === 'mqtt') ws.send(mqttConnectPacket(this.clientId));
        else if (mode === 'floor') {
          ws.send(HELLO);
          ws.send(`{"messageType":"register","channelID":"${this.channelID}"}`);
          settle();
        } else {
          ws.send(this.uaid === null ? HELLO : `{"messageType":"hello","uaid":"${this.uaid}","use_webpush":true}`);
        }
      });
      ws.on('message', (data: Buffer, isBinary) => {
        if (phase === 'open') return this.#onFrame(ws, data);
        if (mode === 'mqtt') {
          if (isBinary && data[0] === 0x20 && data[3] === 0) settle();
          else settle(new Error(`mosquitto refused the CONNECT: ${data.toString('hex')}`));
          return;
        }
        const frame = JSON.parse(data.toString('utf8')) as { messageType?: string; uaid?: string; status?: number; pushEndpoint?: string };
        if (phase === 'hello' && frame.messageType === 'hello') {
          if (frame.status !== 200 || !frame.uaid) return settle(new Error(`hello refused: ${data.toString('utf8')}`));
          if (this.uaid !== null && frame.uaid !== this.uaid) return settle(new Error('the server reset the uaid'));
          this.uaid = frame.uaid;
          if (this.endpoint !== null) return settle(); // a reconnect: already registered
          phase = 'register';
          ws.send(`{"messageType":"register","channelID":"${this.channelID}"}`);
        } else if (phase === 'register' && frame.messageType === 'register') {
          if (frame.status !== 200 || !frame.pushEndpoint) return settle(new Error(`register refused: ${data.toString('utf8')}`));
          this.endpoint = frame.pushEndpoint;
          settle();
        }
      });
      ws.on('error', (err) => settle(err));
      ws.on('close', () => {
        settle(new Error('socket closed during the handshake'));
        if (this.ws === ws) this.ws = null;
        if (!this.#closing) this.events.lost();
      });
    });
  }

  /** Ack a notification and report its send stamp. */
  #onFrame(ws: WebSocket, data: Buffer): void {
    const s = data.toString('latin1');
    if (!s.startsWith(NOTIFICATION_PREFIX)) return; // ping replies and the like
    // Herald writes messageType, channelID, version, data, headers in that order; scanning is far
    // cheaper than JSON.parse of a 5.5 KB frame, and falls back to it if the shape ever differs.
    const c = s.indexOf('"channelID":"') + 13;
    const ce = s.indexOf('"', c);
    const v = s.indexOf('"version":"', ce) + 11;
    const ve = s.indexOf('"', v);
    let channelID: string;
    let version: string;
    let data64: string | undefined;
    if (c >= 13 && v >= 11 && ce > c && ve > v) {
      channelID = s.slice(c, ce);
      version = s.slice(v, ve);
      const d = s.indexOf('"data":"', ve);
      if (d >= 0) data64 = s.slice(d + 8, d + 20);
    } else {
      const f = JSON.parse(s) as { channelID: string; version: string; data?: string };
      ({ channelID, version } = f);
      data64 = f.data?.slice(0, 12);
    }
    ws.send(`{"messageType":"ack","updates":[{"channelID":"${channelID}","version":"${version}"}]}`);
    let stamp = NaN;
    if (data64 !== undefined && data64.length === 12) stamp = Buffer.from(data64, 'base64url').readDoubleLE(0);
    this.events.notification(stamp);
  }

  /**
   * Drop the socket now, with a TCP reset rather than a FIN: no closing handshake, and no
   * TIME_WAIT entry left on our side. Client sockets are bound to a source address before they
   * connect, so every TIME_WAIT entry holds an ephemeral port of that address for a minute, and
   * tens of thousands of them make the next phase's binds slow. Resolves once it is closed.
   */
  close(): Promise<void> {
    const ws = this.ws;
    if (ws === null) return Promise.resolve();
    this.#closing = true;
    this.ws = null;
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      const socket = (ws as unknown as { _socket?: Socket })._socket;
      if (socket && !socket.destroyed) socket.resetAndDestroy();
      else ws.terminate();
    });
  }
}
