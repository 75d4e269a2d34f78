-- Key names, built from the game key 'game:{<id>}' (KEYS[1] of every command), so that every key a
-- script touches carries the game's hash tag and lives in the game's cluster slot. Mirrors
-- server/src/engine/keys.ts, which declares the fixed keys of each call in KEYS.
local function security_key(g, sid) return g .. ':security:' .. sid end
local function book_key(g, sid) return g .. ':security:' .. sid .. ':orderbook' end
local function inventory_key(g, pid) return g .. ':player:' .. pid .. ':inventory' end
local function player_orders_key(g, pid, sid) return g .. ':player:' .. pid .. ':security:' .. sid .. ':orders' end
local function client_orders_key(g, pid) return g .. ':player:' .. pid .. ':client_orders' end
local function securities_key(g) return g .. ':securities' end
local function players_key(g) return g .. ':players' end
local function seq_key(g) return g .. ':seq' end
local function events_key(g) return g .. ':events' end
-- Security id -> limitWeight (the multiplier of its lots in the gross and net position limits).
local function limit_weights_key(g) return g .. ':limit_weights' end
