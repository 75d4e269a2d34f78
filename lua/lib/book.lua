-- Order book primitives. A resting order is the hash <orderbook>:<000000000123> plus one member in its
-- side's sorted set (bids score -price, asks score price: lowest score is the best price, and equal
-- scores sort by the zero-padded id, i.e. by arrival) and one in the owner's orders set. The hash
-- <orderbook> keeps the net resting quantity per price (+ bids, - asks) for depth queries.

local function side_set(sec, side) return side == 'buy' and sec.bids or sec.asks end
local function side_score(side, price) return side == 'buy' and -price or price end
local function opposite(side) return side == 'buy' and 'sell' or 'buy' end

-- Adds delta lots to the level at price (positive for bids); drops the level when it empties.
local function level_add(sec, side, price, qty)
  local p = fmt(price)
  local signed = side == 'buy' and qty or -qty
  if redis.call('HINCRBY', sec.book, p, signed) == 0 then redis.call('HDEL', sec.book, p) end
end

-- Puts an order on the book. o: { id, member, side, price, qty, amount, player_id, cid, ts, post_only }
local function book_insert(g, sec, o)
  redis.call('HSET', sec.prefix .. o.member, 'side', o.side, 'price', o.price, 'qty', o.qty,
    'amount', o.amount, 'player_id', o.player_id, 'cid', o.cid, 'ts', o.ts, 'post_only', o.post_only and 1 or 0)
  redis.call('ZADD', side_set(sec, o.side), side_score(o.side, o.price), o.member)
  redis.call('ZADD', player_orders_key(g, o.player_id, sec.id), o.id, o.member)
  level_add(sec, o.side, o.price, o.amount)
end

-- Takes an order off the book entirely.
local function book_remove(g, sec, member, side, price, amount, pid)
  redis.call('DEL', sec.prefix .. member)
  redis.call('ZREM', side_set(sec, side), member)
  redis.call('ZREM', player_orders_key(g, pid, sec.id), member)
  level_add(sec, side, price, -amount)
end

-- A resting order's fields, or nil when there is no such open order.
local function load_order(sec, member)
  local v = redis.call('HMGET', sec.prefix .. member, 'side', 'price', 'qty', 'amount', 'player_id', 'cid', 'post_only')
  if not v[1] then return nil end
  return {
    member = member, id = tonumber(member), side = v[1], price = tonumber(v[2]), qty = tonumber(v[3]),
    amount = tonumber(v[4]), player_id = v[5], cid = v[6], post_only = v[7] == '1',
  }
end

-- The player's open order with id id_arg. Raises UNKNOWN_ORDER (no such open order) or NOT_OWNER.
local function load_own_order(sec, id_arg, pid)
  local id = parse_int(id_arg, 1, 999999999999)
  local o = id and load_order(sec, order_member(id))
  if not o then reject('UNKNOWN_ORDER', 'no open order ' .. tostring(id_arg)) end
  if o.player_id ~= pid then reject('NOT_OWNER', 'the order belongs to another player') end
  return o
end

-- Cancels a resting order: off the book, its lock released, an order_cancelled event logged.
local function cancel_resting(ctx, sec, o, reason)
  book_remove(ctx.g, sec, o.member, o.side, o.price, o.amount, o.player_id)
  add_order_lock(ctx.deltas, inventory_key(ctx.g, o.player_id), sec, o.side, o.price, o.amount, -1)
  log_event(ctx.log, {
    type = 'order_cancelled', securityId = sec.num, orderId = o.id, playerId = o.player_id,
    side = o.side, price = o.price, qty = o.amount, reason = reason,
  })
end

-- Best price on a side, or nil when the side is empty.
local function best_price(sec, side)
  local r = redis.call('ZRANGE', side_set(sec, side), 0, 0, 'WITHSCORES')
  if #r == 0 then return nil end
  local s = tonumber(r[2])
  return side == 'buy' and -s or s
end
