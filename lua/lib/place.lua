-- Placing an order: validation (no writes) then execution (matching, resting, locks, events).
-- Rules: price-time priority; a fill trades at the resting (maker) order's price, the taker pays the
-- security's takerFee and the maker receives its makerRebate per lot filled; market orders are IOC
-- or FOK with a protection bound; self-trade prevention per game (stp = cancel_incoming | cancel_resting);
-- one call touches at most game.max_matches resting orders.
local MATCH_BATCH = 16

-- Resting orders an incoming order at limit price would meet, best first, at most n (member, price).
local function crossing_makers(sec, side, price, n)
  local opp = opposite(side)
  local bound = side == 'buy' and price or -price
  return redis.call('ZRANGEBYSCORE', side_set(sec, opp), '-inf', bound, 'WITHSCORES', 'LIMIT', 0, n)
end

-- Fill-or-kill check: can qty fill completely within the match limit, under self-trade prevention?
local function fok_fillable(ctx, sec, side, price, qty, pid)
  local makers = crossing_makers(sec, side, price, ctx.game.max_matches)
  local sum = 0
  for i = 1, #makers, 2 do
    local m = redis.call('HMGET', sec.prefix .. makers[i], 'player_id', 'amount')
    if m[1] == pid then
      if ctx.game.stp ~= 'cancel_resting' then return false end
    else
      sum = sum + tonumber(m[2])
      if sum >= qty then return true end
    end
  end
  return false
end

-- Gross and net position limits (game rules, weighted lots; docs/engine.md "Gross and net limits").
-- Worst case per security s: long_s = lots + open buy lots (every buy fills), short_s = lots - lots
-- locked by open sells (every sell fills). gross = sum of w_s x max(|long_s|, |short_s|); net long =
-- sum of w_s x long_s, net short = sum of w_s x short_s. The new order (less what an amended order
-- gives back, `credit`) is added to its security; a limit is broken when the measure would end above
-- the limit AND above its value before the order, so an order that does not add risk is never refused
-- (an endowment above a limit cannot trap a player). One HGETALL of the inventory and one of the
-- game's weights (security id -> limitWeight, 1 when absent); only runs when a limit is set.
local function check_portfolio_limits(ctx, sec, side, qty, credit)
  local inv = pairs_to_table(redis.call('HGETALL', ctx.inv))
  local weights = pairs_to_table(redis.call('HGETALL', limit_weights_key(ctx.g)))
  local dlong, dshort = 0, 0
  if side == 'buy' then dlong = qty - credit.open_buy else dshort = credit.hold_locked - qty end
  local sids = { [sec.id] = true }
  for field in pairs(inv) do
    local sid = string.match(field, '^(%d+)')
    if sid ~= '0' then sids[sid] = true end
  end
  local g0, g1, l0, l1, s0, s1 = 0, 0, 0, 0, 0, 0
  for sid in pairs(sids) do
    local w = tonumber(weights[sid] or 1)
    local hold = tonumber(inv[sid] or 0)
    local long = hold + tonumber(inv[sid .. ':open_buy'] or 0)
    local short = hold - tonumber(inv[sid .. ':locked'] or 0)
    g0 = g0 + w * math.max(long, -short)   -- = max(|long|, |short|), since long >= short
    l0 = l0 + w * long
    s0 = s0 + w * short
    if sid == sec.id then long = long + dlong; short = short + dshort end
    g1 = g1 + w * math.max(long, -short)
    l1 = l1 + w * long
    s1 = s1 + w * short
  end
  local gl, nl = ctx.game.gross_limit, ctx.game.net_limit
  if gl > 0 and g1 > gl and g1 > g0 then
    reject('GROSS_POSITION_LIMIT', 'the worst-case gross position would be ' .. fmt(g1) .. ' weighted lots, above the limit of ' .. fmt(gl))
  end
  if nl > 0 and l1 > nl and l1 > l0 then
    reject('NET_POSITION_LIMIT', 'the worst-case net long position would be ' .. fmt(l1) .. ' weighted lots, above the limit of ' .. fmt(nl))
  end
  if nl > 0 and s1 < -nl and s1 < s0 then
    reject('NET_POSITION_LIMIT', 'the worst-case net short position would be ' .. fmt(-s1) .. ' weighted lots, above the limit of ' .. fmt(nl))
  end
