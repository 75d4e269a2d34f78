-- game_info (read-only): a game's config, phase, securities and players, as of one sequence number.
-- KEYS: game, seq, securities, players
-- ARGV: (none)
-- Returns JSON { ok, seq, game = { name, phase, stp, maxMatches, allowShort, protectionBps, grossLimit,
--   netLimit, createdAt }, securities = [{ securityId, symbol, tickSize, lotSize, scale, bandLow, bandHigh,
--   shortLimit, positionLimit, maxOrderQty, takerFee, makerRebate, limitWeight }], players = [{ playerId, name }] }.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua

return run(function()
  local g = KEYS[1]
  local game = load_game(g)
  local raw = pairs_to_table(redis.call('HGETALL', g))
  local ids = redis.call('SMEMBERS', securities_key(g))
  table.sort(ids, function(a, b) return tonumber(a) < tonumber(b) end)
  local secs = json_array()
  for i, sid in ipairs(ids) do
    local s = pairs_to_table(redis.call('HGETALL', security_key(g, sid)))
    secs[i] = { securityId = tonumber(sid), symbol = s.symbol, tickSize = s.tick_size, lotSize = tonumber(s.lot_size),
      scale = tonumber(s.scale), bandLow = tonumber(s.band_low), bandHigh = tonumber(s.band_high),
      shortLimit = tonumber(s.short_limit), positionLimit = tonumber(s.position_limit), maxOrderQty = tonumber(s.max_order_qty),
      takerFee = tonumber(s.taker_fee or 0), makerRebate = tonumber(s.maker_rebate or 0), limitWeight = tonumber(s.limit_weight or 1) }
  end
  local flat = redis.call('HGETALL', players_key(g))
  local players = json_array()
  for i = 1, #flat, 2 do players[#players + 1] = { playerId = flat[i], name = flat[i + 1] } end
  table.sort(players, function(a, b) return a.playerId < b.playerId end)
  return json_encode({ ok = true, seq = tonumber(redis.call('GET', seq_key(g)) or 0), securities = secs, players = players,
    game = { name = raw.name, phase = game.phase, stp = game.stp, maxMatches = game.max_matches,
      allowShort = game.allow_short, protectionBps = game.protection_bps, grossLimit = game.gross_limit,
      netLimit = game.net_limit, createdAt = tonumber(raw.created_at) } })
end)
