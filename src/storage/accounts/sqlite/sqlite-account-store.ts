/**
 * `AccountStore` on SQLite (better-sqlite3), in the push store's database file or any other.
 * Writes that read first run under BEGIN IMMEDIATE, as in the push store, so a second process on
 * the same file never has to upgrade a read lock. JSON columns hold capabilities and commands.
 */
import type Database from 'better-sqlite3';
import type { AddEmailResult, SecondaryEmail, SecurityEvent, AccountCode, AccountPatch, AccountRecord, AccountStore, DevicePatch, DeviceRecord, NewAccount, NewDevice, SessionRecord } from '../account-store.js';
import { ACCOUNT_COLUMNS, toAccount, toCode, toDevice, type AccountRow, type CodeRow, type DeviceRow } from '../sql-rows.js';
import { openAccountsDatabase, runSync, type SqliteConnectionOptions } from './open-database.js';

/** Open (creating and migrating if needed) the accounts tables in the database at `path`. */
export function openSqliteAccountStore(path: string, opts: SqliteConnectionOptions = {}): Promise<SqliteAccountStore> {
  try {
    return Promise.resolve(new SqliteAccountStore(openAccountsDatabase(path, opts)));
  } catch (err) {
    return Promise.reject(err);
  }
}

export class SqliteAccountStore implements AccountStore {
  readonly #db: Database.Database;
  readonly #sql: ReturnType<typeof prepare>;
  readonly #tx: ReturnType<typeof transactions>;
  #closed = false;

