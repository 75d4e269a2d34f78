--[[
  claim: a room takes ownership of a game. Increments the game's ownership epoch, so every commit
  carrying an older epoch is refused (FENCED) from now on, and records who claimed it and when.

    Input:
      KEYS[1]  game:{g}:owner  hash: epoch (integer), node (claimant id), since (ms since epoch, server clock)
      ARGV[1]  node: the claiming room's id (1 to 200 characters; e.g. '<process>/<roomId>')

    Output:
      the new epoch (integer, >= 1)

    Errors (nothing written):
      BAD_KEY  KEYS[1] is not game:{g}:owner
      BAD_ARG  node is empty or longer than 200 characters
]]
local owner_key = KEYS[1]
if not string.find(owner_key, '^game:{[^{}]+}:owner$') then
  return redis.error_reply('BAD_KEY KEYS[1] must be game:{g}:owner')
end
local node = ARGV[1]
if not node or #node < 1 or #node > 200 then
  return redis.error_reply('BAD_ARG node must have 1 to 200 characters')
end
local t = redis.call('TIME')
local since = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local epoch = redis.call('HINCRBY', owner_key, 'epoch', 1)
redis.call('HSET', owner_key, 'node', node, 'since', since)
return epoch
