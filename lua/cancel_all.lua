-- cancel_all: cancels a player's resting orders, in one security or in all of them.
-- KEYS: game, seq, events, securities, inventory
-- ARGV: player_id, security_id ('' for all), reason ('cancel_all' by default; 'round_end', 'admin')
-- At most max_matches orders per call: truncated=true says more remain (call again).
-- Returns JSON { ok, cancelledOrderIds = [{ securityId, orderId }], truncated, events, ... }.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua

local REASONS = { cancel_all = true, round_end = true, admin = true }

return run(function()
  local g = KEYS[1]
  local ctx = new_ctx(g)
  local pid = ARGV[1]
  local reason = ARGV[3] ~= '' and ARGV[3] or 'cancel_all'
  if not REASONS[reason] then reject('INVALID_ARGUMENT', 'unknown cancel reason') end
  if not valid_player_id(pid) or redis.call('EXISTS', inventory_key(g, pid)) == 0 then
    reject('UNKNOWN_PLAYER', 'no such player')
  end
  local secs = {}
  if ARGV[2] ~= '' then
    secs[1] = load_security(g, ARGV[2])
  else
    local ids = redis.call('SMEMBERS', securities_key(g))
    table.sort(ids, function(a, b) return tonumber(a) < tonumber(b) end)
    for i, sid in ipairs(ids) do secs[i] = load_security(g, sid) end
  end
  local budget = ctx.game.max_matches
  local done, truncated = json_array(), false
  for _, sec in ipairs(secs) do
    local members = redis.call('ZRANGE', player_orders_key(g, pid, sec.id), 0, budget)
    for _, member in ipairs(members) do
      if budget == 0 then truncated = true; break end
      cancel_resting(ctx, sec, load_order(sec, member), reason)
      done[#done + 1] = { securityId = sec.num, orderId = tonumber(member) }
      budget = budget - 1
    end
    if truncated then break end
  end
  return finish(ctx, { cancelledOrderIds = done, truncated = truncated })
end)
