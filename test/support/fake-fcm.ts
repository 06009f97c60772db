/**
 * A local stand-in for FCM HTTP v1 and Google's OAuth2 token endpoint, speaking their protocols
 * over real HTTP (docs/bridges.md "FCM"). The token endpoint verifies the signed JWT grant against
 * the service account's public key; `messages:send` checks the bearer token and records each
 * message. Tests can make it answer unregistered, 401, 429, 500, or hang.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';

export type FcmAnswer = 'ok' | 'unregistered' | '401' | '429' | '500' | 'hang';

export interface FcmRecord {
  project: string;
  authorization: string | undefined;
  message: { token: string; android: { ttl: string; priority?: string; data: Record<string, string> } };
}

export class FakeFcm {
  readonly #server: Server;
  readonly #events = new EventEmitter();
  readonly #publicKey: KeyObject;
  readonly #tokens = new Map<string, number>();
  readonly #hung = new Set<ServerResponse>();
  /** The service account a Herald uses to reach this fake (its token_uri points here). */
  readonly serviceAccount: Record<string, string>;
  /** Answers to give next, in order; then `answer`. */
  queue: FcmAnswer[] = [];
  answer: FcmAnswer = 'ok';
  /** `expires_in` of the access tokens it issues. */
  tokenLifetime = 3600;
  readonly messages: FcmRecord[] = [];
  /** Every messages:send request, whatever it was answered. */
  sendAttempts = 0;
  tokenRequests = 0;
  /** Grants that failed verification, with why. */
  readonly refusedGrants: string[] = [];
  url = '';

  private constructor(readonly projectId: string) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#publicKey = publicKey;
    this.serviceAccount = {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(8).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `herald@${projectId}.iam.gserviceaccount.com`,
      token_uri: '',
    };
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(projectId = 'herald-test'): Promise<FakeFcm> {
    const fake = new FakeFcm(projectId);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    fake.serviceAccount.token_uri = `${fake.url}/token`;
    return fake;
  }

  /** Resolves with the next message recorded (an `ok` answer). */
  nextMessage(): Promise<FcmRecord> {
    return new Promise((resolve) => this.#events.once('message', resolve));
  }

  /** Resolves when the next messages:send request arrives, whatever it will be answered. */
  nextAttempt(): Promise<void> {
    return new Promise((resolve) => this.#events.once('attempt', () => resolve()));
  }

  async close(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const send = (status: number, json: object, headers: Record<string, string> = {}): void => void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
    if (req.method === 'POST' && req.url === '/token') return this.#token(body, send);
    const m = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.url ?? '');
    if (req.method !== 'POST' || m === null) return send(404, { error: { status: 'NOT_FOUND', message: 'no such route' } });
    this.sendAttempts++;
    this.#events.emit('attempt');
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = bearer === undefined ? undefined : this.#tokens.get(bearer);
    if (expires === undefined || expires < Date.now()) return send(401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' } });
    const answer = this.queue.shift() ?? this.answer;
    switch (answer) {
      case 'hang':
        this.#hung.add(res);
        return;
      case 'unregistered':
        return send(404, { error: { code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } });
      case '401':
        this.#tokens.delete(bearer!);
        return send(401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' } });
      case '429':
        return send(429, { error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded.' } });
      case '500':
        return send(500, { error: { code: 500, status: 'INTERNAL', message: 'Internal error.' } });
      case 'ok': {
        const record: FcmRecord = { project: m[1]!, authorization: req.headers.authorization, message: (JSON.parse(body) as { message: FcmRecord['message'] }).message };
        this.messages.push(record);
        send(200, { name: `projects/${m[1]}/messages/${randomBytes(6).toString('hex')}` });
        this.#events.emit('message', record);
      }
    }
  }

  async #token(body: string, send: (status: number, json: object) => void): Promise<void> {
    this.tokenRequests++;
    const form = new URLSearchParams(body);
    const refuse = (why: string) => {
      this.refusedGrants.push(why);
      send(400, { error: 'invalid_grant', error_description: why });
    };
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('grant_type');
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('assertion') ?? '', this.#publicKey, {
        algorithms: ['RS256'],
        issuer: this.serviceAccount.client_email,
        audience: this.serviceAccount.token_uri,
      });
      if (protectedHeader.kid !== this.serviceAccount.private_key_id) return refuse('kid');
      if (payload.scope !== 'https://www.googleapis.com/auth/firebase.messaging') return refuse('scope');
    } catch (err) {
      return refuse((err as Error).message);
    }
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    this.#tokens.set(token, Date.now() + this.tokenLifetime * 1000);
    send(200, { access_token: token, expires_in: this.tokenLifetime, token_type: 'Bearer' });
  }
}
