/**
 * A local stand-in for APNs over HTTP/2 with TLS (docs/bridges.md "APNs"): a self-signed
 * certificate made with the `openssl` CLI for 127.0.0.1, which the Herald under test trusts
 * through NODE_EXTRA_CA_CERTS. It verifies the ES256 provider token against the team's public
 * key (or records the client certificate), records each notification, and can be told to answer
 * unregistered (410), 403, 429, 500, or to hang; `dropConnections` closes every session, as APNs
 * does with GOAWAY.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer, type Http2Session, type ServerHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';

export type ApnsAnswer = 'ok' | 'unregistered' | '403' | '429' | '500' | 'hang';

export interface ApnsRecord {
  deviceToken: string;
  headers: IncomingHttpHeaders;
  payload: Record<string, unknown>;
  /** SHA-256 fingerprint of the client certificate (certificate auth), or null. */
  clientCert: string | null;
}

/** A self-signed certificate and key for `cn`, valid for 127.0.0.1 and localhost. */
export function selfSigned(dir: string, name: string, cn: string): { certPath: string; keyPath: string; cert: string; key: string } {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyPath, '-out', certPath,
  ], { stdio: 'ignore' });
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

export class FakeApns {
  readonly dir = mkdtempSync(join(tmpdir(), 'herald-fake-apns-'));
  readonly #events = new EventEmitter();
  readonly #server: Http2SecureServer;
  readonly #sessions = new Set<Http2Session>();
  readonly #hung = new Set<ServerHttp2Stream>();
  readonly #teamKey: KeyObject;
  /** The server's certificate (PEM file): what the client must trust. */
  readonly caPath: string;
  /** The `.p8` signing key of the team, as Apple hands it out, and its ids. */
  readonly p8Path: string;
  readonly keyId = randomBytes(5).toString('hex').toUpperCase();
  readonly teamId = randomBytes(5).toString('hex').toUpperCase();
  queue: ApnsAnswer[] = [];
  answer: ApnsAnswer = 'ok';
  readonly notifications: ApnsRecord[] = [];
  readonly refusedTokens: string[] = [];
  attempts = 0;
  sessionsOpened = 0;
  /** PING frames received from clients. */
  pings = 0;
  url = '';

  private constructor() {
    const server = selfSigned(this.dir, 'server', 'fake-apns');
    this.caPath = server.certPath;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.#teamKey = publicKey;
    this.p8Path = join(this.dir, `AuthKey_${this.keyId}.p8`);
    writeFileSync(this.p8Path, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    this.#server = createSecureServer({ cert: server.cert, key: server.key, allowHTTP1: false, requestCert: true, rejectUnauthorized: false });
    this.#server.on('session', (s) => {
      this.sessionsOpened++;
      s.on('ping', () => this.pings++);
      this.#sessions.add(s);
      s.on('close', () => this.#sessions.delete(s));
    });
    this.#server.on('stream', (stream, headers) => void this.#handle(stream, headers));
  }

  static async start(): Promise<FakeApns> {
    const fake = new FakeApns();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `https://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  nextNotification(): Promise<ApnsRecord> {
    return new Promise((resolve) => this.#events.once('notification', resolve));
  }

  nextAttempt(): Promise<void> {
    return new Promise((resolve) => this.#events.once('attempt', () => resolve()));
  }

  /** Close every client connection (GOAWAY), as APNs does now and then. */
  dropConnections(): void {
    for (const s of this.#sessions) s.close();
  }

  get openSessions(): number {
    return this.#sessions.size;
  }

  async close(): Promise<void> {
    for (const s of this.#hung) s.close();
    for (const s of this.#sessions) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const reply = (status: number, body?: object) => {
      if (stream.destroyed) return;
      stream.respond({ ':status': status, 'apns-id': randomBytes(16).toString('hex') });
      stream.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const m = /^\/3\/device\/([^/?]+)$/.exec(String(headers[':path']));
    if (headers[':method'] !== 'POST' || m === null) return reply(404, { reason: 'BadPath' });
    this.attempts++;
    this.#events.emit('attempt');
    const peer = (stream.session?.socket as unknown as { getPeerCertificate?: (d: boolean) => { raw?: Buffer } } | undefined)?.getPeerCertificate?.(false);
    const clientCert = peer?.raw && peer.raw.length > 0 ? new X509Certificate(peer.raw).fingerprint256 : null;
    if (clientCert === null) {
      const auth = /^bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
      if (auth === undefined) return reply(403, { reason: 'MissingProviderToken' });
      try {
        const { protectedHeader, payload } = await jwtVerify(auth, this.#teamKey, { algorithms: ['ES256'], issuer: this.teamId });
        if (protectedHeader.kid !== this.keyId) throw new Error('kid');
        if (typeof payload.iat !== 'number' || payload.iat * 1000 < Date.now() - 3600_000) throw new Error('iat');
      } catch (err) {
        this.refusedTokens.push((err as Error).message);
        return reply(403, { reason: 'InvalidProviderToken' });
      }
    }
    const answer = this.queue.shift() ?? this.answer;
    switch (answer) {
      case 'hang':
        this.#hung.add(stream);
        return;
      case 'unregistered':
        return reply(410, { reason: 'Unregistered', timestamp: Date.now() });
      case '403':
        return reply(403, { reason: 'ExpiredProviderToken' });
      case '429':
        return reply(429, { reason: 'TooManyRequests' });
      case '500':
        return reply(500, { reason: 'InternalServerError' });
      case 'ok': {
        const record: ApnsRecord = { deviceToken: m[1]!, headers, payload: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>, clientCert };
        this.notifications.push(record);
        reply(200);
        this.#events.emit('notification', record);
      }
    }
  }
}

/** The SHA-256 fingerprint of a PEM certificate, as ApnsRecord.clientCert gives it. */
export function fingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}
