/**
 * `AccountStore` on Redis (ioredis), beside the push store on the same server or cluster. Keys,
 * under a prefix (default `herald:`); `{…}` are literal braces, Redis Cluster hash tags, so that
 * every key of one account lives in one slot:
 *
 *   herald:acct:{uid}                     hash: email, ph (password hash), dn (absent = null), ca,
 *                                         ev (email verified, 0/1)
 *   herald:acct:{uid}:sessions            set of the account's session ids
 *   herald:acct:{uid}:devices             set of the account's device ids
 *   herald:acct:{uid}:session:ID          hash: uid, ca, la (last access), dev (device id, absent = none),
 *                                         uv ('1' while the session owes a second step)
 *   herald:acct:{uid}:device:ID           hash: sid, name, type, ca, cb/pk/ak (absent = no push), x
 *                                         (push endpoint expired, 0/1), caps and cmds (JSON text)
 *   herald:acct:{uid}:codes               set of the purposes the account has a one-time code for
 *   herald:acct:{uid}:code:PURPOSE        hash: h (code hash), e (expires at), a (attempts), d (data)
 *   herald:acct:{uid}:secrets             hash: secret name → value
 *   herald:acct:{uid}:events              list of security events (JSON), newest first, trimmed
 *   herald:acct:{uid}:emails              hash: secondary address → "verified (0/1):created at"
 *   herald:acct-email:{email}             pointer: the uid of the account with that email, as its
 *                                         primary or a secondary address
 *   herald:session:{id}                   pointer: the uid of the account holding session id
 *   herald:service-key:NAME               one of Herald's own secrets (its VAPID key pair, JSON)
 *
 * Every write on an account is one Lua script on the account's slot (scripts.ts), atomic on the
 * server; so is each device read, which joins the session's last access. The two pointers live
 * in their own slots and change in their own commands: a pointer is claimed before the account
 * or session it names is created and released after it is deleted, so a pointer may briefly
 * name nothing (every read checks the target), and one left over by a crash is taken over by the
 * next claim (its target does not exist). Nothing here expires by itself.
 */
import { closeRedis, connectRedis, mapError, redisAnswers, type RedisClient } from '../../redis/connection.js';
import type {
  AddEmailResult,
  SecondaryEmail,
  AccountCode,
  AccountPatch,
  AccountRecord,
  AccountStore,
  DevicePatch,
  DeviceRecord,
  NewAccount,
  NewDevice,
  SecurityEvent,
  SessionRecord,
} from '../account-store.js';
import { accountScripts, runScript, type RedisAccountsOptions } from './scripts.js';

type AccountScript = keyof typeof accountScripts;
/** sid, name, type, ca, cb, pk, ak, x, caps, cmds, la — as `readDevice` in scripts.ts returns them. */
type DeviceFields = (string | null)[];
const DEVICE_FIELDS = 11;

/** Connect to `dsn` (redis://…, rediss://…, redis+cluster://…); rejects with `StoreBusyError` if it cannot. */
export async function openRedisAccountStore(dsn: string, opts: RedisAccountsOptions = {}): Promise<RedisAccountStore> {
  return new RedisAccountStore(await connectRedis(dsn, opts, accountScripts, 1), opts);
}