end

-- Parses and checks an order against the rules and the player's funds, holdings and limits.
-- spec: { side, order_type, tif, post_only, price, qty, player_id, cid }; credit: what an amended
-- order gives back before its replacement is placed ({ cash, open_buy, hold_locked }).
-- Returns the order's effective limit price (the protection bound for a market order) and its qty.
local function validate_place(ctx, sec, pos, spec, credit)
  local side, otype, tif = spec.side, spec.order_type, spec.tif
  if side ~= 'buy' and side ~= 'sell' then reject('INVALID_SIDE', 'side must be buy or sell') end
  if otype ~= 'limit' and otype ~= 'market' then reject('INVALID_ORDER_TYPE', 'type must be limit or market') end
  if tif ~= 'GTC' and tif ~= 'IOC' and tif ~= 'FOK' then reject('INVALID_TIME_IN_FORCE', 'time in force must be GTC, IOC or FOK') end
  if otype == 'market' and tif == 'GTC' then reject('INVALID_TIME_IN_FORCE', 'a market order never rests: use IOC or FOK') end
  if spec.post_only and (otype ~= 'limit' or tif ~= 'GTC') then
    reject('INVALID_TIME_IN_FORCE', 'post-only orders are GTC limit orders')
  end
  local qty = need_int(spec.qty, 1, MAX_QTY, 'INVALID_QUANTITY', 'qty')
  if sec.max_order_qty > 0 and qty > sec.max_order_qty then
    reject('ORDER_TOO_LARGE', 'qty exceeds the maximum order size of ' .. fmt(sec.max_order_qty) .. ' lots')
  end
  local price
  if otype == 'limit' then price = need_int(spec.price, 1, MAX_PRICE, 'INVALID_PRICE', 'price') end
  if ctx.game.phase ~= 'running' then reject('MARKET_CLOSED', 'the market is ' .. ctx.game.phase) end

  -- The best opposite price matters only to market (protection bound) and post-only orders.
  local best = (otype == 'market' or spec.post_only) and best_price(sec, opposite(side)) or nil
  if otype == 'market' then
    if best == nil then reject('NO_LIQUIDITY', 'no ' .. (side == 'buy' and 'asks' or 'bids') .. ' to trade against') end
    local band = math.max(1, math.floor(best * ctx.game.protection_bps / 10000))
    price = side == 'buy' and math.min(best + band, sec.band_high) or math.max(best - band, sec.band_low)
  elseif price < sec.band_low or price > sec.band_high then
    reject('PRICE_OUT_OF_BAND', 'price must be within [' .. fmt(sec.band_low) .. ', ' .. fmt(sec.band_high) .. '] ticks')
  end
  if spec.post_only and best ~= nil and (side == 'buy' and best <= price or side == 'sell' and best >= price) then
    reject('POST_ONLY_WOULD_TAKE', 'a post-only order must not trade on entry')
  end
  local notional = price * qty * sec.scale
  if notional > MAX_SAFE then reject('NOTIONAL_TOO_LARGE', 'price x qty x scale exceeds 2^53 - 1') end

  -- An order that may take (all but post-only) pays the taker fee on whatever fills; it must have the
  -- cash for the fee on its whole qty. Fees are not locked: a resting remainder only ever makes.
  local fee = spec.post_only and 0 or sec.taker_fee * qty
  local cash = pos.cash - pos.cash_locked + credit.cash
  local limit = sec.position_limit
  if side == 'buy' then
    if cash < notional + fee then
      reject('INSUFFICIENT_FUNDS', 'needs ' .. fmt(notional + fee) .. ' available cash (taker fee ' .. fmt(fee) .. ' included), has ' .. fmt(cash))
    end
    if limit > 0 and pos.hold + pos.open_buy - credit.open_buy + qty > limit then
      reject('POSITION_LIMIT', 'the position could exceed ' .. fmt(limit) .. ' lots long')
    end
  else
    local short = ctx.game.allow_short and sec.short_limit or 0
    local free = pos.hold - pos.hold_locked + credit.hold_locked
    if free + short < qty then
      reject('INSUFFICIENT_HOLDINGS', 'can sell at most ' .. fmt(math.max(0, free + short)) .. ' lots')
    end
    if limit > 0 and free - qty < -limit then
      reject('POSITION_LIMIT', 'the position could exceed ' .. fmt(limit) .. ' lots short')
    end
    if cash < fee then
      reject('INSUFFICIENT_FUNDS', 'needs ' .. fmt(fee) .. ' available cash for the taker fee, has ' .. fmt(cash))
    end
  end
  if ctx.game.gross_limit > 0 or ctx.game.net_limit > 0 then check_portfolio_limits(ctx, sec, side, qty, credit) end
  if tif == 'FOK' and not fok_fillable(ctx, sec, side, price, qty, spec.player_id) then
    reject('FOK_UNFILLABLE', 'the order cannot be filled completely at once')
  end
  return price, qty
