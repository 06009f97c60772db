/**
 * Lua scripts of the Redis account-side stores, each atomic on the server, and the connection
 * both stores open. Every script runs on one account's keys: KEYS[1] is that account's anchor key
 * (its account hash, or its mailbox device set), which routes the script to the account's slot
 * on a Redis Cluster; ARGV[1] is the key prefix, from which the script names the account's other
 * keys, all with the same hash tag `{uid}` and so in the same slot (see the layouts in
 * redis-account-store.ts and redis-mailbox-store.ts). What lives in other slots (the email and
 * session pointers, the mailbox index counter) is changed by the stores in separate commands.
 */
import { mapError, type RedisClient, type RedisConnectionOptions } from '../../redis/connection.js';

const KEYS = `
local p = ARGV[1]
local function acct(uid) return p .. 'acct:{' .. uid .. '}' end
local function acctSessions(uid) return acct(uid) .. ':sessions' end
local function acctDevices(uid) return acct(uid) .. ':devices' end
local function sess(uid, id) return acct(uid) .. ':session:' .. id end
local function dev(uid, id) return acct(uid) .. ':device:' .. id end
local function acctCodes(uid) return acct(uid) .. ':codes' end
local function code(uid, purpose) return acct(uid) .. ':code:' .. purpose end
local function acctSecrets(uid) return acct(uid) .. ':secrets' end
local function acctEvents(uid) return acct(uid) .. ':events' end
local function acctEmails(uid) return acct(uid) .. ':emails' end
-- A device as an array: sid, name, type, ca, cb, pk, ak, x, caps, cmds, la (its session's).
local function readDevice(uid, id)
  local d = redis.call('HMGET', dev(uid, id), 'sid', 'name', 'type', 'ca', 'cb', 'pk', 'ak', 'x', 'caps', 'cmds')
  if not d[1] then return false end
  d[11] = redis.call('HGET', sess(uid, d[1]), 'la') or d[4]
  return d
end
-- Delete a device and its session; returns the session id (its pointer is the caller's), or false.
local function dropDevice(uid, id)
  local sid = redis.call('HGET', dev(uid, id), 'sid')
  if not sid then return false end
  redis.call('DEL', dev(uid, id))
  redis.call('SREM', acctDevices(uid), id)
  redis.call('DEL', sess(uid, sid))
  redis.call('SREM', acctSessions(uid), sid)
  return sid
end
`;

/** Scripts on one pointer key (KEYS[1]: an email's or a session's): ARGV[1] prefix (unused). */
export const pointerScripts = {
  // uid, expected ('' = absent) → 1 when the pointer was `expected` and now names uid, else 0
  heraldPtrClaim: `
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`,

  // uid → 1 when the pointer named uid and is gone, else 0
  heraldPtrRelease: `
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1`,
} as const;