export class RedisAccountStore implements AccountStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  #closed = false;

  /** Prefer `openRedisAccountStore`; this takes ownership of a client with the account scripts defined (one key each). */
  constructor(redis: RedisClient, opts: RedisAccountsOptions = {}) {
    this.#redis = redis;
    this.#prefix = opts.prefix ?? 'herald:';
  }

  async createAccount(a: NewAccount): Promise<boolean> {
    const emailKey = this.#emailKey(a.email);
    const claim = await this.#claim(emailKey, a.uid, (owner) => this.#hasEmail(owner, a.email));
    if (claim === 'taken') return false;
    const args = [a.uid, a.email, a.passwordHash, a.displayName === null ? 0 : 1, a.displayName ?? '', a.createdAt, a.emailVerified === true ? 1 : 0];
    if ((await this.#script('heraldAccCreateAccount', a.uid, args)) !== 1) {
      if (claim === 'claimed') await this.#release(emailKey, a.uid);
      return false;
    }
    // A create that found our claim stale and took it over meanwhile wins; this one is undone.
    if ((await this.#call(() => this.#redis.get(emailKey))) !== a.uid) {
      await this.#script('heraldAccDeleteAccount', a.uid, [a.uid]);
      return false;
    }
    return true;
  }

  async getAccount(uid: string): Promise<AccountRecord | null> {
    return toAccount(uid, await this.#call(() => this.#redis.hgetall(this.#acctKey(uid))));
  }

  async findAccountByEmail(email: string): Promise<AccountRecord | null> {
    const uid = await this.#call(() => this.#redis.get(this.#emailKey(email)));
    if (uid === null) return null;
    const account = await this.getAccount(uid);
    // A concurrent change of the account could leave the pointer briefly stale.
    return account?.email === email ? account : null;
  }

  async updateAccount(uid: string, patch: AccountPatch): Promise<boolean> {
    const dnMode = patch.displayName === undefined ? 0 : patch.displayName === null ? 1 : 2;
    const ev = patch.emailVerified === undefined ? '' : patch.emailVerified ? '1' : '0';
    const args = [uid, patch.passwordHash === undefined ? 0 : 1, patch.passwordHash ?? '', dnMode, patch.displayName ?? '', ev];
    return (await this.#script('heraldAccUpdateAccount', uid, args)) === 1;
  }

  async deleteAccount(uid: string): Promise<boolean> {
    // Read before the delete: a secondary added meanwhile leaves a pointer naming nothing, which
    // the next claim of that address takes over.
    const secondaries = await this.#call(() => this.#redis.hkeys(this.#emailsKey(uid)));
    const gone = (await this.#script('heraldAccDeleteAccount', uid, [uid])) as string[] | null;
    if (!gone) return false;
    const [email, ...sessionIds] = gone as [string, ...string[]];
    await Promise.all([
      this.#release(this.#emailKey(email), uid),
      ...secondaries.map((e) => this.#release(this.#emailKey(e), uid)),
      ...sessionIds.map((id) => this.#release(this.#sessionKey(id), uid)),
    ]);
    return true;
  }

  async createSession(s: { id: string; uid: string; createdAt: number; verified?: boolean }): Promise<boolean> {
    const pointer = this.#sessionKey(s.id);
    const claim = await this.#claim(pointer, s.uid, async (owner) => (await this.#call(() => this.#redis.exists(this.#sessKey(owner, s.id)))) === 1);
    if (claim === 'taken') return false;
    if ((await this.#script('heraldAccCreateSession', s.uid, [s.uid, s.id, s.createdAt, s.verified === false ? 0 : 1])) === 1) return true;
    if (claim === 'claimed') await this.#release(pointer, s.uid);
    return false;
  }

  async verifySession(id: string): Promise<boolean> {
    const uid = await this.#sessionOwner(id);
    if (uid === null) return false;
    return (await this.#script('heraldAccVerifySession', uid, [uid, id])) === 1;
  }

  async deleteOtherSessions(uid: string, keepId: string | null): Promise<string[]> {
    const [devices, sessionIds] = (await this.#script('heraldAccDeleteOtherSessions', uid, [uid, keepId ?? ''])) as [string[], string[]];
    await Promise.all(sessionIds.map((id) => this.#release(this.#sessionKey(id), uid)));
    return devices;
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const uid = await this.#sessionOwner(id);
    if (uid === null) return null;
    const h = await this.#call(() => this.#redis.hgetall(this.#sessKey(uid, id)));
    if (h.uid === undefined) return null;
    return { id, uid: h.uid, createdAt: Number(h.ca), lastAccessTime: Number(h.la), deviceId: h.dev ?? null, verified: h.uv !== '1' };
  }

  async touchSession(id: string, at: number): Promise<void> {
    const uid = await this.#sessionOwner(id);
    if (uid !== null) await this.#script('heraldAccTouchSession', uid, [uid, id, at]);
  }

  async trimSessions(uid: string, keep: number): Promise<number> {
    const [left, ...gone] = ((await this.#script('heraldAccTrimSessions', uid, [uid, keep])) as (number | string)[]) as [number, ...string[]];
    await Promise.all(gone.map((id) => this.#release(this.#sessionKey(id), uid)));
    return Number(left);
  }

  async deleteSession(id: string): Promise<boolean> {
    const uid = await this.#sessionOwner(id);
    if (uid === null) return false;
    const deleted = (await this.#script('heraldAccDeleteSession', uid, [uid, id])) === 1;
    await this.#release(this.#sessionKey(id), uid);
    return deleted;
  }

  async createDevice(d: NewDevice): Promise<boolean> {
    const args = [
      d.uid,
      d.id,
      d.sessionId,
      d.name,
      d.type,
      d.createdAt,
      d.push === null ? 0 : 1,
      d.push?.callback ?? '',
      d.push?.publicKey ?? '',
      d.push?.authKey ?? '',
      JSON.stringify(d.capabilities),
      JSON.stringify(d.availableCommands),
    ];
    return (await this.#script('heraldAccCreateDevice', d.uid, args)) === 1;
  }

  async updateDevice(uid: string, id: string, patch: DevicePatch): Promise<DeviceRecord | null> {
    const pushMode = patch.push === undefined ? 0 : patch.push === null ? 1 : 2;
    const args = [
      uid,
      id,
      patch.name === undefined ? 0 : 1,
      patch.name ?? '',
      patch.type === undefined ? 0 : 1,
      patch.type ?? '',
      pushMode,
      patch.push?.callback ?? '',
      patch.push?.publicKey ?? '',
      patch.push?.authKey ?? '',
      patch.capabilities === undefined ? 0 : 1,
      JSON.stringify(patch.capabilities ?? []),
      patch.availableCommands === undefined ? 0 : 1,
      JSON.stringify(patch.availableCommands ?? {}),
    ];
    return toDevice(uid, id, (await this.#script('heraldAccUpdateDevice', uid, args)) as DeviceFields | null);
  }

  async getDevice(uid: string, id: string): Promise<DeviceRecord | null> {
    return toDevice(uid, id, (await this.#script('heraldAccGetDevice', uid, [uid, id])) as DeviceFields | null);
  }

  async listDevices(uid: string): Promise<DeviceRecord[]> {
    const flat = (await this.#script('heraldAccListDevices', uid, [uid])) as (string | null)[];
    const out: DeviceRecord[] = [];
    for (let i = 0; i + DEVICE_FIELDS < flat.length; i += DEVICE_FIELDS + 1) {
      const device = toDevice(uid, flat[i] as string, flat.slice(i + 1, i + 1 + DEVICE_FIELDS));
      if (device) out.push(device);
    }
    // Oldest first, ties by id.
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async deleteDevice(uid: string, id: string): Promise<boolean> {
    const sessionId = (await this.#script('heraldAccDeleteDevice', uid, [uid, id])) as string | null;
    if (sessionId === null) return false;
    await this.#release(this.#sessionKey(sessionId), uid);
    return true;
  }

  async markPushEndpointExpired(uid: string, id: string, callback: string): Promise<boolean> {
    return (await this.#script('heraldAccMarkExpired', uid, [uid, id, callback])) === 1;
  }

  async putCode(c: AccountCode): Promise<boolean> {
    const args = [c.uid, c.purpose, c.codeHash, c.expiresAt, c.attempts, c.data === null ? 0 : 1, c.data ?? ''];
    return (await this.#script('heraldAccPutCode', c.uid, args)) === 1;
  }

  async attemptCode(uid: string, purpose: string): Promise<AccountCode | null> {
    const f = (await this.#script('heraldAccAttemptCode', uid, [uid, purpose])) as (string | null)[] | null;
    if (!f || f[0] === null || f[0] === undefined) return null;
    return { uid, purpose, codeHash: f[0], expiresAt: Number(f[1]), attempts: Number(f[2]), data: f[3] ?? null };
  }

  async deleteCode(uid: string, purpose: string): Promise<boolean> {
    return Number(await this.#script('heraldAccDeleteCode', uid, [uid, purpose])) === 1;
  }

  async addSecurityEvent(uid: string, e: SecurityEvent, keep: number): Promise<void> {
    await this.#script('heraldAccAddEvent', uid, [uid, JSON.stringify({ kind: e.kind, at: e.at, ip: e.ip }), keep]);
  }

  async listSecurityEvents(uid: string): Promise<SecurityEvent[]> {
    const raw = await this.#call(() => this.#redis.lrange(`${this.#acctKey(uid)}:events`, 0, -1));
    return raw.map((r) => JSON.parse(r) as SecurityEvent);
  }

  async getAccountSecret(uid: string, name: string): Promise<string | null> {
    return this.#call(() => this.#redis.hget(`${this.#acctKey(uid)}:secrets`, name));
  }

  async setAccountSecret(uid: string, name: string, value: string | null): Promise<boolean> {
    return (await this.#script('heraldAccSetSecret', uid, [uid, name, value === null ? 0 : 1, value ?? ''])) === 1;
  }

  async compareAndSetAccountSecret(uid: string, name: string, expected: string, value: string | null): Promise<boolean> {
    return (await this.#script('heraldAccSecretCas', uid, [uid, name, expected, value === null ? 0 : 1, value ?? ''])) === 1;
  }

  async addSecondaryEmail(uid: string, email: string, createdAt: number, max: number): Promise<AddEmailResult> {
    const pointer = this.#emailKey(email);
    const claim = await this.#claim(pointer, uid, (owner) => this.#hasEmail(owner, email));
    if (claim === 'taken') return 'taken';
    const r = Number(await this.#script('heraldAccAddEmail', uid, [uid, email, createdAt, max]));
    if (r !== 1) {
      if (claim === 'claimed') await this.#release(pointer, uid);
      return r === 0 ? 'no-account' : r === -1 ? 'taken' : 'limit';
    }
    // A claim that found ours stale and took it over meanwhile wins; this add is undone.
    if ((await this.#call(() => this.#redis.get(pointer))) !== uid) {
      await this.#script('heraldAccRemoveEmail', uid, [uid, email]);
      return 'taken';
    }
    return 'added';
  }

  async listSecondaryEmails(uid: string): Promise<SecondaryEmail[]> {
    const h = await this.#call(() => this.#redis.hgetall(this.#emailsKey(uid)));
    return Object.entries(h)
      .map(([email, v]) => ({ email, verified: v.startsWith('1'), createdAt: Number(v.slice(2)) }))
      .sort((a, b) => a.createdAt - b.createdAt || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  }

  async verifySecondaryEmail(uid: string, email: string): Promise<boolean> {
    return (await this.#script('heraldAccVerifyEmail', uid, [uid, email])) === 1;
  }

  async removeSecondaryEmail(uid: string, email: string): Promise<boolean> {
    const removed = Number(await this.#script('heraldAccRemoveEmail', uid, [uid, email])) === 1;
    if (removed) await this.#release(this.#emailKey(email), uid);
    return removed;
  }

  async makeEmailPrimary(uid: string, email: string, at: number): Promise<boolean> {
    return (await this.#script('heraldAccMakePrimary', uid, [uid, email, at])) === 1;
  }

  async findSecondaryEmailOwner(email: string): Promise<string | null> {
    const uid = await this.#call(() => this.#redis.get(this.#emailKey(email)));
    if (uid === null) return null;
    return (await this.#call(() => this.#redis.hexists(this.#emailsKey(uid), email))) === 1 ? uid : null;
  }

  /** Whether account `uid` has `email` as its primary or a secondary address (a pointer to it is live). */
  async #hasEmail(uid: string, email: string): Promise<boolean> {
    if ((await this.getAccount(uid))?.email === email) return true;
    return (await this.#call(() => this.#redis.hexists(this.#emailsKey(uid), email))) === 1;
  }

  async serviceKey(name: string, create: () => string): Promise<string> {
    const key = `${this.#prefix}service-key:${name}`;
    await this.#call(() => this.#redis.set(key, create(), 'NX'));
    return (await this.#call(() => this.#redis.get(key)))!;
  }

  async healthCheck(): Promise<boolean> {
    return !this.#closed && (await redisAnswers(this.#redis));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeRedis(this.#redis);
  }

  /** Run a script on the slot of account `uid`. */
  #script(name: AccountScript, uid: string, args: (string | number)[]): Promise<unknown> {
    return this.#onKey(name, this.#acctKey(uid), args);
  }

  #onKey(name: AccountScript, key: string, args: (string | number)[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('Redis account store is closed'));
    return runScript(this.#redis, name, key, this.#prefix, args);
  }

  /**
   * Make `pointer` name `uid`: 'claimed' (it named nothing, or a target `isLive` says is gone),
   * 'held' (it already named uid), or 'taken' (it names another live target).
   */
  async #claim(pointer: string, uid: string, isLive: (owner: string) => Promise<boolean>): Promise<'claimed' | 'held' | 'taken'> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner = await this.#call(() => this.#redis.get(pointer));
      if (owner === uid) return 'held';
      if (owner !== null && (await isLive(owner))) return 'taken';
      if ((await this.#onKey('heraldPtrClaim', pointer, [uid, owner ?? ''])) === 1) return 'claimed';
    }
    return 'taken';
  }

  /** Drop `pointer` if it still names `uid`. */
  async #release(pointer: string, uid: string): Promise<void> {
    await this.#onKey('heraldPtrRelease', pointer, [uid]);
  }

  #sessionOwner(id: string): Promise<string | null> {
    return this.#call(() => this.#redis.get(this.#sessionKey(id)));
  }

  #acctKey(uid: string): string {
    return `${this.#prefix}acct:{${uid}}`;
  }

  #emailsKey(uid: string): string {
    return `${this.#acctKey(uid)}:emails`;
  }

  #sessKey(uid: string, id: string): string {
    return `${this.#acctKey(uid)}:session:${id}`;
  }

  #emailKey(email: string): string {
    return `${this.#prefix}acct-email:{${email}}`;
  }

  #sessionKey(id: string): string {
    return `${this.#prefix}session:{${id}}`;
  }

  async #call<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('Redis account store is closed');
    try {
      return await work();
    } catch (err) {
      throw mapError(err);
    }
  }
}

function toAccount(uid: string, h: Record<string, string>): AccountRecord | null {
  if (h.email === undefined) return null;
  return { uid, email: h.email, passwordHash: h.ph ?? '', displayName: h.dn ?? null, createdAt: Number(h.ca), emailVerified: h.ev === '1' };
}

function toDevice(uid: string, id: string, f: DeviceFields | null): DeviceRecord | null {
  if (!f || f[0] === null || f[0] === undefined) return null;
  const [sid, name, type, ca, cb, pk, ak, x, caps, cmds, la] = f;
  return {
    uid,
    id,
    sessionId: sid as string,
    name: name ?? '',
    type: type ?? '',
    createdAt: Number(ca),
    push: cb != null && pk != null && ak != null ? { callback: cb, publicKey: pk, authKey: ak } : null,
    pushEndpointExpired: x === '1',
    capabilities: JSON.parse(caps ?? '[]') as string[],
    availableCommands: JSON.parse(cmds ?? '{}') as Record<string, string>,
    lastAccessTime: Number(la),
  };
}
