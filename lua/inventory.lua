-- inventory (read-only): a player's cash and positions.
-- KEYS: game, inventory
-- ARGV: player_id
-- Returns JSON { ok, playerId, cash, cashLocked, positions = [{ securityId, qty, locked, openBuy }] }:
-- cash in minor units; qty = holdings in lots (negative when short); locked = lots held by open sells;
-- openBuy = lots on open buys. Available cash = cash - cashLocked; available lots = qty - locked.
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
  local flat = valid_player_id(pid) and redis.call('HGETALL', inventory_key(g, pid)) or {}
  if #flat == 0 then reject('UNKNOWN_PLAYER', 'no such player') end
  local inv = pairs_to_table(flat)
  local byid = {}
  local ids = {}
  for field, value in pairs(inv) do
    local sid, kind = string.match(field, '^(%d+):?(.*)$')
    if sid and sid ~= '0' then
      if not byid[sid] then byid[sid] = { securityId = tonumber(sid), qty = 0, locked = 0, openBuy = 0 }; ids[#ids + 1] = sid end
      local p = byid[sid]
      if kind == '' then p.qty = tonumber(value) elseif kind == 'locked' then p.locked = tonumber(value)
      elseif kind == 'open_buy' then p.openBuy = tonumber(value) end
    end
  end
  table.sort(ids, function(a, b) return tonumber(a) < tonumber(b) end)
  local positions = json_array()
  for i, sid in ipairs(ids) do positions[i] = byid[sid] end
  return json_encode({ ok = true, playerId = pid, cash = tonumber(inv['0']), cashLocked = tonumber(inv['0:locked'] or 0),
    positions = positions })
end)
