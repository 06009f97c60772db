/**
 * The Redis backend's writes as Lua scripts: Redis runs each one atomically, so the conditional
 * updates, the sort-key counter and topic replacement are safe between nodes sharing a server.
 *
 * Every script gets the keys of one user: KEYS = [user hash, channel set, timestamp index,
 * topic index], and ARGV[1] = the user's key base, under which the message bodies
 * (`base..'msg:'..version`) and topic keys (`base..'topic:'..chid..':'..topic`) live. See
 * redis-store.ts for the layout. Times and sort keys are integers in ms (seconds for expiry).
 */

/** Shared helpers, prepended to every script. */
const PRELUDE = `
local user, chans, ts, tp = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local base = ARGV[1]
-- Numbers go to Redis as integers: Lua's tostring would print 16 digits as 1.7e+15.
local function int(x) return string.format('%d', x) end
local function msgkey(v) return base .. 'msg:' .. v end

-- Delete one message: body, index entries, and its topic key if that still names it.
-- Returns how many of those existed.
local function drop(v)
  local mk = msgkey(v)
  local tk = redis.call('HGET', mk, 'tk')
  if tk then
    local key = base .. 'topic:' .. tk
    if redis.call('GET', key) == v then redis.call('DEL', key) end
  end
  return redis.call('DEL', mk) + redis.call('ZREM', ts, v) + redis.call('ZREM', tp, v)
end

-- The record's keys expire natively at (lastUpdate + router TTL + grace): a garbage-collection
-- backstop; whether a record is live is decided against the caller's clock.
local function touch(at)
  for _, k in ipairs({user, chans, ts, tp}) do redis.call('PEXPIREAT', k, int(at)) end
end

-- Delete the record with its channels and messages; returns the number of entries deleted.
local function wipe()
  local n = redis.call('SCARD', chans) + redis.call('EXISTS', user)
  for _, v in ipairs(redis.call('ZRANGE', ts, 0, -1)) do
    redis.call('DEL', msgkey(v))
    n = n + 1
  end
  for _, v in ipairs(redis.call('ZRANGE', tp, 0, -1)) do
    drop(v)
    n = n + 1
  end
  redis.call('DEL', user, chans, ts, tp)
  return n
end

-- A record exists and was seen at or after the cutoff.
local function live(cutoff)
  local lu = redis.call('HGET', user, 'lu')
  return lu and tonumber(lu) >= tonumber(cutoff), lu
end
`;

const script = (body: string) => `${PRELUDE}\n${body}`;

