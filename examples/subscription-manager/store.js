// The site's memory, in SQLite: the subscriptions it may push to, and a short log of what each
// send did. Everything an outsider can grow is bounded: subscriptions by `maxSubscriptions`,
// the log by `maxLogRows` (oldest rows go first).
import Database from 'better-sqlite3';

export function openStore(path, { maxSubscriptions = 10_000, maxLogRows = 500 } = {}) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS subscriptions (
      -- AUTOINCREMENT: an id is never given again, so the send log never names the wrong one.
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      endpoint TEXT NOT NULL UNIQUE,
      p256dh TEXT NOT NULL,
      auth TEXT NOT NULL,
      created_at TEXT NOT NULL,
      last_outcome TEXT,
      last_status INTEGER,
      last_sent_at TEXT
    );
    CREATE TABLE IF NOT EXISTS send_log (
      id INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      subscription_id INTEGER NOT NULL,
      status INTEGER,
      outcome TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      detail TEXT
    );
  `);
  const now = () => new Date().toISOString();
  const q = {
    count: db.prepare('SELECT count(*) AS n FROM subscriptions'),
    byEndpoint: db.prepare('SELECT * FROM subscriptions WHERE endpoint = ?'),
    byId: db.prepare('SELECT * FROM subscriptions WHERE id = ?'),
    all: db.prepare('SELECT * FROM subscriptions ORDER BY id'),
    insert: db.prepare('INSERT INTO subscriptions (endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?)'),
    updateKeys: db.prepare('UPDATE subscriptions SET p256dh = ?, auth = ? WHERE id = ?'),
    deleteByEndpoint: db.prepare('DELETE FROM subscriptions WHERE endpoint = ?'),
    deleteById: db.prepare('DELETE FROM subscriptions WHERE id = ?'),
    outcome: db.prepare('UPDATE subscriptions SET last_outcome = ?, last_status = ?, last_sent_at = ? WHERE id = ?'),
    log: db.prepare('INSERT INTO send_log (at, subscription_id, status, outcome, attempts, detail) VALUES (?, ?, ?, ?, ?, ?)'),
    trimLog: db.prepare('DELETE FROM send_log WHERE id <= (SELECT max(id) FROM send_log) - ?'),
    recent: db.prepare('SELECT * FROM send_log ORDER BY id DESC LIMIT ?'),
  };

  return {
    /**
     * Add a subscription, or refresh the keys of a known endpoint. `replaces` is the endpoint it
     * succeeds (from `pushsubscriptionchange`), which is deleted. Returns null when full.
     */
    save({ endpoint, keys }, replaces) {
      return db.transaction(() => {
        if (replaces && replaces !== endpoint) q.deleteByEndpoint.run(replaces);
        const known = q.byEndpoint.get(endpoint);
        if (known) {
          q.updateKeys.run(keys.p256dh, keys.auth, known.id);
          return { id: known.id, created: false };
        }
        if (q.count.get().n >= maxSubscriptions) return null;
        const { lastInsertRowid } = q.insert.run(endpoint, keys.p256dh, keys.auth, now());
        return { id: Number(lastInsertRowid), created: true };
      })();
    },
    get: (id) => q.byId.get(id) ?? null,
    list: () => q.all.all(),
    remove: (id) => q.deleteById.run(id).changes > 0,
    /** Remember what the push service said to one send, on the subscription and in the log. */
    record(id, { status, outcome, attempts, detail }) {
      db.transaction(() => {
        q.outcome.run(outcome, status, now(), id);
        q.log.run(now(), id, status, outcome, attempts, detail ?? null);
        q.trimLog.run(maxLogRows);
      })();
    },
    recentSends: (limit = 50) => q.recent.all(limit),
    close: () => db.close(),
  };
}
