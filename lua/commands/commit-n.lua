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
      KEYS[3]   game:{g}:events  stream; the game's event log, entry id '<seq>-0', one field 'data'
      KEYS[4..] the keys the ops name: each is game:{g} or begins with 'game:{g}:' (the game's hash
                tag, so the call stays in one cluster slot), and none is KEYS[1..3]

      ARGV[1]   epoch the caller claimed (integer)
      ARGV[2]   last seq the caller knows committed (integer, 0 when the log is empty)
      ARGV[3]   n = number of events in the batch
      ARGV[4]   the events' JSON texts in order, joined by '\n' (JSON text has no raw newline; ''
                when n = 0); event i gets seq ARGV[2] + i
      ARGV[5 ..] the ops, in order, each as: <op> <k> <c> <c arguments> (k >= 4, 0 <= c <= 1024):
                  generic, running <op> KEYS[k] <arguments>:
                    HSET field value [field value ...]   HDEL field [field ...]
                    ZADD score member [score member ...] ZREM member [member ...]
                    SADD member [member ...]             SREM member [member ...]
                    SET value                            DEL (no arguments)
                  ZADD scores are integers. Between two DELs of a key, its ops are of one type
                  (hash: HSET/HDEL, zset: ZADD/ZREM, set: SADD/SREM, string: SET), and ops before
                  its first DEL need the existing key to be absent or of that type.
                  order hashes, on the keys KEYS[k] .. ':' .. <member> where KEYS[k] is a
                  game:{g}:security:<s>:orderbook key (the order hash is derived, not passed, and
                  shares the tag; members are digits):
                    ORD  order [order ...]     a new order's hash, each order packed as
                         '<member>\t<side>\t<price>\t<qty>\t<amount>\t<player_id>\t<ts>\t<post_only>\t<cid>'
                         -> HSET side price qty amount player_id cid ts post_only
                    OAMT member amount [member amount ...]  -> HSET amount
                    ODEL member [member ...]                -> DEL
                  Order hash keys are not type-checked: the key schema reserves
                  '<orderbook>:<digits>' for order hashes, and every writer writes them as hashes.

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
local owner_key, seq_key, events_key = KEYS[1], KEYS[2], KEYS[3]

local prefix = string.match(owner_key, '^(game:{[^{}]+}):owner$')
if not prefix or seq_key ~= prefix .. ':seq' or events_key ~= prefix .. ':events' then
  return redis.error_reply('BAD_KEY KEYS[1..3] must be game:{g}:owner, game:{g}:seq, game:{g}:events')
end

local owner = redis.call('HGET', owner_key, 'epoch')
if owner ~= ARGV[1] then
  return redis.error_reply('FENCED the game is owned by epoch ' .. tostring(owner or 'none') .. ', not ' .. ARGV[1])
end
local base = tonumber(redis.call('GET', seq_key) or '0')
if base ~= tonumber(ARGV[2]) then
  return redis.error_reply('SEQ_MISMATCH the last committed seq is ' .. string.format('%d', base) .. ', not ' .. ARGV[2])
end

-- Every named key: the game's tag, and not one of the fixed keys the checks above rely on.
local head = prefix .. ':'
local nhead = #head
for k = 4, #KEYS do
  local key = KEYS[k]
  if (key ~= prefix and string.sub(key, 1, nhead) ~= head) or key == owner_key or key == seq_key or key == events_key then
    return redis.error_reply('BAD_KEY ' .. key .. ' is not a key of ' .. prefix .. ' that a commit may change')
  end
end

-- The events: n texts separated by '\n'.
local n = tonumber(ARGV[3])
if not n or n < 0 or n ~= math.floor(n) or not ARGV[4] then
  return redis.error_reply('BAD_ARG ARGV[3] must be the number of events, ARGV[4] their texts')
end
local events = {}
if n > 0 then
  local blob, p = ARGV[4], 1
  for e = 1, n - 1 do
    local q = string.find(blob, '\n', p, true)
    if not q then return redis.error_reply('BAD_ARG ARGV[4] holds fewer than ' .. n .. ' events') end
    events[e] = string.sub(blob, p, q - 1)
    p = q + 1
  end
  if string.find(blob, '\n', p, true) then return redis.error_reply('BAD_ARG ARGV[4] holds more than ' .. n .. ' events') end
  events[n] = string.sub(blob, p)
elseif ARGV[4] ~= '' then
  return redis.error_reply('BAD_ARG ARGV[4] must be empty when n = 0')
end

-- The type each generic op needs its key to have; DEL fits any. ORD/OAMT/ODEL write order hashes
-- derived from their orderbook key. Shapes: min arguments, pairs or not.
local KIND = { HSET = 'hash', HDEL = 'hash', ZADD = 'zset', ZREM = 'zset', SADD = 'set', SREM = 'set', SET = 'string', DEL = 'any',
  ORD = 'order', OAMT = 'order', ODEL = 'order' }
local MIN_ARGS = { HSET = 2, HDEL = 1, ZADD = 2, ZREM = 1, SADD = 1, SREM = 1, SET = 1, DEL = 0, ORD = 1, OAMT = 2, ODEL = 1 }
local PAIRS = { HSET = true, ZADD = true, OAMT = true }
local MAX_ARGS = 1024
local ORDER = '^(%d+)\t(%a+)\t(%-?%d+)\t(%d+)\t(%d+)\t([%w_%-]+)\t(%d+)\t([01])\t(.*)$'

