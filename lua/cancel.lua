-- cancel: takes one of the player's resting orders off the book and releases its lock.
-- KEYS: game, seq, events, security, orderbook, bids, asks, inventory, player orders
-- ARGV: player_id, security_id, order_id
-- Returns JSON { ok, cancelled = { orderId, securityId, side, price, qty }, events, ... }.
-- Errors: UNKNOWN_GAME, UNKNOWN_SECURITY, UNKNOWN_ORDER (not open), NOT_OWNER. Allowed in every phase.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua

return run(function()
  local g = KEYS[1]
  local ctx = new_ctx(g)
  local pid = ARGV[1]
  local sec = load_security(g, ARGV[2])
  local o = load_own_order(sec, ARGV[3], pid)
  cancel_resting(ctx, sec, o, 'user')
  return finish(ctx, { cancelled = { orderId = o.id, securityId = sec.num, side = o.side, price = o.price, qty = o.amount } })
end)