  /** Prefer `openSqliteAccountStore`; this takes ownership of a migrated connection. */
  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = prepare(db);
    this.#tx = transactions(db, this.#sql);
  }

  createAccount(a: NewAccount): Promise<boolean> {
    return this.#run(() => this.#sql.insertAccount.run(a.uid, a.email, a.passwordHash, a.displayName, a.createdAt, a.emailVerified === true ? 1 : 0, a.email).changes > 0);
  }

  getAccount(uid: string): Promise<AccountRecord | null> {
    return this.#run(() => toAccount(this.#sql.getAccount.get(uid) as AccountRow | undefined));
  }

  findAccountByEmail(email: string): Promise<AccountRecord | null> {
    return this.#run(() => toAccount(this.#sql.getAccountByEmail.get(email) as AccountRow | undefined));
  }

  updateAccount(uid: string, patch: AccountPatch): Promise<boolean> {
    return this.#run(() => this.#tx.updateAccount.immediate(uid, patch));
  }

  deleteAccount(uid: string): Promise<boolean> {
    // Sessions and devices go by ON DELETE CASCADE.
    return this.#run(() => this.#sql.deleteAccount.run(uid).changes > 0);
  }

  createSession(s: { id: string; uid: string; createdAt: number; verified?: boolean }): Promise<boolean> {
    return this.#run(() => this.#sql.insertSession.run(s.id, s.uid, s.createdAt, s.createdAt, s.verified === false ? 0 : 1, s.uid).changes > 0);
  }

  verifySession(id: string): Promise<boolean> {
    return this.#run(() => this.#sql.verifySession.run(id).changes > 0);
  }

  deleteOtherSessions(uid: string, keepId: string | null): Promise<string[]> {
    return this.#run(() => this.#tx.deleteOtherSessions.immediate(uid, keepId ?? ''));
  }

  putCode(c: AccountCode): Promise<boolean> {
    return this.#run(() => this.#sql.putCode.run(c.uid, c.purpose, c.codeHash, c.expiresAt, c.attempts, c.data, c.uid).changes > 0);
  }

  attemptCode(uid: string, purpose: string): Promise<AccountCode | null> {
    return this.#run(() => toCode(this.#sql.attemptCode.get(uid, purpose) as CodeRow | undefined));
  }

  deleteCode(uid: string, purpose: string): Promise<boolean> {
    return this.#run(() => this.#sql.deleteCode.run(uid, purpose).changes > 0);
  }

  addSecurityEvent(uid: string, e: SecurityEvent, keep: number): Promise<void> {
    return this.#run(() => this.#tx.addEvent.immediate(uid, e, keep));
  }

  listSecurityEvents(uid: string): Promise<SecurityEvent[]> {
    return this.#run(() => this.#sql.listEvents.all(uid) as SecurityEvent[]);
  }

  getAccountSecret(uid: string, name: string): Promise<string | null> {
    return this.#run(() => (this.#sql.getSecret.get(uid, name) as string | undefined) ?? null);
  }

  setAccountSecret(uid: string, name: string, value: string | null): Promise<boolean> {
    return this.#run(() => {
      if (value === null) {
        this.#sql.deleteSecret.run(uid, name);
        return this.#sql.accountExists.get(uid) !== undefined;
      }
      return this.#sql.putSecret.run(uid, name, value, uid).changes > 0;
    });
  }

  compareAndSetAccountSecret(uid: string, name: string, expected: string, value: string | null): Promise<boolean> {
    return this.#run(() =>
      value === null ? this.#sql.deleteSecretIf.run(uid, name, expected).changes > 0 : this.#sql.replaceSecretIf.run(value, uid, name, expected).changes > 0,
    );
  }

  addSecondaryEmail(uid: string, email: string, createdAt: number, max: number): Promise<AddEmailResult> {
    return this.#run(() => this.#tx.addEmail.immediate(uid, email, createdAt, max));
  }

  listSecondaryEmails(uid: string): Promise<SecondaryEmail[]> {
    return this.#run(() =>
      (this.#sql.listEmails.all(uid) as { email: string; verified: number; created_at: number }[]).map((r) => ({
        email: r.email,
        verified: r.verified === 1,
        createdAt: r.created_at,
      })),
    );
  }

  verifySecondaryEmail(uid: string, email: string): Promise<boolean> {
    return this.#run(() => this.#sql.verifyEmail.run(uid, email).changes > 0);
  }

  removeSecondaryEmail(uid: string, email: string): Promise<boolean> {
    return this.#run(() => this.#sql.removeEmail.run(uid, email).changes > 0);
  }

  makeEmailPrimary(uid: string, email: string, at: number): Promise<boolean> {
    return this.#run(() => this.#tx.makePrimary.immediate(uid, email, at));
  }

  findSecondaryEmailOwner(email: string): Promise<string | null> {
    return this.#run(() => (this.#sql.emailOwner.get(email) as string | undefined) ?? null);
  }

  getSession(id: string): Promise<SessionRecord | null> {
    return this.#run(() => {
      const row = this.#sql.getSession.get(id) as
        | { id: string; uid: string; created_at: number; last_access: number; device_id: string | null; verified: number }
        | undefined;
      if (!row) return null;
      return { id: row.id, uid: row.uid, createdAt: row.created_at, lastAccessTime: row.last_access, deviceId: row.device_id, verified: row.verified === 1 };
    });
  }

  touchSession(id: string, at: number): Promise<void> {
    return this.#run(() => void this.#sql.touchSession.run(at, id));
  }

  deleteSession(id: string): Promise<boolean> {
    // The device bound to it goes by ON DELETE CASCADE.
    return this.#run(() => this.#sql.deleteSession.run(id).changes > 0);
  }

  trimSessions(uid: string, keep: number): Promise<number> {
    return this.#run(() => this.#tx.trimSessions.immediate(uid, keep));
  }

  createDevice(d: NewDevice): Promise<boolean> {
    return this.#run(() => this.#tx.createDevice.immediate(d));
  }

  updateDevice(uid: string, id: string, patch: DevicePatch): Promise<DeviceRecord | null> {
    return this.#run(() => this.#tx.updateDevice.immediate(uid, id, patch));
  }

  getDevice(uid: string, id: string): Promise<DeviceRecord | null> {
    return this.#run(() => toDevice(this.#sql.getDevice.get(uid, id) as DeviceRow | undefined));
  }

  listDevices(uid: string): Promise<DeviceRecord[]> {
    return this.#run(() => (this.#sql.listDevices.all(uid) as DeviceRow[]).map((r) => toDevice(r) as DeviceRecord));
  }

  deleteDevice(uid: string, id: string): Promise<boolean> {
    // Deleting the session cascades to the device: both go in one statement.
    return this.#run(() => this.#sql.deleteDeviceSession.run(uid, id).changes > 0);
  }

  markPushEndpointExpired(uid: string, id: string, callback: string): Promise<boolean> {
    return this.#run(() => this.#sql.markExpired.run(uid, id, callback).changes > 0);
  }

  serviceKey(name: string, create: () => string): Promise<string> {
    return this.#run(() => {
      this.#sql.insertServiceKey.run(name, create());
      return this.#sql.getServiceKey.get(name) as string;
    });
  }

  healthCheck(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    try {
      return Promise.resolve(this.#sql.health.get() === 1);
    } catch {
      return Promise.resolve(false);
    }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }

  #run<T>(work: () => T): Promise<T> {
    return runSync(this.#closed, work);
  }
}

