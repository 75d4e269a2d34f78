-- amend: changes a resting order. A smaller quantity at the same price keeps time priority; a new
-- price or a larger quantity is cancel + new (a new order id, at the back of its price level).
-- KEYS: game, seq, events, security, orderbook, bids, asks, order_count, inventory, player orders
-- ARGV: player_id, security_id, order_id, qty (the new open quantity, lots), price (ticks; '' keeps it)
-- Returns JSON { ok, amended = { orderId, qty, priorityKept }, order (when replaced), events, ... }.
-- Errors: as cancel, plus INVALID_QUANTITY / INVALID_PRICE, and every place rejection for a
-- replacement (checked with the old order's lock given back first); a rejection changes nothing.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua
--@include lib/place.lua

return run(function()
  local g = KEYS[1]
  local ctx = new_ctx(g)
  local pid = ARGV[1]
  local sec = load_security(g, ARGV[2])
  local o = load_own_order(sec, ARGV[3], pid)
  local qty = need_int(ARGV[4], 1, MAX_QTY, 'INVALID_QUANTITY', 'qty')
  local price = o.price
  if ARGV[5] ~= '' then price = need_int(ARGV[5], 1, MAX_PRICE, 'INVALID_PRICE', 'price') end
  if price == o.price and qty == o.amount then reject('INVALID_QUANTITY', 'the amendment changes nothing') end

  if price == o.price and qty < o.amount then
    local cut = o.amount - qty
    redis.call('HSET', sec.prefix .. o.member, 'amount', qty)
    level_add(sec, o.side, o.price, -cut)
    add_order_lock(ctx.deltas, inventory_key(g, pid), sec, o.side, o.price, cut, -1)
    log_event(ctx.log, { type = 'order_amended', securityId = sec.num, orderId = o.id, playerId = pid,
      side = o.side, price = o.price, oldQty = o.amount, qty = qty })
    return finish(ctx, { amended = { orderId = o.id, qty = qty, priorityKept = true } })
  end

  local pos = load_position(g, pid, sec.id)
  ctx.inv = inventory_key(g, pid)
  local credit = { cash = 0, open_buy = 0, hold_locked = 0 }
  if o.side == 'buy' then
    credit.cash = o.price * o.amount * sec.scale
    credit.open_buy = o.amount
  else
    credit.hold_locked = o.amount
  end
  local spec = { player_id = pid, side = o.side, order_type = 'limit', tif = 'GTC', post_only = o.post_only,
    price = price, qty = qty }
  local p, q = validate_place(ctx, sec, pos, spec, credit)
  cancel_resting(ctx, sec, o, 'amend')
  local order = execute_place(ctx, sec, spec, p, q)
  return finish(ctx, { amended = { orderId = o.id, qty = qty, priorityKept = false }, order = order })
end)
