--[[
  commit: one batch of a room's decided commands, all or nothing.
  Checks that the caller still owns the game (ownership epoch) and continues its event log (last seq),
  then appends the batch's events to the game's stream and applies the batch's key changes. Every op
  is checked before the first write, so a refused batch writes nothing (Valkey has no rollback).

  The number of keys varies (the keys the batch changes follow the three fixed ones), so the caller
  passes numkeys itself: EVALSHA <sha> <3 + k> KEYS... ARGV... (the "-n" in the file name).

    Input:
      KEYS[1]   game:{g}:owner   hash; field epoch = the epoch of the room that owns the game
      KEYS[2]   game:{g}:seq     string; last committed event seq (absent = 0)
      KEYS[3]   game:{g}:events  stream; the game's event log, ONE entry per batch: id '<seq of the
                batch's last event>-0', one field 'data' = the batch's events as JSON texts joined by
                '\n' (each event carries its own seq; server/src/engine/stream-entries.ts reads them)
      KEYS[4..] the keys the ops name: each is game:{g} or begins with 'game:{g}:' (the game's hash
                tag, so the call stays in one cluster slot), and none is KEYS[1..3]

      ARGV[1]   epoch the caller claimed (integer)
      ARGV[2]   last seq the caller knows committed (integer, 0 when the log is empty)
      ARGV[3]   n = number of events in the batch
      ARGV[4]   the events' JSON texts in order, joined by '\n' (JSON text has no raw newline; ''
                when n = 0); event i gets seq ARGV[2] + i
      ARGV[5]   t: the type check covers the ops on KEYS[4 .. 3 + t] only; the caller vouches for the
                types of the later keys (it committed ops of the same types to them under the same
                epoch, and nobody else writes the game's keys)
      ARGV[6 ..] the ops, in order, each as: <op> <k> <c> <c arguments> (k >= 4, 0 <= c <= 1024):
                  generic, running <op> KEYS[k] <arguments>:
                    HSET field value [field value ...]   HDEL field [field ...]
                    ZADD score member [score member ...] ZREM member [member ...]
                    SADD member [member ...]             SREM member [member ...]
                    SET value                            DEL (no arguments)
                  ZADD scores are integers. Between two DELs of a key, its ops are of one type
                  (hash: HSET/HDEL, zset: ZADD/ZREM, set: SADD/SREM, string: SET), and ops before
                  its first DEL need the existing key to be absent or of that type.
                  orders, on the keys derived from KEYS[k], a game:{g}:security:<s>:orderbook key
                  (same tag, so the same slot; members are digits): the order hash
                  KEYS[k] .. ':' .. <member> and the book's packed index KEYS[k] .. ':resting' (hash
                  member -> the packed order, which loadGame reads in one HVALS per book):
                    ORD  order [order ...]   a new order, each packed as
                         '<member>\t<side>\t<price>\t<qty>\t<amount>\t<player_id>\t<ts>\t<post_only>\t<cid>'
                         -> order hash: HSET side price qty amount player_id ts, and cid and
                            post_only unless they are '' and 0 (absent means none / not post-only);
                            index: HSET member <packed>
                    OUPD order [order ...]   an existing order whose amount changed, packed alike
                         -> order hash: HSET amount; index: HSET member <packed>
                    ODEL member [member ...] -> DEL the order hashes; index: HDEL the members
                  Order hash keys are not type-checked: the key schema reserves
                  '<orderbook>:<digits>' for order hashes, and every writer writes them as hashes.
                  The index is checked as a hash, like a generic key.

    Output:
      the new last seq (integer; ARGV[2] + n)

    Errors (nothing written):
      FENCED        the owner epoch is not ARGV[1] (another room claimed the game, or none did)
      SEQ_MISMATCH  the committed seq is not ARGV[2]
      BAD_KEY       a key lacks the game's tag, or is one of KEYS[1..3], or the fixed keys are malformed
      BAD_OP        an op is unknown, has the wrong number of arguments, a bad score, order or key
                    index, or mixes key types on one key
      BAD_ARG       ARGV[4] does not hold n events
      BAD_TYPE      an existing key's type differs from its ops' type
]]
local KEYS, ARGV = KEYS, ARGV
local call, find, match, sub, format, tonumber, floor, unpack = redis.call, string.find, string.match, string.sub, string.format, tonumber, math.floor, unpack
local owner_key, seq_key, events_key = KEYS[1], KEYS[2], KEYS[3]

local prefix = match(owner_key, '^(game:{[^{}]+}):owner$')
if not prefix or seq_key ~= prefix .. ':seq' or events_key ~= prefix .. ':events' then
  return redis.error_reply('BAD_KEY KEYS[1..3] must be game:{g}:owner, game:{g}:seq, game:{g}:events')
end

local owner = call('HGET', owner_key, 'epoch')
if owner ~= ARGV[1] then
  return redis.error_reply('FENCED the game is owned by epoch ' .. tostring(owner or 'none') .. ', not ' .. ARGV[1])