/** Account scripts: KEYS[1] the account hash, ARGV[1] prefix, then each script's own arguments. */
export const accountScripts = {
  ...pointerScripts,

  // uid, email, passwordHash, hasDisplayName (0/1), displayName, createdAt, emailVerified (0/1).
  // The caller holds the email's pointer.
  heraldAccCreateAccount: `${KEYS}
local uid, e = ARGV[2], ARGV[3]
if redis.call('EXISTS', acct(uid)) == 1 then return 0 end
redis.call('HSET', acct(uid), 'email', e, 'ph', ARGV[4], 'ca', ARGV[7], 'ev', ARGV[8])
if ARGV[5] == '1' then redis.call('HSET', acct(uid), 'dn', ARGV[6]) end
return 1`,

  // uid, hasPasswordHash, passwordHash, displayNameMode (0 keep, 1 null, 2 set), displayName,
  // emailVerified ('' keep, else the new 'ev': '0' or '1')
  heraldAccUpdateAccount: `${KEYS}
local uid = ARGV[2]
if redis.call('EXISTS', acct(uid)) == 0 then return 0 end
if ARGV[3] == '1' then redis.call('HSET', acct(uid), 'ph', ARGV[4]) end
if ARGV[5] == '1' then redis.call('HDEL', acct(uid), 'dn') elseif ARGV[5] == '2' then redis.call('HSET', acct(uid), 'dn', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', acct(uid), 'ev', ARGV[7]) end
return 1`,

  // uid → false, or {email, session ids…} (their pointers are the caller's to release)
  heraldAccDeleteAccount: `${KEYS}
local uid = ARGV[2]
local e = redis.call('HGET', acct(uid), 'email')
if not e then return false end
local sids = redis.call('SMEMBERS', acctSessions(uid))
for _, id in ipairs(redis.call('SMEMBERS', acctDevices(uid))) do redis.call('DEL', dev(uid, id)) end
for _, sid in ipairs(sids) do redis.call('DEL', sess(uid, sid)) end
for _, purpose in ipairs(redis.call('SMEMBERS', acctCodes(uid))) do redis.call('DEL', code(uid, purpose)) end
redis.call('DEL', acctDevices(uid), acctSessions(uid), acct(uid), acctCodes(uid), acctSecrets(uid), acctEvents(uid), acctEmails(uid))
table.insert(sids, 1, e)
return sids`,

  // uid, id, createdAt, verified (0/1). The caller holds the session's pointer.
  heraldAccCreateSession: `${KEYS}
local uid, id = ARGV[2], ARGV[3]
if redis.call('EXISTS', acct(uid)) == 0 or redis.call('EXISTS', sess(uid, id)) == 1 then return 0 end
redis.call('HSET', sess(uid, id), 'uid', uid, 'ca', ARGV[4], 'la', ARGV[4])
if ARGV[5] == '0' then redis.call('HSET', sess(uid, id), 'uv', '1') end
redis.call('SADD', acctSessions(uid), id)
return 1`,

  // uid, id → 1 when the session exists (now verified), else 0
  heraldAccVerifySession: `${KEYS}
local k = sess(ARGV[2], ARGV[3])
if redis.call('EXISTS', k) == 0 then return 0 end
redis.call('HDEL', k, 'uv')
return 1`,

  // uid, keepId ('' = none) → {ids of the devices that went with the other sessions, ids of those
  // sessions} (their pointers are the caller's to release)
  heraldAccDeleteOtherSessions: `${KEYS}
local uid, keep = ARGV[2], ARGV[3]
local devices, sids = {}, {}
for _, sid in ipairs(redis.call('SMEMBERS', acctSessions(uid))) do
  if sid ~= keep then
    local d = redis.call('HGET', sess(uid, sid), 'dev')
    if d then
      dropDevice(uid, d)
      devices[#devices + 1] = d
    end
    redis.call('DEL', sess(uid, sid))
    redis.call('SREM', acctSessions(uid), sid)
    sids[#sids + 1] = sid
  end
end
return {devices, sids}`,

  // uid, id, at
  heraldAccTouchSession: `${KEYS}
local k = sess(ARGV[2], ARGV[3])
local la = redis.call('HGET', k, 'la')
if la and tonumber(la) < tonumber(ARGV[4]) then redis.call('HSET', k, 'la', ARGV[4]) end
return 0`,

  // uid, id → 1 | 0
  heraldAccDeleteSession: `${KEYS}
local uid, id = ARGV[2], ARGV[3]
local s = redis.call('HMGET', sess(uid, id), 'uid', 'dev')
if not s[1] then return 0 end
if s[2] then dropDevice(uid, s[2]) end
redis.call('DEL', sess(uid, id))
redis.call('SREM', acctSessions(uid), id)
return 1`,

  // uid, keep → {sessions left, deleted session ids…}. Idle (device-less) sessions go, least
  // recently used first.
  heraldAccTrimSessions: `${KEYS}
local uid, keep = ARGV[2], tonumber(ARGV[3])
local ids = redis.call('SMEMBERS', acctSessions(uid))
if #ids <= keep then return {#ids} end
local idle = {}
for _, id in ipairs(ids) do
  local s = redis.call('HMGET', sess(uid, id), 'dev', 'la', 'ca')
  if not s[1] then idle[#idle + 1] = { id = id, la = tonumber(s[2]) or 0, ca = tonumber(s[3]) or 0 } end
end
table.sort(idle, function(a, b)
  if a.la ~= b.la then return a.la < b.la end
  if a.ca ~= b.ca then return a.ca < b.ca end
  return a.id < b.id
end)
local left, gone = #ids, {}
for _, victim in ipairs(idle) do
  if left <= keep then break end
  redis.call('DEL', sess(uid, victim.id))
  redis.call('SREM', acctSessions(uid), victim.id)
  gone[#gone + 1] = victim.id
  left = left - 1
end
table.insert(gone, 1, left)
return gone`,

  // uid, id, sessionId, name, type, createdAt, hasPush, callback, publicKey, authKey, capabilities, commands
  heraldAccCreateDevice: `${KEYS}
local uid, id, sid = ARGV[2], ARGV[3], ARGV[4]
local s = redis.call('HMGET', sess(uid, sid), 'uid', 'dev')
if s[1] ~= uid or s[2] or redis.call('EXISTS', dev(uid, id)) == 1 then return 0 end
redis.call('HSET', dev(uid, id), 'sid', sid, 'name', ARGV[5], 'type', ARGV[6], 'ca', ARGV[7], 'x', '0', 'caps', ARGV[12], 'cmds', ARGV[13])
if ARGV[8] == '1' then redis.call('HSET', dev(uid, id), 'cb', ARGV[9], 'pk', ARGV[10], 'ak', ARGV[11]) end
redis.call('SADD', acctDevices(uid), id)
redis.call('HSET', sess(uid, sid), 'dev', id)
return 1`,

  // uid, id, hasName, name, hasType, type, pushMode (0 keep, 1 clear, 2 set), callback, publicKey,
  // authKey, hasCapabilities, capabilities, hasCommands, commands → the device (readDevice) or nil
  heraldAccUpdateDevice: `${KEYS}
local uid, id = ARGV[2], ARGV[3]
local k = dev(uid, id)
if redis.call('EXISTS', k) == 0 then return false end
if ARGV[4] == '1' then redis.call('HSET', k, 'name', ARGV[5]) end
if ARGV[6] == '1' then redis.call('HSET', k, 'type', ARGV[7]) end
if ARGV[8] == '1' then
  redis.call('HDEL', k, 'cb', 'pk', 'ak')
elseif ARGV[8] == '2' then
  -- A new callback is a new chance: the old endpoint's failure says nothing about it.
  if redis.call('HGET', k, 'cb') ~= ARGV[9] then redis.call('HSET', k, 'x', '0') end
  redis.call('HSET', k, 'cb', ARGV[9], 'pk', ARGV[10], 'ak', ARGV[11])
end
if ARGV[12] == '1' then redis.call('HSET', k, 'caps', ARGV[13]) end
if ARGV[14] == '1' then redis.call('HSET', k, 'cmds', ARGV[15]) end
return readDevice(uid, id)`,

  // uid, id → the device or nil
  heraldAccGetDevice: `${KEYS}
return readDevice(ARGV[2], ARGV[3])`,

  // uid → flat list: id, then the device's 11 fields, for each device
  heraldAccListDevices: `${KEYS}
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', acctDevices(ARGV[2]))) do
  local d = readDevice(ARGV[2], id)
  if d then
    out[#out + 1] = id
    for i = 1, 11 do out[#out + 1] = d[i] end
  end
end
return out`,

  // uid, id → the device's session id (its pointer is the caller's to release), or false
  heraldAccDeleteDevice: `${KEYS}
return dropDevice(ARGV[2], ARGV[3])`,

  // uid, id, callback
  heraldAccMarkExpired: `${KEYS}
local k = dev(ARGV[2], ARGV[3])
if redis.call('HGET', k, 'cb') ~= ARGV[4] then return 0 end
redis.call('HSET', k, 'x', '1')
return 1`,

  // uid, purpose, codeHash, expiresAt, attempts, hasData (0/1), data
  heraldAccPutCode: `${KEYS}
local uid, purpose = ARGV[2], ARGV[3]
if redis.call('EXISTS', acct(uid)) == 0 then return 0 end
redis.call('DEL', code(uid, purpose))
redis.call('HSET', code(uid, purpose), 'h', ARGV[4], 'e', ARGV[5], 'a', ARGV[6])
if ARGV[7] == '1' then redis.call('HSET', code(uid, purpose), 'd', ARGV[8]) end
redis.call('SADD', acctCodes(uid), purpose)
return 1`,

  // uid, purpose → {h, e, a, d} after counting one attempt, or nil
  heraldAccAttemptCode: `${KEYS}
local k = code(ARGV[2], ARGV[3])
if redis.call('EXISTS', k) == 0 then return false end
redis.call('HINCRBY', k, 'a', 1)
return redis.call('HMGET', k, 'h', 'e', 'a', 'd')`,

  // uid, purpose → 1 when a code was deleted
  heraldAccDeleteCode: `${KEYS}
redis.call('SREM', acctCodes(ARGV[2]), ARGV[3])
return redis.call('DEL', code(ARGV[2], ARGV[3]))`,

  // uid, event JSON, keep
  heraldAccAddEvent: `${KEYS}
local uid = ARGV[2]
if redis.call('EXISTS', acct(uid)) == 0 then return 0 end
redis.call('LPUSH', acctEvents(uid), ARGV[3])
redis.call('LTRIM', acctEvents(uid), 0, tonumber(ARGV[4]) - 1)
return 1`,

  // uid, name, mode (0 delete, 1 set), value → 0 when the account does not exist
  heraldAccSetSecret: `${KEYS}
local uid = ARGV[2]
if redis.call('EXISTS', acct(uid)) == 0 then return 0 end
if ARGV[4] == '1' then redis.call('HSET', acctSecrets(uid), ARGV[3], ARGV[5]) else redis.call('HDEL', acctSecrets(uid), ARGV[3]) end
return 1`,

  // uid, name, expected, hasValue (0/1), value → 1 when the secret held \`expected\` and was
  // replaced (or deleted), else 0: the compare-and-set of one-time secrets (TOTP step, recovery codes)
  heraldAccSecretCas: `${KEYS}
local uid = ARGV[2]
if redis.call('HGET', acctSecrets(uid), ARGV[3]) ~= ARGV[4] then return 0 end
if ARGV[5] == '1' then redis.call('HSET', acctSecrets(uid), ARGV[3], ARGV[6]) else redis.call('HDEL', acctSecrets(uid), ARGV[3]) end
return 1`,

  // Secondary addresses: the :emails hash, address → "verified(0/1):createdAt". The caller holds
  // the address's pointer (herald:acct-email:{email}).
  // uid, email, createdAt, max → 1 added, 0 no account, -1 the account already has it, -2 at max
  heraldAccAddEmail: `${KEYS}
local uid, e = ARGV[2], ARGV[3]
local primary = redis.call('HGET', acct(uid), 'email')
if not primary then return 0 end
if primary == e or redis.call('HEXISTS', acctEmails(uid), e) == 1 then return -1 end
if redis.call('HLEN', acctEmails(uid)) >= tonumber(ARGV[5]) then return -2 end
redis.call('HSET', acctEmails(uid), e, '0:' .. ARGV[4])
return 1`,

  // uid, email → 1 when the secondary exists (now verified), else 0
  heraldAccVerifyEmail: `${KEYS}
local uid, e = ARGV[2], ARGV[3]
local v = redis.call('HGET', acctEmails(uid), e)
if not v then return 0 end
redis.call('HSET', acctEmails(uid), e, '1' .. string.sub(v, 2))
return 1`,

  // uid, email → 1 when the secondary existed and is gone, else 0 (the pointer is the caller's)
  heraldAccRemoveEmail: `${KEYS}
return redis.call('HDEL', acctEmails(ARGV[2]), ARGV[3])`,

  // uid, email, at → 1 when email was a verified secondary and is now the primary (the old
  // primary a secondary, verified as it was), else 0. Both pointers already name uid.
  heraldAccMakePrimary: `${KEYS}
local uid, e = ARGV[2], ARGV[3]
local v = redis.call('HGET', acctEmails(uid), e)
local old = redis.call('HGET', acct(uid), 'email')
if not v or not old or string.sub(v, 1, 1) ~= '1' then return 0 end
local ev = redis.call('HGET', acct(uid), 'ev') or '0'
redis.call('HDEL', acctEmails(uid), e)
redis.call('HSET', acct(uid), 'email', e, 'ev', '1')
redis.call('HSET', acctEmails(uid), old, ev .. ':' .. ARGV[4])
return 1`,
} as const;

