--[[
  readOrders: one page of a book side's resting orders with their hashes, for a room rebuilding its
  state (server/src/engine/load.ts). Read-only. The order hashes are the side set's neighbours in the
  key schema (same hash tag, so the same cluster slot): <orderbook>:<member>.

    Input:
      KEYS[1]  game:{g}:security:<s>:orderbook:bids or ...:asks   zset of order members (price-time order)
      ARGV[1]  offset: index of the first member to return (0-based)
      ARGV[2]  count: members to return (1 to 20000)

    Output:
      JSON text: ONE flat array with 9 entries per member, in the set's order (best price first, then
      arrival): member, side, price, qty, amount, player_id, cid, ts, post_only (the hash's fields as
      HMGET reads them; a missing field or hash comes as false). Fewer than count members means the
      side ends here.

    Errors:
      BAD_KEY  KEYS[1] is not a bids or asks key
      BAD_ARG  offset or count out of range
]]
local side_key = KEYS[1]
local book = string.match(side_key, '^(game:{[^{}]+}:security:[^:{}]+:orderbook):bids$')
  or string.match(side_key, '^(game:{[^{}]+}:security:[^:{}]+:orderbook):asks$')
if not book then return redis.error_reply('BAD_KEY KEYS[1] must be a game:{g}:security:<s>:orderbook:bids or :asks key') end
local offset, count = tonumber(ARGV[1]), tonumber(ARGV[2])
if not offset or offset < 0 or not count or count < 1 or count > 20000 then
  return redis.error_reply('BAD_ARG offset must be >= 0 and count 1 to 20000')
end
local members = redis.call('ZRANGE', side_key, offset, offset + count - 1)
if #members == 0 then return '[]' end
local out, n = {}, 0
local head = book .. ':'
for i = 1, #members do
  local m = members[i]
  local f = redis.call('HMGET', head .. m, 'side', 'price', 'qty', 'amount', 'player_id', 'cid', 'ts', 'post_only')
  out[n + 1], out[n + 2], out[n + 3], out[n + 4], out[n + 5] = m, f[1], f[2], f[3], f[4]
  out[n + 6], out[n + 7], out[n + 8], out[n + 9] = f[5], f[6], f[7], f[8]
  n = n + 9
end
return cjson.encode(out)
