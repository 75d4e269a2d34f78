-- book (read-only): aggregated depth of one security, best levels first.
-- KEYS: game, security, orderbook, bids, asks
-- ARGV: security_id, depth (levels per side, 1..1000)
-- Returns JSON { ok, securityId, seq, bids = [{ price, qty, orders }], asks = [...] }; seq is the
-- game's last event sequence number, i.e. the book as of that event.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua

-- Walks one side level by level: the first member gives the best score, ZCOUNT the orders at it,
-- and the orderbook hash the level's quantity.
local function levels(sec, side, depth)
  local set = side_set(sec, side)
  local out = json_array()
  local from = '-inf'
  while #out < depth do
    local r = redis.call('ZRANGEBYSCORE', set, from, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if #r == 0 then break end
    local score = tonumber(r[2])
    local price = side == 'buy' and -score or score
    local qty = tonumber(redis.call('HGET', sec.book, fmt(price)))
    out[#out + 1] = { price = price, qty = math.abs(qty), orders = redis.call('ZCOUNT', set, score, score) }
    from = '(' .. fmt(score)
  end
  return out
end

return run(function()
  local g = KEYS[1]
  load_game(g)
  local sec = load_security(g, ARGV[1])
  local depth = need_int(ARGV[2], 1, 1000, 'INVALID_ARGUMENT', 'depth')
  return json_encode({ ok = true, securityId = sec.num, seq = tonumber(redis.call('GET', seq_key(g)) or 0),
    bids = levels(sec, 'buy', depth), asks = levels(sec, 'sell', depth) })
end)