end
local base = tonumber(call('GET', seq_key) or '0')
if base ~= tonumber(ARGV[2]) then
  return redis.error_reply('SEQ_MISMATCH the last committed seq is ' .. format('%d', base) .. ', not ' .. ARGV[2])
end

-- Every named key: the game's tag, and not one of the fixed keys the checks above rely on.
local head = prefix .. ':'
local nhead = #head
local nkeys = #KEYS
for k = 4, nkeys do
  local key = KEYS[k]
  if (key ~= prefix and sub(key, 1, nhead) ~= head) or key == owner_key or key == seq_key or key == events_key then
    return redis.error_reply('BAD_KEY ' .. key .. ' is not a key of ' .. prefix .. ' that a commit may change')
  end
end

-- The events: n texts separated by '\n' (counted, not copied: the blob is appended as it is).
local n = tonumber(ARGV[3])
local blob = ARGV[4]
if not n or n < 0 or n ~= floor(n) or not blob then
  return redis.error_reply('BAD_ARG ARGV[3] must be the number of events, ARGV[4] their texts')
end
if n > 0 then
  local p = 1
  for e = 1, n - 1 do
    local q = find(blob, '\n', p, true)
    if not q then return redis.error_reply('BAD_ARG ARGV[4] holds fewer than ' .. n .. ' events') end
    p = q + 1
  end
  if find(blob, '\n', p, true) then return redis.error_reply('BAD_ARG ARGV[4] holds more than ' .. n .. ' events') end
elseif blob ~= '' then
  return redis.error_reply('BAD_ARG ARGV[4] must be empty when n = 0')
end
local typed = tonumber(ARGV[5])
if not typed or typed < 0 or typed ~= floor(typed) then
  return redis.error_reply('BAD_ARG ARGV[5] must be the number of keys to type-check')
end
local last_checked = 3 + typed

-- Per op name: the type its key needs (DEL fits any; ORD/OUPD/ODEL write order hashes and the book's
-- index, derived from their orderbook key), its minimum and maximum argument count, and whether its
-- arguments come in pairs. One table, so an op costs one lookup.
local SPEC = {
  HSET = { 'hash', 2, 1024, true }, HDEL = { 'hash', 1, 1024, false }, ZADD = { 'zset', 2, 1024, true },
  ZREM = { 'zset', 1, 1024, false }, SADD = { 'set', 1, 1024, false }, SREM = { 'set', 1, 1024, false },
  SET = { 'string', 1, 1, false }, DEL = { 'any', 0, 0, false },
  ORD = { 'order', 1, 1024, false }, OUPD = { 'order', 1, 1024, false }, ODEL = { 'order', 1, 1024, false } }
local ORDER = '^(%d+)\t(%a+)\t(%-?%d+)\t(%d+)\t(%d+)\t([%w_%-]+)\t(%-?%d+)\t([01])\t(.*)$'
-- The same check for OUPD, capturing only what it writes (member, side for the check, amount); '.*$'
-- accepts any cid, so the pattern can stop before it.
local CHANGED = '^(%d+)\t(%a+)\t%-?%d+\t%d+\t(%d+)\t[%w_%-]+\t%-?%d+\t[01]\t'

