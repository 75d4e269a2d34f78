-- announce: a headline for every player of the game, optionally shifting reference prices (event news).
-- The engine does not use reference prices; it validates and records the news, so that the log holds
-- every headline and shift, and keeps the game's headlines in a list (the game service reads it to
-- compute the shifted reference path without scanning the log).
-- KEYS: game, seq, events, securities, news (list of the news events' JSON, in seq order)
-- ARGV: headline (1..280 characters), atMs (round running time in ms, integer >= 0, when the shifts
--       take effect), then pairs security_id, bps (integer -9000..10000; each security at most once,
--       at most 50 pairs)
-- Errors: UNKNOWN_GAME, MARKET_CLOSED (ended), UNKNOWN_SECURITY, INVALID_ARGUMENT.
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
  local headline = ARGV[1] or ''
  local chars = utf8_len(headline)
  if chars < 1 or chars > 280 or #headline > 1120 then reject('INVALID_ARGUMENT', 'headline must have 1 to 280 characters') end
  local at_ms = need_int(ARGV[2], 0, MAX_SAFE, 'INVALID_ARGUMENT', 'atMs')
  if (#ARGV - 2) % 2 ~= 0 then reject('INVALID_ARGUMENT', 'shifts come in pairs security_id, bps') end
  if (#ARGV - 2) / 2 > 50 then reject('INVALID_ARGUMENT', 'at most 50 shifts') end
  local shifts = json_array()
  local seen = {}
  for i = 3, #ARGV, 2 do
    local sid = need_int(ARGV[i], 1, 2147483647, 'UNKNOWN_SECURITY', 'securityId')
    if redis.call('SISMEMBER', KEYS[4], fmt(sid)) == 0 then reject('UNKNOWN_SECURITY', 'no such security: ' .. fmt(sid)) end
    if seen[sid] then reject('INVALID_ARGUMENT', 'security ' .. fmt(sid) .. ' is shifted twice') end
    seen[sid] = true
    local bps = need_int(ARGV[i + 1], -9000, 10000, 'INVALID_ARGUMENT', 'bps')
    shifts[#shifts + 1] = { securityId = sid, bps = bps }
  end
  log_event(ctx.log, { type = 'news', headline = headline, shifts = shifts, atMs = at_ms })
  local result = finish(ctx, {})
  redis.call('RPUSH', KEYS[5], ctx.log.docs[1])
  return result
end)