const MAILBOX = `
local p = ARGV[1]
local function area(uid) return p .. 'mailbox:{' .. uid .. '}' end
local function box(uid, device, b) return area(uid) .. ':' .. device .. ':' .. b end
local function bodies(uid, device, b) return box(uid, device, b) .. ':data' end
local function devices(uid) return area(uid) .. ':devices' end
local function expiry(uid) return area(uid) .. ':expiry' end
local BOXES = { 'commands', 'messages' }
-- A body is "expiresAt:data".
local function split(v)
  local i = string.find(v, ':', 1, true)
  return tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1)
end
local function dropDevice(uid, device)
  local n = 0
  for _, b in ipairs(BOXES) do
    for _, idx in ipairs(redis.call('ZRANGE', box(uid, device, b), 0, -1)) do
      redis.call('ZREM', expiry(uid), device .. ':' .. b .. ':' .. idx)
      n = n + 1
    end
    redis.call('DEL', box(uid, device, b), bodies(uid, device, b))
  end
  redis.call('SREM', devices(uid), device)
  return n
end
`;

/** Batch of entries a script looks at per step. */
const SCAN = 100;

/**
 * Mailbox scripts: KEYS[1] the account's mailbox device set (its slot), ARGV[1] prefix, then uid,
 * deviceId, box where a key is named.
 */