end

-- One fill between the incoming order o and the resting maker m, at the maker's price.
local function fill(ctx, sec, o, m)
  local q = math.min(o.remaining, m.amount)
  local notional = m.price * q * sec.scale
  if q == m.amount then
    book_remove(ctx.g, sec, m.member, m.side, m.price, m.amount, m.player_id)
  else
    redis.call('HSET', sec.prefix .. m.member, 'amount', m.amount - q)
    level_add(sec, m.side, m.price, -q)
  end
  local maker_inv = inventory_key(ctx.g, m.player_id)
  local buyer = o.side == 'buy' and ctx.inv or maker_inv
  local seller = o.side == 'buy' and maker_inv or ctx.inv
  local d = ctx.deltas
  add_delta(d, buyer, '0', -notional)
  add_delta(d, buyer, sec.id, q)
  add_delta(d, seller, '0', notional)
  add_delta(d, seller, sec.id, -q)
  add_order_lock(d, maker_inv, sec, m.side, m.price, q, -1) -- the maker's lock was at this very price
  local fee, rebate = sec.taker_fee * q, sec.maker_rebate * q -- totals for this fill (add_delta skips 0)
  add_delta(d, ctx.inv, '0', -fee)
  add_delta(d, maker_inv, '0', rebate)
  o.remaining = o.remaining - q
  o.filled = o.filled + q
  o.notional = o.notional + notional
  log_event(ctx.log, {
    type = 'fill', securityId = sec.num, price = m.price, qty = q, aggressor = o.side,
    makerOrderId = m.id, takerOrderId = o.id, makerPlayerId = m.player_id, takerPlayerId = o.player_id,
    makerRemaining = m.amount - q, takerRemaining = o.remaining, takerFee = fee, makerRebate = rebate,
  })
end

