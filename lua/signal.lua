-- signal: private information for a group of players (event signal). The event lists its recipients,
-- so that the room shows it to them only; the game's signals are also kept in a list (room rebuilds).
-- KEYS: game, seq, events, securities, players, signals (list of the signal events' JSON, in seq order)
-- ARGV: group (1..32 letters, digits, _ or -), text (1..280 characters), security_id ('' = none),
--       value (ticks, 0..10^9; '' = none), then the recipients' player ids (1..10000, distinct, existing)
-- Errors: UNKNOWN_GAME, MARKET_CLOSED (ended), UNKNOWN_SECURITY, UNKNOWN_PLAYER, INVALID_ARGUMENT.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/text.lua

return run(function()
  local g = KEYS[1]
  local ctx = new_ctx(g)
  if ctx.game.phase == 'ended' then reject('MARKET_CLOSED', 'the game has ended') end
  local group, text = ARGV[1] or '', ARGV[2] or ''
  if not string.find(group, '^[%w_%-]+$') or #group > 32 then
    reject('INVALID_ARGUMENT', 'group must be 1 to 32 letters, digits, _ or -')
  end
  local chars = utf8_len(text)
  if chars < 1 or chars > 280 or #text > 1120 then reject('INVALID_ARGUMENT', 'text must have 1 to 280 characters') end
  local ev = { type = 'signal', group = group, text = text }
  if ARGV[3] ~= nil and ARGV[3] ~= '' then
    local sid = need_int(ARGV[3], 1, 2147483647, 'UNKNOWN_SECURITY', 'securityId')
    if redis.call('SISMEMBER', KEYS[4], fmt(sid)) == 0 then reject('UNKNOWN_SECURITY', 'no such security: ' .. fmt(sid)) end
    ev.securityId = sid
  end
  if ARGV[4] ~= nil and ARGV[4] ~= '' then ev.value = need_int(ARGV[4], 0, MAX_PRICE, 'INVALID_ARGUMENT', 'value') end
  local n = #ARGV - 4
  if n < 1 or n > 10000 then reject('INVALID_ARGUMENT', 'a signal needs 1 to 10000 recipients') end
  local ids = json_array()
  local seen = {}
  for i = 5, #ARGV do
    local pid = ARGV[i]
    if not valid_player_id(pid) then reject('INVALID_ARGUMENT', 'invalid player id') end
    if seen[pid] then reject('INVALID_ARGUMENT', 'player ' .. pid .. ' is listed twice') end
    seen[pid] = true
    if redis.call('HEXISTS', KEYS[5], pid) == 0 then reject('UNKNOWN_PLAYER', 'no such player: ' .. pid) end
    ids[#ids + 1] = pid
  end
  ev.playerIds = ids
  log_event(ctx.log, ev)
  local result = finish(ctx, {})
  redis.call('RPUSH', KEYS[6], ctx.log.docs[1])
  return result
end)
