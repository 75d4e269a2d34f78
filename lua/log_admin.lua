-- log_admin: records an admin action (bots added or removed, settings changed...) in the game's log,
-- so that the log holds everything that happened. Phase changes are logged by set_phase itself.
-- KEYS: game, seq, events
-- ARGV: action (1..32 letters, digits, _), actor (a player id or 'admin'), detail (text, at most 500 bytes)
-- Errors: UNKNOWN_GAME, INVALID_ARGUMENT. Allowed in every phase.
--@include lib/json.lua
--@include lib/util.lua
--@include lib/keys.lua
--@include lib/events.lua
--@include lib/game.lua

return run(function()
  local g = KEYS[1]
  local ctx = new_ctx(g)
  local action, actor, detail = ARGV[1], ARGV[2], ARGV[3] or ''
  if not string.find(action, '^[%w_]+$') or #action > 32 then
    reject('INVALID_ARGUMENT', 'action must be 1 to 32 letters, digits or _')
  end
  if not valid_player_id(actor) then reject('INVALID_ARGUMENT', 'actor must be a player id or admin') end
  if #detail > 500 then reject('INVALID_ARGUMENT', 'detail is at most 500 bytes') end
  log_event(ctx.log, { type = 'admin_action', action = action, actor = actor, detail = detail })
  return finish(ctx, {})
end)
