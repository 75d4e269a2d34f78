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
  local id = parse_int(ARGV[3], 1, 999999999999)
  local o = id and load_order(sec, order_member(id))
  if not o then reject('UNKNOWN_ORDER', 'no open order ' .. tostring(ARGV[3])) end
  if o.player_id ~= pid then reject('NOT_OWNER', 'the order belongs to another player') end
  cancel_resting(ctx, sec, o, 'user')
  return finish(ctx, { cancelled = { orderId = o.id, securityId = sec.num, side = o.side, price = o.price, qty = o.amount } })
end)
