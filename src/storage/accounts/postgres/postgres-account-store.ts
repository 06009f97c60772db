/**
 * `AccountStore` on PostgreSQL (a `pg` pool), in the push store's database or any other; the
 * tables migrate themselves apart from the push store's (migrations.ts). Conditional inserts are
 * single statements (`INSERT … SELECT … WHERE EXISTS … ON CONFLICT DO NOTHING`); a device update
 * reads under `SELECT … FOR UPDATE` in one transaction. Text columns hold the JSON of
 * capabilities and commands. Retryable failures become `StoreBusyError`.
 */
import type pg from 'pg';
import type { AddEmailResult, SecondaryEmail, SecurityEvent, AccountCode, AccountPatch, AccountRecord, AccountStore, DevicePatch, DeviceRecord, NewAccount, NewDevice, SessionRecord } from '../account-store.js';
import { ACCOUNT_COLUMNS, toAccount, toCode, toDevice, type AccountRow, type CodeRow, type DeviceRow } from '../sql-rows.js';
import { openAccountsPool, poolAnswers, query, transaction, type PostgresAccountsOptions } from './migrations.js';

/** A foreign key gone meanwhile (account or session deleted concurrently): the insert is refused. */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * An address is claimed under a transaction-scoped advisory lock on its hash, taken by account
 * creation and by adding a secondary address alike: the check of both tables and the insert then
 * cannot interleave with another claim of the same address (READ COMMITTED alone would let two
 * transactions each miss the other's uncommitted row).
 */
const LOCK_EMAIL = "SELECT pg_advisory_xact_lock(hashtextextended('herald-email:' || $1, 0))";

const DEVICE_COLUMNS = `d.uid, d.id, d.session_id, d.name, d.type, d.created_at, d.push_callback, d.push_public_key,
  d.push_auth_key, d.push_expired, d.capabilities, d.available_commands, s.last_access`;

/** Open a pool on `dsn` (postgres://…) and migrate the account tables. */
export async function openPostgresAccountStore(dsn: string, opts: PostgresAccountsOptions = {}): Promise<PostgresAccountStore> {
  return new PostgresAccountStore(await openAccountsPool(dsn, opts));
}

export class PostgresAccountStore implements AccountStore {
  readonly #pool: pg.Pool;
  #closed = false;

  /** Prefer `openPostgresAccountStore`; this takes ownership of a pool whose tables are migrated. */
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async createAccount(a: NewAccount): Promise<boolean> {
    this.#open();
    return transaction(this.#pool, async (c) => {
      await c.query(LOCK_EMAIL, [a.email]);
      const r = await c.query(
        `INSERT INTO account (${ACCOUNT_COLUMNS}) SELECT $1, $2, $3, $4, $5, $6
         WHERE NOT EXISTS (SELECT 1 FROM account_email WHERE email = $2) ON CONFLICT DO NOTHING`,
        [a.uid, a.email, a.passwordHash, a.displayName, a.createdAt, a.emailVerified === true],
      );
      return (r.rowCount ?? 0) > 0;
    });
  }

  async addSecondaryEmail(uid: string, email: string, createdAt: number, max: number): Promise<AddEmailResult> {
    this.#open();
    try {
      return await transaction(this.#pool, async (c) => {
        // The account row lock makes concurrent adds of one account count in turn.
        const { rowCount } = await c.query('SELECT 1 FROM account WHERE uid = $1 FOR UPDATE', [uid]);
        if ((rowCount ?? 0) === 0) return 'no-account';
        await c.query(LOCK_EMAIL, [email]);
        const taken = await c.query('SELECT 1 FROM account WHERE email = $1 UNION ALL SELECT 1 FROM account_email WHERE email = $1', [email]);
        if ((taken.rowCount ?? 0) > 0) return 'taken';
        const { rows } = await c.query<{ n: string }>('SELECT count(*) AS n FROM account_email WHERE uid = $1', [uid]);
        if (Number(rows[0]?.n ?? 0) >= max) return 'limit';
        await c.query('INSERT INTO account_email (email, uid, verified, created_at) VALUES ($1, $2, false, $3)', [email, uid, createdAt]);
        return 'added';
      });
    } catch (err) {
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return 'no-account';
      throw err;
    }
  }

  async listSecondaryEmails(uid: string): Promise<SecondaryEmail[]> {
    const { rows } = await this.#query<{ email: string; verified: boolean; created_at: string }>(
      'herald_acc_list_emails',
      'SELECT email, verified, created_at FROM account_email WHERE uid = $1 ORDER BY created_at, email COLLATE "C"',
      [uid],
    );
    return rows.map((r) => ({ email: r.email, verified: r.verified, createdAt: Number(r.created_at) }));
  }

  async verifySecondaryEmail(uid: string, email: string): Promise<boolean> {
    const r = await this.#query('herald_acc_verify_email', 'UPDATE account_email SET verified = true WHERE uid = $1 AND email = $2', [uid, email]);
    return (r.rowCount ?? 0) > 0;
  }

  async removeSecondaryEmail(uid: string, email: string): Promise<boolean> {
    const r = await this.#query('herald_acc_remove_email', 'DELETE FROM account_email WHERE uid = $1 AND email = $2', [uid, email]);
    return (r.rowCount ?? 0) > 0;
  }

  async makeEmailPrimary(uid: string, email: string, at: number): Promise<boolean> {
    this.#open();
    return transaction(this.#pool, async (c) => {
      const { rows } = await c.query<{ email: string; email_verified: boolean }>('SELECT email, email_verified FROM account WHERE uid = $1 FOR UPDATE', [uid]);
      const old = rows[0];
      if (!old) return false;
      const gone = await c.query('DELETE FROM account_email WHERE uid = $1 AND email = $2 AND verified RETURNING 1', [uid, email]);
      if ((gone.rowCount ?? 0) === 0) return false;
      await c.query('UPDATE account SET email = $2, email_verified = true WHERE uid = $1', [uid, email]);
      await c.query('INSERT INTO account_email (email, uid, verified, created_at) VALUES ($1, $2, $3, $4)', [old.email, uid, old.email_verified, at]);
      return true;
    });
  }

  async findSecondaryEmailOwner(email: string): Promise<string | null> {
    const { rows } = await this.#query<{ uid: string }>('herald_acc_email_owner', 'SELECT uid FROM account_email WHERE email = $1', [email]);
    return rows[0]?.uid ?? null;
  }

  async compareAndSetAccountSecret(uid: string, name: string, expected: string, value: string | null): Promise<boolean> {
    // One statement each: a concurrent writer's UPDATE waits for the row lock and then re-checks
    // the WHERE against the committed value (READ COMMITTED), so only one sees `expected`.
    const r =
      value === null
        ? await this.#query('herald_acc_delete_secret_if', 'DELETE FROM account_secret WHERE uid = $1 AND name = $2 AND value = $3', [uid, name, expected])
        : await this.#query('herald_acc_replace_secret_if', 'UPDATE account_secret SET value = $4 WHERE uid = $1 AND name = $2 AND value = $3', [
            uid,
            name,
            expected,
            value,
          ]);
    return (r.rowCount ?? 0) > 0;
  }

  async getAccount(uid: string): Promise<AccountRecord | null> {
    const { rows } = await this.#query<AccountRow>('herald_acc_get_account', `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE uid = $1`, [uid]);
    return toAccount(rows[0]);
  }

  async findAccountByEmail(email: string): Promise<AccountRecord | null> {
    const { rows } = await this.#query<AccountRow>('herald_acc_get_account_by_email', `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE email = $1`, [email]);
    return toAccount(rows[0]);
  }

  async updateAccount(uid: string, patch: AccountPatch): Promise<boolean> {
    // One statement: absent fields keep their value ($2/$4/$6 say whether a field is given).
    const r = await this.#query(
      'herald_acc_update_account_v2',
      `UPDATE account SET
         password_hash = CASE WHEN $2::boolean THEN $3::text ELSE password_hash END,
         display_name = CASE WHEN $4::boolean THEN $5::text ELSE display_name END,
         email_verified = CASE WHEN $6::boolean THEN $7::boolean ELSE email_verified END
       WHERE uid = $1`,
      [
        uid,
        patch.passwordHash !== undefined,
        patch.passwordHash ?? null,
        patch.displayName !== undefined,
        patch.displayName ?? null,
        patch.emailVerified !== undefined,
        patch.emailVerified ?? false,
      ],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async deleteAccount(uid: string): Promise<boolean> {
    // Sessions and devices go by ON DELETE CASCADE.
    const r = await this.#query('herald_acc_delete_account', 'DELETE FROM account WHERE uid = $1', [uid]);
    return (r.rowCount ?? 0) > 0;
  }

  async createSession(s: { id: string; uid: string; createdAt: number; verified?: boolean }): Promise<boolean> {
    try {
      const r = await this.#query(
        'herald_acc_insert_session_v2',
        `INSERT INTO account_session (id, uid, created_at, last_access, verified)
         SELECT $1, $2, $3, $3, $4 WHERE EXISTS (SELECT 1 FROM account WHERE uid = $2)
         ON CONFLICT DO NOTHING`,
        [s.id, s.uid, s.createdAt, s.verified !== false],
      );
      return (r.rowCount ?? 0) > 0;
    } catch (err) {
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const { rows } = await this.#query<{ id: string; uid: string; created_at: number; last_access: number; device_id: string | null; verified: boolean }>(
      'herald_acc_get_session_v2',
      `SELECT s.id, s.uid, s.created_at, s.last_access, s.verified, d.id AS device_id
       FROM account_session s LEFT JOIN account_device d ON d.session_id = s.id WHERE s.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return { id: row.id, uid: row.uid, createdAt: row.created_at, lastAccessTime: row.last_access, deviceId: row.device_id, verified: row.verified };
  }

  async verifySession(id: string): Promise<boolean> {
    const r = await this.#query('herald_acc_verify_session', 'UPDATE account_session SET verified = true WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async deleteOtherSessions(uid: string, keepId: string | null): Promise<string[]> {
    // One statement: the devices are read in the same snapshot the sessions are deleted from.
    const { rows } = await this.#query<{ id: string }>(
      'herald_acc_delete_other_sessions',
      `WITH gone AS (DELETE FROM account_session WHERE uid = $1 AND id <> $2 RETURNING id)
       SELECT d.id FROM account_device d WHERE d.session_id IN (SELECT id FROM gone)`,
      [uid, keepId ?? ''],
    );
    return rows.map((r) => r.id);
  }

  async putCode(c: AccountCode): Promise<boolean> {
    try {
      const r = await this.#query(
        'herald_acc_put_code',
        `INSERT INTO account_code (uid, purpose, code_hash, expires_at, attempts, data)
         SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM account WHERE uid = $1)
         ON CONFLICT (uid, purpose) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
           attempts = excluded.attempts, data = excluded.data`,
        [c.uid, c.purpose, c.codeHash, c.expiresAt, c.attempts, c.data],
      );
      return (r.rowCount ?? 0) > 0;
    } catch (err) {
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
  }

  async attemptCode(uid: string, purpose: string): Promise<AccountCode | null> {
    const { rows } = await this.#query<CodeRow>(
      'herald_acc_attempt_code',
      'UPDATE account_code SET attempts = attempts + 1 WHERE uid = $1 AND purpose = $2 RETURNING uid, purpose, code_hash, expires_at, attempts, data',
      [uid, purpose],
    );
    return toCode(rows[0]);
  }

  async deleteCode(uid: string, purpose: string): Promise<boolean> {
    const r = await this.#query('herald_acc_delete_code', 'DELETE FROM account_code WHERE uid = $1 AND purpose = $2', [uid, purpose]);
    return (r.rowCount ?? 0) > 0;
  }

  async addSecurityEvent(uid: string, e: SecurityEvent, keep: number): Promise<void> {
    await transaction(this.#pool, async (client) => {
      // Lock the account row: concurrent events of one account trim in turn.
      const { rowCount } = await client.query('SELECT 1 FROM account WHERE uid = $1 FOR UPDATE', [uid]);
      if ((rowCount ?? 0) === 0) return;
      await client.query('INSERT INTO account_event (uid, at, kind, ip) VALUES ($1, $2, $3, $4)', [uid, e.at, e.kind, e.ip]);
      await client.query('DELETE FROM account_event WHERE uid = $1 AND id NOT IN (SELECT id FROM account_event WHERE uid = $1 ORDER BY id DESC LIMIT $2)', [uid, keep]);
    });
  }

  async listSecurityEvents(uid: string): Promise<SecurityEvent[]> {
    const { rows } = await this.#query<{ kind: string; at: string | number; ip: string | null }>('herald_acc_list_events', 'SELECT kind, at, ip FROM account_event WHERE uid = $1 ORDER BY id DESC', [uid]);
    return rows.map((r) => ({ kind: r.kind, at: Number(r.at), ip: r.ip }));
  }

  async getAccountSecret(uid: string, name: string): Promise<string | null> {
    const { rows } = await this.#query<{ value: string }>('herald_acc_get_secret', 'SELECT value FROM account_secret WHERE uid = $1 AND name = $2', [uid, name]);
    return rows[0]?.value ?? null;
  }

  async setAccountSecret(uid: string, name: string, value: string | null): Promise<boolean> {
    if (value === null) {
      await this.#query('herald_acc_delete_secret', 'DELETE FROM account_secret WHERE uid = $1 AND name = $2', [uid, name]);
      return (await this.getAccount(uid)) !== null;
    }
    try {
      const r = await this.#query(
        'herald_acc_put_secret',
        `INSERT INTO account_secret (uid, name, value) SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM account WHERE uid = $1)
         ON CONFLICT (uid, name) DO UPDATE SET value = excluded.value`,
        [uid, name, value],
      );
      return (r.rowCount ?? 0) > 0;
    } catch (err) {
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
  }

  async touchSession(id: string, at: number): Promise<void> {
    await this.#query('herald_acc_touch_session', 'UPDATE account_session SET last_access = $2 WHERE id = $1 AND last_access < $2', [id, at]);
  }

  async deleteSession(id: string): Promise<boolean> {
    // The device bound to it goes by ON DELETE CASCADE.
    const r = await this.#query('herald_acc_delete_session', 'DELETE FROM account_session WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }

  async trimSessions(uid: string, keep: number): Promise<number> {
    // One statement: count, pick the idle sessions to drop, delete them, report what is left.
    const { rows } = await this.#query<{ remaining: string }>(
      'herald_acc_trim_sessions',
      `WITH total AS (SELECT count(*) AS n FROM account_session WHERE uid = $1),
       victims AS (
         SELECT s.id FROM account_session s
         WHERE s.uid = $1 AND NOT EXISTS (SELECT 1 FROM account_device d WHERE d.session_id = s.id)
         ORDER BY s.last_access, s.created_at, s.id
         LIMIT GREATEST(0, (SELECT n FROM total) - $2)),
       gone AS (DELETE FROM account_session WHERE id IN (SELECT id FROM victims) RETURNING 1)
       SELECT (SELECT n FROM total) - (SELECT count(*) FROM gone) AS remaining`,
      [uid, keep],
    );
    return Number(rows[0]?.remaining ?? 0);
  }

  async createDevice(d: NewDevice): Promise<boolean> {
    // The session must exist in this account; UNIQUE (session_id) and the key refuse the rest.
    try {
      const r = await this.#query(
        'herald_acc_insert_device',
        `INSERT INTO account_device (uid, id, session_id, name, type, created_at, push_callback, push_public_key,
           push_auth_key, push_expired, capabilities, available_commands)
         SELECT $1, $2, s.id, $4, $5, $6, $7, $8, $9, false, $10, $11 FROM account_session s WHERE s.id = $3 AND s.uid = $1
         ON CONFLICT DO NOTHING`,
        [
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
        ],
      );
      return (r.rowCount ?? 0) > 0;
    } catch (err) {
      if ((err as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
  }

  async updateDevice(uid: string, id: string, patch: DevicePatch): Promise<DeviceRecord | null> {
    this.#open();
    return transaction(this.#pool, async (c) => {
      const { rows } = await c.query<DeviceRow>({
        name: 'herald_acc_get_device_for_update',
        text: `SELECT ${DEVICE_COLUMNS} FROM account_device d JOIN account_session s ON s.id = d.session_id
               WHERE d.uid = $1 AND d.id = $2 FOR UPDATE OF d`,
        values: [uid, id],
      });
      const current = toDevice(rows[0]);
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
      await c.query({
        name: 'herald_acc_write_device',
        text: `UPDATE account_device SET name = $3, type = $4, push_callback = $5, push_public_key = $6, push_auth_key = $7,
                 push_expired = $8, capabilities = $9, available_commands = $10 WHERE uid = $1 AND id = $2`,
        values: [
          uid,
          id,
          next.name,
          next.type,
          next.push?.callback ?? null,
          next.push?.publicKey ?? null,
          next.push?.authKey ?? null,
          next.pushEndpointExpired,
          JSON.stringify(next.capabilities),
          JSON.stringify(next.availableCommands),
        ],
      });
      return next;
    });
  }

  async getDevice(uid: string, id: string): Promise<DeviceRecord | null> {
    const { rows } = await this.#query<DeviceRow>(
      'herald_acc_get_device',
      `SELECT ${DEVICE_COLUMNS} FROM account_device d JOIN account_session s ON s.id = d.session_id WHERE d.uid = $1 AND d.id = $2`,
      [uid, id],
    );
    return toDevice(rows[0]);
  }

  async listDevices(uid: string): Promise<DeviceRecord[]> {
    const { rows } = await this.#query<DeviceRow>(
      'herald_acc_list_devices',
      `SELECT ${DEVICE_COLUMNS} FROM account_device d JOIN account_session s ON s.id = d.session_id
       WHERE d.uid = $1 ORDER BY d.created_at, d.id COLLATE "C"`,
      [uid],
    );
    return rows.map((r) => toDevice(r) as DeviceRecord);
  }

  async deleteDevice(uid: string, id: string): Promise<boolean> {
    // Deleting the session cascades to the device: both go in one statement.
    const r = await this.#query(
      'herald_acc_delete_device',
      'DELETE FROM account_session WHERE id = (SELECT session_id FROM account_device WHERE uid = $1 AND id = $2)',
      [uid, id],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async markPushEndpointExpired(uid: string, id: string, callback: string): Promise<boolean> {
    const r = await this.#query(
      'herald_acc_mark_expired',
      'UPDATE account_device SET push_expired = true WHERE uid = $1 AND id = $2 AND push_callback = $3',
      [uid, id, callback],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async serviceKey(name: string, create: () => string): Promise<string> {
    // Two statements: an insert that loses to a concurrent one waits for it to commit, and the
    // select's fresh snapshot (READ COMMITTED) then sees the winner's row.
    await this.#query('herald_acc_add_service_key', 'INSERT INTO service_key (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, create()]);
    const { rows } = await this.#query<{ value: string }>('herald_acc_get_service_key', 'SELECT value FROM service_key WHERE name = $1', [name]);
    return rows[0]!.value;
  }

  async healthCheck(): Promise<boolean> {
    return !this.#closed && (await poolAnswers(this.#pool));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #open(): void {
    if (this.#closed) throw new Error('PostgreSQL account store is closed');
  }

  #query<R extends pg.QueryResultRow = pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    this.#open();
    return query<R>(this.#pool, name, text, values);
  }
}