-- Matches o against the opposite side until it is filled, the book no longer crosses, self-trade
-- prevention stops it, or max_matches resting orders were touched (then o.truncated = true).
local function match(ctx, sec, o)
  local touched, max = 0, ctx.game.max_matches
  while o.remaining > 0 do
    local makers = crossing_makers(sec, o.side, o.price, math.min(MATCH_BATCH, max - touched + 1))
    if #makers == 0 then return end
    for i = 1, #makers, 2 do
      if touched >= max then o.truncated = true; return end
      local m = load_order(sec, makers[i])
      if m.player_id == o.player_id then
        if ctx.game.stp ~= 'cancel_resting' then o.stp = 'cancel_incoming'; return end
        o.stp = 'cancel_resting'
        o.stp_cancelled[#o.stp_cancelled + 1] = m.id
        cancel_resting(ctx, sec, m, 'stp')
      else
        fill(ctx, sec, o, m)
        if o.remaining == 0 then return end
      end
      touched = touched + 1
    end
  end
end

-- Why an unfilled remainder does not rest, or nil when it rests (a GTC limit order).
local function remainder_reason(o)
  if o.stp == 'cancel_incoming' then return 'stp' end
  if o.truncated then return 'max_matches' end
  if o.order_type == 'market' then return 'market' end
  if o.tif == 'IOC' then return 'ioc' end
  if o.tif == 'FOK' then return 'fok' end
  return nil
end

local function order_status(o, reason)
  if o.resting > 0 then return o.filled > 0 and 'partially_filled' or 'new' end
  if o.filled == o.qty then return 'filled' end
  if reason == 'ioc' or reason == 'fok' or reason == 'market' then return 'expired' end
  return 'cancelled'
end

-- The order summary of a place result, as JSON (one string.format: see lib/events.lua for why).
local function encode_order(o, reason)
  local ids = {}
  for i = 1, #o.stp_cancelled do ids[i] = string.format('%d', o.stp_cancelled[i]) end
  return string.format('{"orderId":%d,"securityId":%d,"playerId":"%s",%s"side":"%s","orderType":"%s","tif":"%s","postOnly":%s,"price":%d,"qty":%d,"filledQty":%d,"restingQty":%d,"cancelledQty":%d,"notional":%d,"status":"%s","reason":"%s","stp":"%s","stpCancelledOrderIds":[%s],"truncated":%s}',
    o.id, o.security_id, o.player_id, o.cid and ('"clientOrderId":' .. json_string(o.cid) .. ',') or '', o.side, o.order_type,
    o.tif, o.post_only and 'true' or 'false', o.price, o.qty, o.filled, o.resting, o.qty - o.filled - o.resting,
    o.notional, order_status(o, reason), reason or '', o.stp, table.concat(ids, ','), o.truncated and 'true' or 'false')
end

-- Executes a validated order: logs order_accepted, matches, then rests or cancels the remainder.
-- Returns the order summary (raw JSON) that goes into the command's result.
local function execute_place(ctx, sec, spec, price, qty)
  local id = redis.call('INCR', sec.count)
  local o = {
    id = id, security_id = sec.num, member = order_member(id), side = spec.side, order_type = spec.order_type, tif = spec.tif,
    post_only = spec.post_only, price = price, qty = qty, remaining = qty, filled = 0, notional = 0,
    player_id = spec.player_id, cid = spec.cid, stp = 'none', stp_cancelled = json_array(), truncated = false,
  }
  log_event(ctx.log, {
    type = 'order_accepted', securityId = sec.num, orderId = id, playerId = o.player_id, clientOrderId = o.cid,
    side = o.side, orderType = o.order_type, tif = o.tif, postOnly = o.post_only, price = price, qty = qty,
  })
  match(ctx, sec, o)
  local reason = o.remaining > 0 and remainder_reason(o) or nil
  o.resting = 0
  if o.remaining > 0 and reason == nil then
    o.resting = o.remaining
    book_insert(ctx.g, sec, { id = id, member = o.member, side = o.side, price = price, qty = qty,
      amount = o.remaining, player_id = o.player_id, cid = o.cid or '', ts = ctx.log.ts, post_only = o.post_only })
    add_order_lock(ctx.deltas, ctx.inv, sec, o.side, price, o.remaining, 1)
    log_event(ctx.log, { type = 'order_rested', securityId = sec.num, orderId = id, playerId = o.player_id,
      side = o.side, price = price, qty = o.remaining })
  elseif o.remaining > 0 then
    log_event(ctx.log, { type = 'order_cancelled', securityId = sec.num, orderId = id, playerId = o.player_id,
      side = o.side, price = price, qty = o.remaining, reason = reason })
  end
  return json_raw(encode_order(o, reason))
end
