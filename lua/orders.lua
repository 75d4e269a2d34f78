-- orders (read-only): a player's resting orders, by security then arrival.
-- KEYS: game, securities
-- ARGV: player_id, security_id ('' for all)
-- Returns JSON { ok, orders = [{ orderId, securityId, side, price, qty, amount, clientOrderId, ts }] },
-- where qty is the original quantity and amount the open (unfilled) quantity, in lots.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua

return run(function()
  local g = KEYS[1]
  load_game(g)
  local pid = ARGV[1]
  if not valid_player_id(pid) or redis.call('EXISTS', inventory_key(g, pid)) == 0 then
    reject('UNKNOWN_PLAYER', 'no such player')
  end
  local ids = {}
  if ARGV[2] ~= '' then ids[1] = load_security(g, ARGV[2]).id else ids = redis.call('SMEMBERS', securities_key(g)) end
  table.sort(ids, function(a, b) return tonumber(a) < tonumber(b) end)
  local out = json_array()
  for _, sid in ipairs(ids) do
    local prefix = book_key(g, sid) .. ':'
    for _, member in ipairs(redis.call('ZRANGE', player_orders_key(g, pid, sid), 0, -1)) do
      local v = redis.call('HMGET', prefix .. member, 'side', 'price', 'qty', 'amount', 'cid', 'ts')
      local o = { orderId = tonumber(member), securityId = tonumber(sid), side = v[1], price = tonumber(v[2]),
        qty = tonumber(v[3]), amount = tonumber(v[4]), ts = tonumber(v[6]) }
      if v[5] ~= '' then o.clientOrderId = v[5] end
      out[#out + 1] = o
    end
  end
  return json_encode({ ok = true, orders = out })
end)
