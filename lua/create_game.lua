-- create_game: a new game in the lobby phase.
-- KEYS: game, seq, events
-- ARGV: name, stp (cancel_incoming|cancel_resting), max_matches (1..100000), allow_short (0|1),
--       protection_bps (market order protection, basis points of the best opposite price, 1..10000),
--       gross_limit, net_limit (weighted lots, 0..10^9, 0 = none; optional, default 0; docs/engine.md)
-- Errors: GAME_EXISTS, INVALID_ARGUMENT.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua

return run(function()
  local g = KEYS[1]
  -- The id is the key's hash tag: an empty id or one with braces would put the game's keys in
  -- different cluster slots (or share another game's slot).
  if not string.find(g, '^game:{[%w_%-]+}$') or #g > 71 then
    reject('INVALID_ARGUMENT', 'gameId must be 1 to 64 letters, digits, _ or -')
  end
  if redis.call('EXISTS', g) == 1 then reject('GAME_EXISTS', 'the game already exists') end
  local name = ARGV[1]
  if #name < 1 or #name > 200 then reject('INVALID_ARGUMENT', 'name must have 1 to 200 characters') end
  local stp = ARGV[2]
  if stp ~= 'cancel_incoming' and stp ~= 'cancel_resting' then
    reject('INVALID_ARGUMENT', 'stp must be cancel_incoming or cancel_resting')
  end
  local max_matches = need_int(ARGV[3], 1, 100000, 'INVALID_ARGUMENT', 'maxMatches')
  local allow_short = need_int(ARGV[4], 0, 1, 'INVALID_ARGUMENT', 'allowShort')
  local bps = need_int(ARGV[5], 1, 10000, 'INVALID_ARGUMENT', 'protectionBps')
  local gross = opt_int(ARGV[6], 0, 0, MAX_QTY, 'INVALID_ARGUMENT', 'grossLimit')
  local net = opt_int(ARGV[7], 0, 0, MAX_QTY, 'INVALID_ARGUMENT', 'netLimit')
  local ts = now_ms()
  redis.call('HSET', g, 'phase', 'lobby', 'name', name, 'stp', stp, 'max_matches', max_matches,
    'allow_short', allow_short, 'protection_bps', bps, 'gross_limit', gross, 'net_limit', net, 'created_at', ts)
  local ctx = { g = g, log = new_log(g, ts), deltas = new_deltas() }
  log_event(ctx.log, { type = 'game_created', name = name, stp = stp, maxMatches = max_matches,
    allowShort = allow_short == 1, protectionBps = bps, grossLimit = gross, netLimit = net })
  return finish(ctx, {})
end)
