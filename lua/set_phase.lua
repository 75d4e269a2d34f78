-- set_phase: moves a game through lobby -> running <-> paused -> ended (ended from any phase).
-- KEYS: game, seq, events
-- ARGV: phase
-- Errors: UNKNOWN_GAME, INVALID_PHASE_TRANSITION.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua
--@include lib/book.lua

local NEXT = {
  lobby = { running = true, ended = true },
  running = { paused = true, ended = true },
  paused = { running = true, ended = true },
  ended = {},
}

return run(function()
  local g = KEYS[1]
  local ctx = new_ctx(g)
  local from, to = ctx.game.phase, ARGV[1]
  if not (NEXT[from] and NEXT[from][to]) then
    reject('INVALID_PHASE_TRANSITION', 'cannot go from ' .. from .. ' to ' .. tostring(to))
  end
  redis.call('HSET', g, 'phase', to)
  log_event(ctx.log, { type = 'phase_changed', from = from, to = to })
  return finish(ctx, { phase = to })
end)