export const mailboxScripts = {
  // uid, device, box, expiresAt, data, index (from the store's counter) → index
  heraldMbxAppend: `${MAILBOX}
local uid, device, b, idx = ARGV[2], ARGV[3], ARGV[4], ARGV[7]
redis.call('ZADD', box(uid, device, b), idx, idx)
redis.call('HSET', bodies(uid, device, b), idx, ARGV[5] .. ':' .. ARGV[6])
redis.call('SADD', devices(uid), device)
redis.call('ZADD', expiry(uid), ARGV[5], device .. ':' .. b .. ':' .. idx)
return idx`,

  // uid, device, box, fromIndex, now, want → flat list index, data (unexpired, ascending, at most want)
  heraldMbxRead: `${MAILBOX}
local z, h = box(ARGV[2], ARGV[3], ARGV[4]), bodies(ARGV[2], ARGV[3], ARGV[4])
local now, want = tonumber(ARGV[6]), tonumber(ARGV[7])
local out, got, offset = {}, 0, 0
while got < want do
  local idxs = redis.call('ZRANGEBYSCORE', z, ARGV[5], '+inf', 'LIMIT', offset, ${SCAN})
  if #idxs == 0 then break end
  offset = offset + #idxs
  for _, idx in ipairs(idxs) do
    local v = redis.call('HGET', h, idx)
    if v then
      local exp, data = split(v)
      if exp > now then
        out[#out + 1] = idx
        out[#out + 1] = data
        got = got + 1
        if got >= want then break end
      end
    end
  end
end
return out`,

  // uid, device, box, now → highest unexpired index or 0
  heraldMbxLatest: `${MAILBOX}
local z, h = box(ARGV[2], ARGV[3], ARGV[4]), bodies(ARGV[2], ARGV[3], ARGV[4])
local now, offset = tonumber(ARGV[5]), 0
while true do
  local idxs = redis.call('ZREVRANGEBYSCORE', z, '+inf', '-inf', 'LIMIT', offset, ${SCAN})
  if #idxs == 0 then return 0 end
  offset = offset + #idxs
  for _, idx in ipairs(idxs) do
    local v = redis.call('HGET', h, idx)
    if v and split(v) > now then return tonumber(idx) end
  end
end`,

  // uid, device, now → {account entries, account bytes, device entries, device bytes} unexpired.
  // Never copies a body: the expiry comes from the expiry set, the size from HSTRLEN minus the
  // "expiresAt:" prefix (the same digits ZSCORE returns), so counting costs no bytes of data.
  heraldMbxUsage: `${MAILBOX}
local uid, target, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local n, b, dn, db = 0, 0, 0, 0
for _, device in ipairs(redis.call('SMEMBERS', devices(uid))) do
  for _, bx in ipairs(BOXES) do
    for _, idx in ipairs(redis.call('ZRANGE', box(uid, device, bx), 0, -1)) do
      local exp = redis.call('ZSCORE', expiry(uid), device .. ':' .. bx .. ':' .. idx)
      if exp and tonumber(exp) > now then
        local size = redis.call('HSTRLEN', bodies(uid, device, bx), idx) - (#exp + 1)
        n, b = n + 1, b + size
        if device == target then dn, db = dn + 1, db + size end
      end
    end
  end
end
return {n, b, dn, db}`,

  // uid, device → entries removed
  heraldMbxDeleteDevice: `${MAILBOX}
return dropDevice(ARGV[2], ARGV[3])`,

  // uid → entries removed
  heraldMbxDeleteAccount: `${MAILBOX}
local n = 0
for _, device in ipairs(redis.call('SMEMBERS', devices(ARGV[2]))) do n = n + dropDevice(ARGV[2], device) end
redis.call('DEL', devices(ARGV[2]), expiry(ARGV[2]))
return n`,

  // uid, now, batch → {entries removed, entries looked at} of this account (the caller repeats
  // while a full batch went)
  heraldMbxPurge: `${MAILBOX}
local uid = ARGV[2]
local members = redis.call('ZRANGEBYSCORE', expiry(uid), '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
local n = 0
for _, m in ipairs(members) do
  local device, b, idx = string.match(m, '^(.*):([^:]*):(%d+)$')
  if device then
    n = n + redis.call('HDEL', bodies(uid, device, b), idx)
    redis.call('ZREM', box(uid, device, b), idx)
    if redis.call('EXISTS', box(uid, device, b)) == 0 then
      local empty = true
      for _, other in ipairs(BOXES) do
        if redis.call('EXISTS', box(uid, device, other)) == 1 then empty = false end
      end
      if empty then redis.call('SREM', devices(uid), device) end
    end
  end
  redis.call('ZREM', expiry(uid), m)
end
return {n, #members}`,
} as const;

export interface RedisAccountsOptions extends RedisConnectionOptions {
  /** Prefix of every key, so deployments can share a server. Default `herald:`. */
  prefix?: string;
}

/** Run a defined script on `key`'s slot, mapping retryable failures to `StoreBusyError`. */
export async function runScript(redis: RedisClient, name: string, key: string, prefix: string, args: (string | number)[]): Promise<unknown> {
  const call = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (!call) throw new Error(`Redis script ${name} is not defined`);
  try {
    return await call.call(redis, key, prefix, ...args);
  } catch (err) {
    throw mapError(err);
  }
}
