-- add_player: a player with an endowment of cash and holdings (any phase but ended).
-- KEYS: game, seq, events, players, inventory
-- ARGV: player_id, name, cash (minor units, 0..10^15; all players' cash together at most 2^53 - 1),
--       then pairs security_id, qty (lots)
-- Errors: UNKNOWN_GAME, MARKET_CLOSED, PLAYER_EXISTS, UNKNOWN_SECURITY, INVALID_ARGUMENT.
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
  local pid, name = ARGV[1], ARGV[2]
  if not valid_player_id(pid) then reject('INVALID_ARGUMENT', 'playerId must be 1 to 64 letters, digits, _ or -') end
  if #name < 1 or #name > 64 then reject('INVALID_ARGUMENT', 'name must have 1 to 64 characters') end
  if redis.call('HEXISTS', players_key(g), pid) == 1 then reject('PLAYER_EXISTS', 'player ' .. pid .. ' exists') end
  local cash = need_int(ARGV[3], 0, MAX_CASH, 'INVALID_ARGUMENT', 'cash')
  -- Cash only moves between players, so no balance can exceed the game's total: bounding the total
  -- by 2^53 - 1 keeps every balance exact in the script VM and in JavaScript.
  local total = tonumber(redis.call('HGET', g, 'cash_total') or 0)
  if total + cash > MAX_SAFE then
    reject('INVALID_ARGUMENT', 'the total cash of all players would exceed 2^53 - 1 minor units')
  end
  local fields = { '0', cash, '0:locked', 0 }
  local holdings = json_array()
  for i = 4, #ARGV, 2 do
    local sid = need_int(ARGV[i], 1, 2147483647, 'INVALID_ARGUMENT', 'securityId')
    if redis.call('SISMEMBER', securities_key(g), fmt(sid)) == 0 then
      reject('UNKNOWN_SECURITY', 'no such security: ' .. fmt(sid))
    end
    local qty = need_int(ARGV[i + 1], 0, MAX_QTY, 'INVALID_ARGUMENT', 'holdings')
    fields[#fields + 1] = fmt(sid)
    fields[#fields + 1] = qty
    holdings[#holdings + 1] = { securityId = sid, qty = qty }
  end
  redis.call('HSET', players_key(g), pid, name)
  redis.call('HINCRBY', g, 'cash_total', cash)
  redis.call('HSET', inventory_key(g, pid), unpack(fields))
  log_event(ctx.log, { type = 'player_added', playerId = pid, name = name, cash = cash, holdings = holdings })
  return finish(ctx, {})
end)
