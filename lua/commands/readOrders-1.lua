--[[
  readOrders: one page of a book side's resting orders with their hashes, for a room rebuilding its
  state (server/src/engine/load.ts). Read-only. The order hashes are the side set's neighbours in the
  key schema (same hash tag, so the same cluster slot): <orderbook>:<member>.

    Input:
      KEYS[1]  game:{g}:security:<s>:orderbook:bids or ...:asks   zset of order members (price-time order)
      ARGV[1]  offset: index of the first member to return (0-based)
      ARGV[2]  count: members to return (1 to 10000)

    Output:
      JSON text: an array with one entry per member, in the set's order (best price first, then
      arrival); an entry is a pair of the member and its hash as HGETALL lists it (field, value,
      ...); a missing hash comes as an empty list or {} (cjson cannot tell an empty table's kind).
      Fewer than count entries means the side ends here.

    Errors:
      BAD_KEY  KEYS[1] is not a bids or asks key
      BAD_ARG  offset or count out of range
]]
local side_key = KEYS[1]
local book = string.match(side_key, '^(game:{[^{}]+}:security:[^:{}]+:orderbook):bids$')
  or string.match(side_key, '^(game:{[^{}]+}:security:[^:{}]+:orderbook):asks$')
if not book then return redis.error_reply('BAD_KEY KEYS[1] must be a game:{g}:security:<s>:orderbook:bids or :asks key') end
local offset, count = tonumber(ARGV[1]), tonumber(ARGV[2])
if not offset or offset < 0 or not count or count < 1 or count > 10000 then
  return redis.error_reply('BAD_ARG offset must be >= 0 and count 1 to 10000')
end
local members = redis.call('ZRANGE', side_key, offset, offset + count - 1)
local out = {}
local head = book .. ':'
for i = 1, #members do
  local m = members[i]
  out[i] = { m, redis.call('HGETALL', head .. m) }
end
if #out == 0 then return '[]' end
return cjson.encode(out)