local nargv = #ARGV
-- Per key: the type of its ops since its last DEL (they must agree), and the type of its ops before
-- any DEL (the existing key must have it; after a DEL the old type no longer matters).
local kinds, before_del = {}, {}
local deleted = {}
-- Order ops, parsed once: per op position, the index's member/packed pairs; per new order the
-- hash key and its 8 values; per changed order the hash key and its amount.
local index, created, nc, amounts, na = {}, {}, 0, {}, 0
local indexes = {}
-- The ops as the checks read them (position, key index, argument count), for the writes.
local at, ks, cs, nops = {}, {}, {}, 0
local i = 6
while i <= nargv do
  local op, k, c = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local spec = SPEC[op]
  if not spec then return redis.error_reply('BAD_OP unknown op ' .. tostring(op)) end
  local key = k and KEYS[k] -- KEYS is a list: a key means an integer index
  if not key or k < 4 then
    return redis.error_reply('BAD_OP ' .. op .. ' names no changed key (index ' .. tostring(ARGV[i + 1]) .. ')')
  end
  if not c or c % 1 ~= 0 or c < spec[2] or c > spec[3] or (spec[4] and c % 2 == 1) or i + 2 + c > nargv then
    return redis.error_reply('BAD_OP ' .. op .. ' ' .. key .. ' has a wrong argument count')
  end
  local kind = spec[1]
  if op == 'ZADD' then
    for j = i + 3, i + 2 + c, 2 do
      local s = ARGV[j]
      if not find(s, '^%-?%d+$') or #s > 16 then
        return redis.error_reply('BAD_OP ZADD ' .. key .. ' score ' .. s .. ' is not an integer')
      end
    end
  end
  if kind == 'order' then
    if sub(key, -10) ~= ':orderbook' then
      return redis.error_reply('BAD_OP ' .. op .. ' needs an orderbook key, not ' .. key)
    end
    if k <= last_checked then indexes[key .. ':resting'] = true end
    if op == 'ODEL' then
      for j = i + 3, i + 2 + c do
        if not find(ARGV[j], '^%d+$') then return redis.error_reply('BAD_OP ODEL ' .. key .. ': malformed member ' .. ARGV[j]) end
      end
    else
      local bhead = key .. ':'
      local pairs_, np = {}, 0
      if op == 'ORD' then
        for j = i + 3, i + 2 + c do
          local packed = ARGV[j]
          local m, side, price, qty, amount, pid, ts, po, cid = match(packed, ORDER)
          if not m or (side ~= 'buy' and side ~= 'sell') then
            return redis.error_reply('BAD_OP ' .. op .. ' ' .. key .. ': malformed order ' .. packed)
          end
          pairs_[np + 1], pairs_[np + 2] = m, packed
          np = np + 2
          created[nc + 1], created[nc + 2], created[nc + 3], created[nc + 4], created[nc + 5] = bhead .. m, side, price, qty, amount
          created[nc + 6], created[nc + 7], created[nc + 8], created[nc + 9] = pid, ts, po, cid
          nc = nc + 9
        end
      else
        for j = i + 3, i + 2 + c do
          local packed = ARGV[j]
          local m, side, amount = match(packed, CHANGED)
          if not m or (side ~= 'buy' and side ~= 'sell') then
            return redis.error_reply('BAD_OP ' .. op .. ' ' .. key .. ': malformed order ' .. packed)
          end
          pairs_[np + 1], pairs_[np + 2] = m, packed
          np = np + 2
          amounts[na + 1], amounts[na + 2] = bhead .. m, amount
          na = na + 2
        end
      end
      index[i] = pairs_
    end
  elseif kind == 'any' then
    kinds[k] = nil
    deleted[k] = true
  else
    local had = kinds[k]
    if had and had ~= kind then
      return redis.error_reply('BAD_OP ' .. key .. ' gets both ' .. had .. ' and ' .. kind .. ' ops')
    end
    kinds[k] = kind
    if not deleted[k] and k <= last_checked then before_del[k] = kind end
  end
  nops = nops + 1
  at[nops], ks[nops], cs[nops] = i, key, c
  i = i + 3 + c
end

-- SET replaces a value of any type; hash, zset and set ops need the key absent or of their type.
for k, kind in pairs(before_del) do
  if kind ~= 'string' then
    local t = call('TYPE', KEYS[k]).ok
    if t ~= 'none' and t ~= kind then
      return redis.error_reply('BAD_TYPE ' .. KEYS[k] .. ' is a ' .. t .. ', the ops need a ' .. kind)
    end
  end
end
for key in pairs(indexes) do
  local t = call('TYPE', key).ok
  if t ~= 'none' and t ~= 'hash' then return redis.error_reply('BAD_TYPE ' .. key .. ' is a ' .. t .. ', the ops need a hash') end
end

-- Writes: nothing below can fail (ids grow from the checked seq; ops and types are checked).
-- One entry for the whole batch: an XADD per event was about 40% of the script's Valkey CPU on the
-- benchmark's flow (docs/commit.md "Stream entries").
local last = base + n
if n > 0 then
  call('XADD', events_key, format('%d-0', last), 'data', blob)
  call('SET', seq_key, format('%d', last))
end

for o = 1, nops do
  local i, key, c = at[o], ks[o], cs[o]
  local op = ARGV[i]
  if op == 'ODEL' then
    local bhead, dels = key .. ':', {}
    for j = 1, c do dels[j] = bhead .. ARGV[i + 2 + j] end
    call('DEL', unpack(dels))
    call('HDEL', key .. ':resting', unpack(ARGV, i + 3, i + 2 + c))
  elseif op == 'ORD' or op == 'OUPD' then
    call('HSET', key .. ':resting', unpack(index[i]))
  else
    call(op, key, unpack(ARGV, i + 3, i + 2 + c))
  end
end
-- cid and post_only only when set: absent means none / 0 to every reader, and two fields fewer is
-- about a fifth of the cost of writing an order
for o = 1, nc, 9 do
  local cid, po = created[o + 8], created[o + 7]
  if cid == '' and po == '0' then
    call('HSET', created[o], 'side', created[o + 1], 'price', created[o + 2], 'qty', created[o + 3], 'amount', created[o + 4],
      'player_id', created[o + 5], 'ts', created[o + 6])
  else
    call('HSET', created[o], 'side', created[o + 1], 'price', created[o + 2], 'qty', created[o + 3], 'amount', created[o + 4],
      'player_id', created[o + 5], 'cid', cid, 'ts', created[o + 6], 'post_only', po)
  end
end
for o = 1, na, 2 do call('HSET', amounts[o], 'amount', amounts[o + 1]) end
return last