/** The scripts and their ARGV after the base (ARGV[1]). */
export const scripts = {
  /** ARGV: now, cutoff, keepMs, connectedAt, routerType, hasNode (0|1), nodeId, recordVersion, pointer, routerData ('' for none) → 1 | 0 */
  heraldAddUser: script(`
    if live(ARGV[3]) then return 0 end
    -- Absent or expired: a new record starts without the old one's channels and messages.
    wipe()
    redis.call('HSET', user, 'ca', ARGV[5], 'rt', ARGV[6], 'rv', ARGV[9], 'ptr', ARGV[10], 'lu', ARGV[2], 'next', 1)
    if ARGV[7] == '1' then redis.call('HSET', user, 'nid', ARGV[8]) end
    if ARGV[11] ~= '' then redis.call('HSET', user, 'rd', ARGV[11]) end
    touch(tonumber(ARGV[2]) + tonumber(ARGV[4]))
    return 1`),

  /**
   * A hello (store.ts `connectUser`). ARGV: now, cutoff, keepMs, connectedAt, nodeId → {the
   * record's fields as HGETALL gives them, read before the write; state: 0 no live record, 1
   * connected (written), 2 a connection as new or newer owns it, 3 bridged; when connected, the
   * entries of the two message indexes (those whose body expired count too: it is a hint)}.
   */
  heraldConnectUser: script(`
    local fields = redis.call('HGETALL', user)
    local h = {}
    for i = 1, #fields, 2 do h[fields[i]] = fields[i + 1] end
    if not h.lu or tonumber(h.lu) < tonumber(ARGV[3]) then return {{}, 0, 0} end
    if (h.rt or 'webpush') ~= 'webpush' then return {fields, 3, 0} end
    if tonumber(h.ca) >= tonumber(ARGV[5]) then return {fields, 2, 0} end
    redis.call('HSET', user, 'ca', ARGV[5], 'lu', ARGV[2], 'nid', ARGV[6])
    touch(tonumber(ARGV[2]) + tonumber(ARGV[4]))
    return {fields, 1, redis.call('ZCARD', ts) + redis.call('ZCARD', tp)}`),

  /** ARGV: now, cutoff, keepMs, routerType, routerData ('' for none) → 1 | 0 */
  heraldUpdateRouter: script(`
    local ok, lu = live(ARGV[3])
    if not ok then return 0 end
    local seen = math.max(tonumber(lu), tonumber(ARGV[2]))
    redis.call('HSET', user, 'rt', ARGV[5], 'lu', int(seen))
    if ARGV[6] ~= '' then redis.call('HSET', user, 'rd', ARGV[6]) else redis.call('HDEL', user, 'rd') end
    touch(seen + tonumber(ARGV[4]))
    return 1`),

  /** ARGV: nodeId, connectedAt → 1 | 0 */
  heraldRemoveNodeId: script(`
    local cur = redis.call('HMGET', user, 'nid', 'ca')
    if cur[1] ~= ARGV[2] or not cur[2] or tonumber(cur[2]) ~= tonumber(ARGV[3]) then return 0 end
    redis.call('HDEL', user, 'nid')
    return 1`),

  /** ARGV: (none) */
  heraldRemoveUser: script(`
    wipe()
    return 1`),

  /** ARGV: channelId, now, cutoff, keepMs */
  heraldAddChannel: script(`
    redis.call('SADD', chans, ARGV[2])
    local ok, lu = live(ARGV[4])
    if ok then
      -- A register is a sign of life; an expired record stays expired.
      local seen = math.max(tonumber(lu), tonumber(ARGV[3]))
      redis.call('HSET', user, 'lu', int(seen))
      touch(seen + tonumber(ARGV[5]))
    elseif redis.call('PTTL', chans) == -1 then
      redis.call('PEXPIREAT', chans, int(tonumber(ARGV[3]) + tonumber(ARGV[5])))
    end
    return 1`),

  /**
   * ARGV: now, cutoff, graceMs, keepMs, count, then per message: version, json, expiry (s), hasTopic
   * (0|1), topic key suffix ("chid:topic") → the sort keys, or -1 when there is no live record.
   */
  heraldSave: script(`
    local ok = live(ARGV[3])
    if not ok then return -1 end
    local st = redis.call('HMGET', user, 'next', 'ptr', 'lu')
    local now, grace = tonumber(ARGV[2]), tonumber(ARGV[4])
    local sk = math.max(tonumber(st[1]), now, tonumber(st[2]) + 1)
    local keys = {}
    for i = 0, tonumber(ARGV[6]) - 1 do
      local o = 7 + i * 5
      local v, body, expiry, hasTopic, tk = ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4]
      drop(v) -- a re-save of a stored message id replaces it
      local mk = msgkey(v)
      -- Native expiry is only garbage collection, never earlier than the message's own expiry.
      local at = int(tonumber(expiry) * 1000 + grace)
      if hasTopic == '1' then
        local topicKey = base .. 'topic:' .. tk
        local old = redis.call('GET', topicKey)
        if old then drop(old) end
        redis.call('SET', topicKey, v, 'PXAT', at)
        redis.call('HSET', mk, 'j', body, 'e', expiry, 'tk', tk)
        redis.call('ZADD', tp, int(sk), v)
      else
        redis.call('HSET', mk, 'j', body, 'e', expiry)
        redis.call('ZADD', ts, int(sk), v)
      end
      redis.call('PEXPIREAT', mk, at)
      keys[#keys + 1] = sk
      sk = sk + 1
    end
    redis.call('HSET', user, 'next', int(sk))
    touch(tonumber(st[3]) + tonumber(ARGV[5]))
    return keys`),

  /**
   * ARGV: index (3 = timestamp, 4 = topic), min score ("(123" or "-inf"), now (s), limit →
   * flat [sortKey, json, …] of unexpired messages. Entries whose body expired natively are
   * removed on the way (lazy clean-up of dangling index entries).
   */
  heraldFetch: script(`
    local z = KEYS[tonumber(ARGV[2])]
    local min, now, limit = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
    local out, found = {}, 0
    while found < limit do
      local batch = redis.call('ZRANGEBYSCORE', z, min, '+inf', 'WITHSCORES', 'LIMIT', 0, math.max(math.min(limit - found, 1000), 16))
      if #batch == 0 then break end
      for i = 1, #batch, 2 do
        local v, score = batch[i], batch[i + 1]
        local m = redis.call('HMGET', msgkey(v), 'j', 'e')
        if not m[1] then
          redis.call('ZREM', z, v)
        elseif tonumber(m[2]) > now then
          out[#out + 1] = score
          out[#out + 1] = m[1]
          found = found + 1
        end
        min = '(' .. score
        if found >= limit then break end
      end
    end
    return out`),

  /** ARGV: sortKey, now, cutoff, keepMs → how many acked messages went */
  heraldIncrementStorage: script(`
    local st = redis.call('HMGET', user, 'lu', 'ptr')
    if not st[1] then return 0 end
    local ptr = tonumber(st[2])
    if tonumber(st[1]) >= tonumber(ARGV[4]) then
      ptr = math.max(ptr, tonumber(ARGV[2]))
      local seen = math.max(tonumber(st[1]), tonumber(ARGV[3]))
      redis.call('HSET', user, 'ptr', int(ptr), 'lu', int(seen))
      touch(seen + tonumber(ARGV[5]))
    end
    -- Everything at or below the pointer was acked; topic messages are deleted on their own ack.
    local acked = redis.call('ZRANGEBYSCORE', ts, '-inf', int(ptr))
    for _, v in ipairs(acked) do redis.call('DEL', msgkey(v)) end
    redis.call('ZREMRANGEBYSCORE', ts, '-inf', int(ptr))
    return #acked`),

  /** ARGV: version → 1 | 0 */
  heraldRemoveMessage: script(`
    if drop(ARGV[2]) > 0 then return 1 end
    return 0`),

  /** ARGV: now (s) → count of unexpired messages */
  heraldCount: script(`
    local n, now = 0, tonumber(ARGV[2])
    for _, z in ipairs({ts, tp}) do
      for _, v in ipairs(redis.call('ZRANGE', z, 0, -1)) do
        local e = redis.call('HGET', msgkey(v), 'e')
        if e and tonumber(e) > now then n = n + 1 end
      end
    end
    return n`),

  /**
   * ARGV: cutoff (ms), now (s) → entries deleted: the whole record when it is older than the
   * cutoff, else its expired messages and index entries whose body already expired natively.
   */
  heraldPurgeUser: script(`
    if not live(ARGV[2]) then
      if redis.call('EXISTS', user) == 0 then return 0 end
      return wipe()
    end
    local n, now = 0, tonumber(ARGV[3])
    for _, z in ipairs({ts, tp}) do
      for _, v in ipairs(redis.call('ZRANGE', z, 0, -1)) do
        local e = redis.call('HGET', msgkey(v), 'e')
        if not e or tonumber(e) <= now then
          drop(v)
          n = n + 1
        end
      end
    end
    return n`),
} as const;

export type ScriptName = keyof typeof scripts;