local nargv = #ARGV
-- Per key: the type of its ops since its last DEL (they must agree), and the type of its ops before
-- any DEL (the existing key must have it; after a DEL the old type no longer matters).
local kinds, before_del = {}, {}
local deleted = {}
-- New orders, parsed once: key, side, price, qty, amount, player_id, ts, post_only, cid per order.
local orders, no = {}, 0
local i = 5
while i <= nargv do
  local op, k, c = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local kind = KIND[op]
  if not kind then return redis.error_reply('BAD_OP unknown op ' .. tostring(op)) end
  if not k or not KEYS[k] or k < 4 or k ~= math.floor(k) then
    return redis.error_reply('BAD_OP ' .. op .. ' names no changed key (index ' .. tostring(ARGV[i + 1]) .. ')')
  end
  if not c or c ~= math.floor(c) or c < MIN_ARGS[op] or c > MAX_ARGS or (PAIRS[op] and c % 2 == 1)
    or (op == 'SET' and c ~= 1) or (op == 'DEL' and c ~= 0) or i + 2 + c > nargv then
    return redis.error_reply('BAD_OP ' .. op .. ' ' .. KEYS[k] .. ' has a wrong argument count')
  end
  if op == 'ZADD' then
    for j = i + 3, i + 2 + c, 2 do
      if not string.find(ARGV[j], '^%-?%d+$') or #ARGV[j] > 16 then
        return redis.error_reply('BAD_OP ZADD ' .. KEYS[k] .. ' score ' .. ARGV[j] .. ' is not an integer')
      end
    end
  end
  if kind == 'order' then
    local book = KEYS[k]
    if string.sub(book, -10) ~= ':orderbook' then
      return redis.error_reply('BAD_OP ' .. op .. ' needs an orderbook key, not ' .. book)
    end
    if op == 'ORD' then
      for j = i + 3, i + 2 + c do
        local m, side, price, qty, amount, pid, ts, po, cid = string.match(ARGV[j], ORDER)
        if not m or (side ~= 'buy' and side ~= 'sell') then
          return redis.error_reply('BAD_OP ORD ' .. book .. ': malformed order ' .. ARGV[j])
        end
        orders[no + 1], orders[no + 2], orders[no + 3], orders[no + 4], orders[no + 5] = book .. ':' .. m, side, price, qty, amount
        orders[no + 6], orders[no + 7], orders[no + 8], orders[no + 9] = pid, ts, po, cid
        no = no + 9
      end
    else
      local step = op == 'OAMT' and 2 or 1
      for j = i + 3, i + 2 + c, step do
        if not string.find(ARGV[j], '^%d+$') or (step == 2 and not string.find(ARGV[j + 1], '^%d+$')) then
          return redis.error_reply('BAD_OP ' .. op .. ' ' .. book .. ': malformed member or amount ' .. ARGV[j])
        end
      end
    end
  elseif kind == 'any' then
    kinds[k] = nil
    deleted[k] = true
  else
    local had = kinds[k]
    if had and had ~= kind then
      return redis.error_reply('BAD_OP ' .. KEYS[k] .. ' gets both ' .. had .. ' and ' .. kind .. ' ops')
    end
    kinds[k] = kind
    if not deleted[k] then before_del[k] = kind end
  end
  i = i + 3 + c
end

-- SET replaces a value of any type; hash, zset and set ops need the key absent or of their type.
for k, kind in pairs(before_del) do
  if kind ~= 'string' then
    local t = redis.call('TYPE', KEYS[k]).ok
    if t ~= 'none' and t ~= kind then
      return redis.error_reply('BAD_TYPE ' .. KEYS[k] .. ' is a ' .. t .. ', the ops need a ' .. kind)
    end
  end
end

-- Writes: nothing below can fail (ids grow from the checked seq; ops and types are checked).
for e = 1, n do
  redis.call('XADD', events_key, string.format('%d-0', base + e), 'data', events[e])
end
local last = base + n
if n > 0 then redis.call('SET', seq_key, string.format('%d', last)) end

i = 5
while i <= nargv do
  local op, k, c = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if op == 'ODEL' then
    local book, dels = KEYS[k] .. ':', {}
    for j = 1, c do dels[j] = book .. ARGV[i + 2 + j] end
    redis.call('DEL', unpack(dels))
  elseif op == 'OAMT' then
    local book = KEYS[k] .. ':'
    for j = i + 3, i + 2 + c, 2 do redis.call('HSET', book .. ARGV[j], 'amount', ARGV[j + 1]) end
  elseif op ~= 'ORD' then
    redis.call(op, KEYS[k], unpack(ARGV, i + 3, i + 2 + c))
  end
  i = i + 3 + c
end
for o = 1, no, 9 do
  redis.call('HSET', orders[o], 'side', orders[o + 1], 'price', orders[o + 2], 'qty', orders[o + 3], 'amount', orders[o + 4],
    'player_id', orders[o + 5], 'cid', orders[o + 8], 'ts', orders[o + 6], 'post_only', orders[o + 7])
end
return last