const DEVICE_COLUMNS = `d.uid, d.id, d.session_id, d.name, d.type, d.created_at, d.push_callback, d.push_public_key,
  d.push_auth_key, d.push_expired, d.capabilities, d.available_commands, s.last_access`;

function prepare(db: Database.Database) {
  return {
    insertServiceKey: db.prepare('INSERT INTO service_key (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
    getServiceKey: db.prepare('SELECT value FROM service_key WHERE name = ?').pluck(),
    // An address that is another account's secondary is taken too (one statement: atomic).
    insertAccount: db.prepare(
      `INSERT OR IGNORE INTO account (${ACCOUNT_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?
       WHERE NOT EXISTS (SELECT 1 FROM account_email WHERE email = ?)`,
    ),
    emailTaken: db.prepare('SELECT 1 FROM account WHERE email = ? UNION ALL SELECT 1 FROM account_email WHERE email = ?'),
    countEmails: db.prepare('SELECT count(*) FROM account_email WHERE uid = ?').pluck(),
    insertEmail: db.prepare('INSERT INTO account_email (email, uid, verified, created_at) VALUES (?, ?, ?, ?)'),
    listEmails: db.prepare('SELECT email, verified, created_at FROM account_email WHERE uid = ? ORDER BY created_at, email'),
    verifyEmail: db.prepare('UPDATE account_email SET verified = 1 WHERE uid = ? AND email = ?'),
    removeEmail: db.prepare('DELETE FROM account_email WHERE uid = ? AND email = ?'),
    emailVerifiedOf: db.prepare('SELECT verified FROM account_email WHERE uid = ? AND email = ?').pluck(),
    setPrimary: db.prepare('UPDATE account SET email = ?, email_verified = 1 WHERE uid = ?'),
    emailOwner: db.prepare('SELECT uid FROM account_email WHERE email = ?').pluck(),
    replaceSecretIf: db.prepare('UPDATE account_secret SET value = ? WHERE uid = ? AND name = ? AND value = ?'),
    deleteSecretIf: db.prepare('DELETE FROM account_secret WHERE uid = ? AND name = ? AND value = ?'),
    getAccount: db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM account WHERE uid = ?`),
    getAccountByEmail: db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM account WHERE email = ?`),
    setPasswordHash: db.prepare('UPDATE account SET password_hash = ? WHERE uid = ?'),
    setDisplayName: db.prepare('UPDATE account SET display_name = ? WHERE uid = ?'),
    setEmailVerified: db.prepare('UPDATE account SET email_verified = ? WHERE uid = ?'),
    putCode: db.prepare(
      `INSERT INTO account_code (uid, purpose, code_hash, expires_at, attempts, data)
       SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM account WHERE uid = ?)
       ON CONFLICT (uid, purpose) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
         attempts = excluded.attempts, data = excluded.data`,
    ),
    attemptCode: db.prepare(
      'UPDATE account_code SET attempts = attempts + 1 WHERE uid = ? AND purpose = ? RETURNING uid, purpose, code_hash, expires_at, attempts, data',
    ),
    deleteCode: db.prepare('DELETE FROM account_code WHERE uid = ? AND purpose = ?'),
    getSecret: db.prepare('SELECT value FROM account_secret WHERE uid = ? AND name = ?').pluck(),
    putSecret: db.prepare(
      `INSERT INTO account_secret (uid, name, value) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM account WHERE uid = ?)
       ON CONFLICT (uid, name) DO UPDATE SET value = excluded.value`,
    ),
    deleteSecret: db.prepare('DELETE FROM account_secret WHERE uid = ? AND name = ?'),
    otherSessionDevices: db.prepare('SELECT d.id FROM account_device d WHERE d.uid = ? AND d.session_id <> ?').pluck(),
    deleteOtherSessions: db.prepare('DELETE FROM account_session WHERE uid = ? AND id <> ?'),
    verifySession: db.prepare('UPDATE account_session SET verified = 1 WHERE id = ?'),
    insertEvent: db.prepare('INSERT INTO account_event (uid, at, kind, ip) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM account WHERE uid = ?)'),
    trimEvents: db.prepare('DELETE FROM account_event WHERE uid = ? AND id NOT IN (SELECT id FROM account_event WHERE uid = ? ORDER BY id DESC LIMIT ?)'),
    listEvents: db.prepare('SELECT kind, at, ip FROM account_event WHERE uid = ? ORDER BY id DESC'),
    accountExists: db.prepare('SELECT 1 FROM account WHERE uid = ?'),
    deleteAccount: db.prepare('DELETE FROM account WHERE uid = ?'),

    insertSession: db.prepare(
      `INSERT OR IGNORE INTO account_session (id, uid, created_at, last_access, verified)
       SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM account WHERE uid = ?)`,
    ),
    getSession: db.prepare(
      `SELECT s.id, s.uid, s.created_at, s.last_access, s.verified, d.id AS device_id
       FROM account_session s LEFT JOIN account_device d ON d.session_id = s.id WHERE s.id = ?`,
    ),
    touchSession: db.prepare('UPDATE account_session SET last_access = max(last_access, ?) WHERE id = ?'),
    deleteSession: db.prepare('DELETE FROM account_session WHERE id = ?'),
    countSessions: db.prepare('SELECT count(*) FROM account_session WHERE uid = ?').pluck(),
    deleteIdleSessions: db.prepare(
      `DELETE FROM account_session WHERE id IN (
         SELECT s.id FROM account_session s
         WHERE s.uid = ? AND NOT EXISTS (SELECT 1 FROM account_device d WHERE d.session_id = s.id)
         ORDER BY s.last_access, s.created_at, s.id LIMIT ?)`,
    ),

    sessionFree: db.prepare(
      `SELECT 1 FROM account_session s WHERE s.id = ? AND s.uid = ?
       AND NOT EXISTS (SELECT 1 FROM account_device d WHERE d.session_id = s.id)`,
    ),
    insertDevice: db.prepare(
      `INSERT OR IGNORE INTO account_device (uid, id, session_id, name, type, created_at, push_callback, push_public_key,
         push_auth_key, push_expired, capabilities, available_commands)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    ),
    getDevice: db.prepare(
      `SELECT ${DEVICE_COLUMNS} FROM account_device d JOIN account_session s ON s.id = d.session_id WHERE d.uid = ? AND d.id = ?`,
    ),
    listDevices: db.prepare(
      `SELECT ${DEVICE_COLUMNS} FROM account_device d JOIN account_session s ON s.id = d.session_id
       WHERE d.uid = ? ORDER BY d.created_at, d.id`,
    ),
    writeDevice: db.prepare(
      `UPDATE account_device SET name = ?, type = ?, push_callback = ?, push_public_key = ?, push_auth_key = ?,
         push_expired = ?, capabilities = ?, available_commands = ? WHERE uid = ? AND id = ?`,
    ),
    deleteDeviceSession: db.prepare(
      'DELETE FROM account_session WHERE id = (SELECT session_id FROM account_device WHERE uid = ? AND id = ?)',
    ),
    markExpired: db.prepare('UPDATE account_device SET push_expired = 1 WHERE uid = ? AND id = ? AND push_callback = ?'),
    health: db.prepare('SELECT 1').pluck(),
  };
}

function transactions(db: Database.Database, sql: ReturnType<typeof prepare>) {
  return {
    updateAccount: db.transaction((uid: string, patch: AccountPatch): boolean => {
      if (sql.accountExists.get(uid) === undefined) return false;
      if (patch.passwordHash !== undefined) sql.setPasswordHash.run(patch.passwordHash, uid);
      if (patch.displayName !== undefined) sql.setDisplayName.run(patch.displayName, uid);
      if (patch.emailVerified !== undefined) sql.setEmailVerified.run(patch.emailVerified ? 1 : 0, uid);
      return true;
    }),
    addEmail: db.transaction((uid: string, email: string, createdAt: number, max: number): AddEmailResult => {
      if (sql.accountExists.get(uid) === undefined) return 'no-account';
      if (sql.emailTaken.get(email, email) !== undefined) return 'taken';
      if ((sql.countEmails.get(uid) as number) >= max) return 'limit';
      sql.insertEmail.run(email, uid, 0, createdAt);
      return 'added';
    }),
    makePrimary: db.transaction((uid: string, email: string, at: number): boolean => {
      if (sql.emailVerifiedOf.get(uid, email) !== 1) return false;
      const old = toAccount(sql.getAccount.get(uid) as AccountRow | undefined);
      if (old === null) return false;
      sql.removeEmail.run(uid, email);
      sql.setPrimary.run(email, uid);
      sql.insertEmail.run(old.email, uid, old.emailVerified ? 1 : 0, at);
      return true;
    }),
    addEvent: db.transaction((uid: string, e: SecurityEvent, keep: number): void => {
      if (sql.insertEvent.run(uid, e.at, e.kind, e.ip, uid).changes > 0) sql.trimEvents.run(uid, uid, keep);
    }),
    // Devices go with their sessions (ON DELETE CASCADE); their ids are read first.
    deleteOtherSessions: db.transaction((uid: string, keepId: string): string[] => {
      const ids = sql.otherSessionDevices.all(uid, keepId) as string[];
      sql.deleteOtherSessions.run(uid, keepId);
      return ids;
    }),

    trimSessions: db.transaction((uid: string, keep: number): number => {
      const count = sql.countSessions.get(uid) as number;
      if (count <= keep) return count;
      return count - sql.deleteIdleSessions.run(uid, count - keep).changes;
    }),
    createDevice: db.transaction((d: NewDevice): boolean => {
      if (sql.sessionFree.get(d.sessionId, d.uid) === undefined) return false;
      return (
        sql.insertDevice.run(
          d.uid,
          d.id,
          d.sessionId,
          d.name,
          d.type,
          d.createdAt,
          d.push?.callback ?? null,
          d.push?.publicKey ?? null,
          d.push?.authKey ?? null,
          JSON.stringify(d.capabilities),
          JSON.stringify(d.availableCommands),
        ).changes > 0
      );
    }),

    updateDevice: db.transaction((uid: string, id: string, patch: DevicePatch): DeviceRecord | null => {
      const current = toDevice(sql.getDevice.get(uid, id) as DeviceRow | undefined);
      if (current === null) return null;
      const push = patch.push === undefined ? current.push : patch.push;
      // A new callback is a new chance: the old endpoint's failure says nothing about it.
      const newCallback = patch.push !== undefined && patch.push !== null && patch.push.callback !== current.push?.callback;
      const next: DeviceRecord = {
        ...current,
        name: patch.name ?? current.name,
        type: patch.type ?? current.type,
        push,
        pushEndpointExpired: newCallback ? false : current.pushEndpointExpired,
        capabilities: patch.capabilities ?? current.capabilities,
        availableCommands: patch.availableCommands ?? current.availableCommands,
      };
      sql.writeDevice.run(
        next.name,
        next.type,
        next.push?.callback ?? null,
        next.push?.publicKey ?? null,
        next.push?.authKey ?? null,
        next.pushEndpointExpired ? 1 : 0,
        JSON.stringify(next.capabilities),
        JSON.stringify(next.availableCommands),
        uid,
        id,
      );
      return next;
    }),
  };
}
