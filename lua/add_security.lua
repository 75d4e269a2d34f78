-- add_security: a security with its rules (any phase but ended).
-- KEYS: game, seq, events, security, securities (also writes game:{g}:limit_weights, same hash tag)
-- ARGV: security_id (1..2^31-1), symbol, tick_size (decimal text, display units per tick),
--       lot_size (shares per lot), scale (cash minor units per tick x lot), band_low, band_high (ticks),
--       short_limit (lots), position_limit (lots, 0 = none), max_order_qty (lots, 0 = none),
--       taker_fee, maker_rebate (minor units per lot filled, 0..10^9, rebate <= fee; optional, default 0),
--       limit_weight (multiplier in the game's gross/net limits, 0..1000; optional, default 1)
-- Errors: UNKNOWN_GAME, MARKET_CLOSED, SECURITY_EXISTS, INVALID_ARGUMENT (also a rebate above the fee:
-- fees must never create cash, so the game's total cash stays below 2^53).
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua

return run(function()
  local g = KEYS[1]
  local ctx = new_ctx(g)
  if ctx.game.phase == 'ended' then reject('MARKET_CLOSED', 'the game has ended') end
  local sid = need_int(ARGV[1], 1, 2147483647, 'INVALID_ARGUMENT', 'securityId')
  local skey = security_key(g, fmt(sid))
  if redis.call('EXISTS', skey) == 1 then reject('SECURITY_EXISTS', 'security ' .. fmt(sid) .. ' exists') end
  local symbol = ARGV[2]
  if not string.find(symbol, '^[%w%.%-_^]+$') or #symbol > 16 then
    reject('INVALID_ARGUMENT', 'symbol must be 1 to 16 letters, digits or . - _ ^')
  end
  local tick = ARGV[3]
  if not string.find(tick, '^%d+%.?%d*$') or #tick > 20 or not (tonumber(tick) > 0) then
    reject('INVALID_ARGUMENT', 'tickSize must be a positive decimal such as 0.01')
  end
  local lot = need_int(ARGV[4], 1, 1000000000, 'INVALID_ARGUMENT', 'lotSize')
  local scale = need_int(ARGV[5], 1, 1000000000, 'INVALID_ARGUMENT', 'scale')
  local lo = need_int(ARGV[6], 1, MAX_PRICE, 'INVALID_ARGUMENT', 'bandLow')
  local hi = need_int(ARGV[7], lo, MAX_PRICE, 'INVALID_ARGUMENT', 'bandHigh')
  local short = need_int(ARGV[8], 0, MAX_QTY, 'INVALID_ARGUMENT', 'shortLimit')
  local plimit = need_int(ARGV[9], 0, MAX_QTY, 'INVALID_ARGUMENT', 'positionLimit')
  local maxq = need_int(ARGV[10], 0, MAX_QTY, 'INVALID_ARGUMENT', 'maxOrderQty')
  local fee = opt_int(ARGV[11], 0, 0, MAX_FEE, 'INVALID_ARGUMENT', 'takerFee')
  local rebate = opt_int(ARGV[12], 0, 0, MAX_FEE, 'INVALID_ARGUMENT', 'makerRebate')
  if rebate > fee then reject('INVALID_ARGUMENT', 'makerRebate must not exceed takerFee') end
  local weight = opt_int(ARGV[13], 1, 0, 1000, 'INVALID_ARGUMENT', 'limitWeight')
  redis.call('HSET', skey, 'symbol', symbol, 'tick_size', tick, 'lot_size', lot, 'scale', scale,
    'band_low', lo, 'band_high', hi, 'short_limit', short, 'position_limit', plimit, 'max_order_qty', maxq,
    'taker_fee', fee, 'maker_rebate', rebate, 'limit_weight', weight)
  redis.call('SADD', securities_key(g), fmt(sid))
  redis.call('HSET', limit_weights_key(g), fmt(sid), weight)
  log_event(ctx.log, { type = 'security_added', securityId = sid, symbol = symbol, tickSize = tick,
    lotSize = lot, scale = scale, bandLow = lo, bandHigh = hi, shortLimit = short, positionLimit = plimit,
    maxOrderQty = maxq, takerFee = fee, makerRebate = rebate, limitWeight = weight })
  return finish(ctx, {})
end)
