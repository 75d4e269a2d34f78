-- place: a limit or market order (GTC, IOC, FOK; post-only), matched under price-time priority.
-- KEYS: game, seq, events, security, orderbook, bids, asks, order_count, inventory, player orders,
--       client orders (declared for routing; names are rebuilt from KEYS[1], see lib/keys.lua)
-- ARGV: player_id, security_id, side (buy|sell), type (limit|market), tif (GTC|IOC|FOK),
--       post_only (0|1), price (ticks; '' for market), qty (lots), client_order_id ('' for none)
-- Returns JSON { ok, order, events, firstSeq, lastSeq } or { ok=false, code, message }.
-- A retry with the same client_order_id returns the first result (order and fills) with
-- duplicate=true and no events.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua
--@include lib/place.lua

local NO_CREDIT = { cash = 0, open_buy = 0, hold_locked = 0 }

return run(function()
  local g = KEYS[1]
  local pid = ARGV[1]
  local cid = ARGV[9] ~= '' and ARGV[9] or nil
  local ctx = new_ctx(g)
  if not valid_player_id(pid) then reject('UNKNOWN_PLAYER', 'no such player') end
  local sec = load_security(g, ARGV[2])
  local pos = load_position(g, pid, sec.id)
  ctx.inv = inventory_key(g, pid)
  if cid then
    if #cid > 64 then reject('INVALID_CLIENT_ORDER_ID', 'clientOrderId is at most 64 characters') end
    local prior = redis.call('HGET', client_orders_key(g, pid), cid)
    if prior then return '{"duplicate":true,' .. string.sub(prior, 2) end
  end
  local spec = { player_id = pid, side = ARGV[3], order_type = ARGV[4], tif = ARGV[5], post_only = ARGV[6] == '1',
    price = ARGV[7], qty = ARGV[8], cid = cid }
  local price, qty = validate_place(ctx, sec, pos, spec, NO_CREDIT)
  local order = execute_place(ctx, sec, spec, price, qty)
  local result = { order = order }
  local encoded = finish(ctx, result)
  if cid then -- the stored copy keeps the fills but not the events: a retry must not apply them twice
    local fills = {}
    for i, ev in ipairs(ctx.log.list) do
      if ev.type == 'fill' then fills[#fills + 1] = ctx.log.docs[i] end
    end
    result.events = json_array()
    result.fills = json_raw('[' .. table.concat(fills, ',') .. ']')
    redis.call('HSET', client_orders_key(g, pid), cid, json_encode(result))
  end
  return encoded
end)
